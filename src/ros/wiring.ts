// Production wiring of the node to the engine, the pipeline and the codecs.
// The engine and the model registry are required when first used, so that loading this module
// does not load ONNX Runtime or the native addon.
import { encodeDiagnosticArray } from '../cdr';
import type { Engine } from '../engine/types';
import { ClassifierPipeline } from '../pipeline';
import type { Stamp } from '../pipeline/types';
import { imagenetLabels, type ClassifierDeps, type EngineRequest } from './ports';

interface EngineModule {
  openEngine(req: EngineRequest): Promise<{ engine: Engine; resolved: { reason: string } }>;
}
interface RegistryModule {
  loadRegistry(): Map<string, unknown>;
}

export function defaultDeps(): ClassifierDeps {
  let known: Set<string> | undefined;
  return {
    openEngine: async (req) => {
      const { engine, resolved } = await (require('../engine') as EngineModule).openEngine(req);
      return { engine, reason: resolved.reason };
    },
    createPipeline: (c) => new ClassifierPipeline(c),
    labels: imagenetLabels,
    isKnownModel: (name) => {
      known ??= new Set((require('../engine/registry') as RegistryModule).loadRegistry().keys());
      return known.has(name);
    },
    encodeDiagnostics: (stamp: Stamp, statuses) => encodeDiagnosticArray({ stamp, frame_id: '' }, statuses),
  };
}
