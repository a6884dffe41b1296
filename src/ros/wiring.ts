// Production wiring of the node to the engine, the pipeline and the codecs.
// Modules are required when first used so that `mnv4 node --help` loads none of them.
import type { Engine } from '../engine/types';
import type { Header, Stamp } from '../pipeline/types';
import { imagenetLabels, type ClassifierDeps, type DiagStatus, type EngineRequest, type PipelineConfig, type PipelinePort } from './ports';

interface EngineModule {
  openEngine(req: EngineRequest): Promise<Engine>;
}
interface PipelineModule {
  ClassifierPipeline: new (c: PipelineConfig) => PipelinePort;
}
interface CdrModule {
  encodeDiagnosticArray(header: Header, statuses: readonly DiagStatus[]): Uint8Array;
}
interface RegistryModule {
  loadRegistry(): Map<string, unknown>;
}

export function defaultDeps(): ClassifierDeps {
  let known: Set<string> | undefined;
  return {
    openEngine: (req) => (require('../engine') as EngineModule).openEngine(req),
    createPipeline: (c) => new (require('../pipeline') as PipelineModule).ClassifierPipeline(c),
    labels: imagenetLabels,
    isKnownModel: (name) => {
      known ??= new Set((require('../engine/registry') as RegistryModule).loadRegistry().keys());
      return known.has(name);
    },
    encodeDiagnostics: (stamp: Stamp, statuses) => (require('../cdr') as CdrModule).encodeDiagnosticArray({ stamp, frame_id: '' }, statuses),
  };
}
