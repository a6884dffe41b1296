// Summary numbers of a replay: latency percentiles (nearest-rank) and class frequencies.
import type { LatencyMs } from '../pipeline/types';

export interface Percentiles {
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export function percentiles(values: readonly number[]): Percentiles {
  if (values.length === 0) return { mean: 0, p50: 0, p90: 0, p99: 0, max: 0 };
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    mean: round(s.reduce((a, b) => a + b, 0) / s.length),
    p50: round(at(0.5)),
    p90: round(at(0.9)),
    p99: round(at(0.99)),
    max: round(s[s.length - 1]),
  };
}

export const STAGES = ['decode_ms', 'queue_ms', 'preprocess_ms', 'inference_ms', 'postprocess_ms', 'total_ms'] as const;
export type Stage = (typeof STAGES)[number];

export function latencySummary(latencies: readonly LatencyMs[]): Record<Stage, Percentiles> {
  const out = {} as Record<Stage, Percentiles>;
  for (const s of STAGES) out[s] = percentiles(latencies.map((l) => l[s]));
  return out;
}
