// What the ROS adapter needs from the rest of the package, as injectable functions: production
// wires the real engine, pipeline and codecs (defaultDeps); tests may wire others.
import * as fs from 'fs';
import * as path from 'path';
import type { BackendKind, Engine, EngineOptions } from '../engine/types';
import type { FrameOutcome, ImageKind, Stamp } from '../pipeline/types';
import { configDir } from '../paths';

/** The part of ClassifierPipeline (src/pipeline) the node drives. */
export interface PipelinePort {
  process(kind: ImageKind, cdr: Uint8Array): Promise<FrameOutcome>;
  /** Counts a frame dropped before it reached the pipeline. */
  recordDrop(message: string): void;
  /** Resolves when a frame can be taken without a drop (back-pressure for the block policy). */
  ready(): Promise<void>;
  labelInfoCdr(stamp?: Stamp): Uint8Array;
  diagnosticsCdr(stamp: Stamp): Uint8Array;
  setOptions(o: { topK?: number; scoreThreshold?: number }): void;
  /** Routes new frames to `next`; frames already queued finish on the old engine, which is then closed. */
  swapEngine(next: Engine, variant?: string): Promise<unknown>;
  /** Stops intake, finishes or cancels queued frames, closes the engine (joins its workers). */
  close(): Promise<void>;
}

export interface PipelineConfig {
  engine: Engine;
  labels: string[];
  variant: string;
  topK: number;
  scoreThreshold: number;
  inOrder: boolean;
  /** DiagnosticStatus name of the pipeline's status. */
  diagnosticsName?: string;
}

export interface EngineRequest {
  model: string; // registry name or file path
  backend: 'auto' | BackendKind;
  options: EngineOptions;
}

export interface DiagStatus {
  level: number; // diagnostic_msgs/DiagnosticStatus OK=0 WARN=1 ERROR=2
  name: string;
  message: string;
  hardware_id: string;
  values: { key: string; value: string }[];
}

export interface OpenedEngine {
  engine: Engine;
  /** Why this backend (e.g. "auto: CPU because libdnn.so does not load"), for the log. */
  reason?: string;
}

export interface ClassifierDeps {
  openEngine(req: EngineRequest): Promise<OpenedEngine>;
  createPipeline(c: PipelineConfig): PipelinePort;
  /** The 1000 ImageNet-1k class names, index = class id. */
  labels(): string[];
  /**
   * Why `req` cannot be loaded, found without loading it (unknown registry name, no such file),
   * or undefined. Runs synchronously inside parameter callbacks.
   */
  checkModel(req: Pick<EngineRequest, 'model' | 'backend'>): string | undefined;
  encodeDiagnostics(stamp: Stamp, statuses: DiagStatus[]): Uint8Array;
}

/** The ImageNet-1k names shipped in config/labels (timm order; engines report these indices). */
export function imagenetLabels(): string[] {
  const file = path.join(configDir, 'labels', 'imagenet1k_labels.txt');
  const names = fs.readFileSync(file, 'utf8').split(/\r?\n/).map((l) => l.trim());
  while (names.length > 0 && names[names.length - 1] === '') names.pop();
  if (names.length !== 1000) throw new Error(`${file} has ${names.length} names; expected 1000`);
  return names;
}
