// Opens what a replay runs on: the engine (registry model, backend) and the node's own
// ClassifierPipeline over it, configured as the node would be, with the replay's drop policy.
import { openEngine, type BackendChoice } from '../engine';
import type { Engine, EngineOptions } from '../engine/types';
import { DEFAULT_PREPROCESS, type ResizeFilter, type ResizeMode } from '../image/types';
import { ClassifierPipeline } from '../pipeline/pipeline';
import type { PipelineLike } from './replay';

export interface SessionOptions {
  model: string;
  backend: BackendChoice;
  resizeMode: ResizeMode;
  filter: ResizeFilter;
  topK: number;
  scoreThreshold: number;
  numThreads: number;
  queueSize: number;
  /** true: feed at recorded pace with the live drop policy; false: block (nothing dropped). */
  live: boolean;
}

export interface Session {
  engine: Engine;
  pipeline: PipelineLike & { close(): Promise<void> };
  labels: readonly string[];
  backend: string;
  model: string;
  /** Why this backend was used (auto's decision). */
  reason: string;
  close(): Promise<void>;
}

export async function openSession(o: SessionOptions): Promise<Session> {
  const options: EngineOptions = {
    numThreads: o.numThreads,
    queueSize: o.queueSize,
    dropPolicy: o.live ? 'drop_oldest' : 'block',
    topK: o.topK,
    preprocess: { ...DEFAULT_PREPROCESS, resizeMode: o.resizeMode, filter: o.filter },
    inferTimeoutMs: 0,
  };
  const { engine, resolved } = await openEngine({ model: o.model, backend: o.backend, options });
  const pipeline = new ClassifierPipeline({
    engine,
    labels: resolved.labels,
    variant: resolved.model.name,
    topK: o.topK,
    scoreThreshold: o.scoreThreshold,
    inOrder: true,
  });
  let closed = false;
  return {
    engine,
    pipeline,
    labels: resolved.labels,
    backend: resolved.backend,
    model: resolved.model.name,
    reason: resolved.reason,
    async close() {
      if (closed) return;
      closed = true;
      await pipeline.close(); // closes the engine too
    },
  };
}
