// Production wiring of the node to the engine, the pipeline and the codecs. The engine module is
// required when first used, so that `mnv4 node --help` or a missing ROS loads nothing heavy.
import * as fs from 'fs';
import { encodeDiagnosticArray } from '../cdr';
import { ClassifierPipeline } from '../pipeline';
import type { Stamp } from '../pipeline/types';
import { imagenetLabels, type ClassifierDeps } from './ports';

type EngineModule = typeof import('../engine');
const engineModule = (): EngineModule => require('../engine') as EngineModule;

export function defaultDeps(): ClassifierDeps {
  return {
    openEngine: async (req) => {
      const { engine, resolved } = await engineModule().openEngine(req);
      return { engine, reason: resolved.reason };
    },
    createPipeline: (c) => new ClassifierPipeline(c),
    labels: imagenetLabels,
    checkModel: (req) => {
      try {
        const { backend, model } = engineModule().resolveEngine(req);
        if (!model.exists) return `model '${model.name}' for the ${backend} backend not found (looked in ${model.searched.join(', ')}). ${model.hint}`.trim();
        if (!fs.statSync(model.modelPath).isFile()) return `model path ${model.modelPath} is not a file`;
        return undefined;
      } catch (err) {
        return (err as Error).message;
      }
    },
    encodeDiagnostics: (stamp: Stamp, statuses) => encodeDiagnosticArray({ stamp, frame_id: '' }, statuses),
  };
}
