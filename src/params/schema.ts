// The node's parameters in one place: name, type, default, description, range or choices, and
// when a change applies. The rclnodejs descriptors, the zod validation, config/params.yaml and the
// launch arguments are all checked against this table.
import { z } from 'zod';
import { DROP_POLICIES } from '../engine/types';
import { RESIZE_FILTERS, RESIZE_MODES } from '../image/types';

export type ParamType = 'bool' | 'integer' | 'double' | 'string';
export type ParamValue = boolean | number | string;

/**
 * live: applied to the running engine/pipeline at once.
 * reload: a new engine is loaded beside the running one and swapped in; a failed load keeps the old.
 * read_only: fixed at start (ROS `read_only` descriptor); a change needs a restart.
 */
export type ParamApply = 'live' | 'reload' | 'read_only';

export interface ParamSpec {
  name: string;
  type: ParamType;
  default: ParamValue;
  description: string;
  apply: ParamApply;
  /** Inclusive numeric range (integers: whole numbers, step 1). */
  range?: { from: number; to: number };
  choices?: readonly string[];
  schema: z.ZodType<ParamValue>;
}

export const BACKEND_CHOICES = ['auto', 'bpu', 'cpu', 'bpu-sim'] as const;
export const INPUT_TRANSPORTS = ['raw', 'compressed'] as const;
export const QOS_RELIABILITIES = ['best_effort', 'reliable', 'system_default'] as const;
export const QOS_DURABILITIES = ['volatile', 'transient_local', 'system_default'] as const;
/** Model registry names (config/models.yaml): same rule as the registry's own keys. */
export const MODEL_NAME_RE = /^[A-Za-z0-9._-]+$/;

function integer(name: string, from: number, to: number): z.ZodType<number> {
  return z
    .number({ error: `${name} must be an integer` })
    .int({ error: `${name} must be a whole number` })
    .min(from, { error: (i) => `${name} must be from ${from} to ${to} (got ${String(i.input)})` })
    .max(to, { error: (i) => `${name} must be from ${from} to ${to} (got ${String(i.input)})` });
}

function double(name: string, from: number, to: number): z.ZodType<number> {
  return z
    .number({ error: `${name} must be a number` })
    .refine(Number.isFinite, { error: `${name} must be a finite number` })
    .refine((v) => v >= from && v <= to, { error: (i) => `${name} must be from ${from} to ${to} (got ${String(i.input)})` });
}

function choice(name: string, choices: readonly string[]): z.ZodType<string> {
  return z
    .string({ error: `${name} must be a string` })
    .refine((v) => choices.includes(v), { error: (i) => `${name} must be one of ${choices.join(', ')} (got '${String(i.input)}')` });
}

function spec(s: Omit<ParamSpec, 'schema'>): ParamSpec {
  let schema: z.ZodType<ParamValue>;
  if (s.choices) schema = choice(s.name, s.choices);
  else if (s.type === 'integer') schema = integer(s.name, s.range!.from, s.range!.to);
  else if (s.type === 'double') schema = double(s.name, s.range!.from, s.range!.to);
  else if (s.type === 'bool') schema = z.boolean({ error: `${s.name} must be true or false` });
  else schema = z.string({ error: `${s.name} must be a string` });
  return { ...s, schema };
}

export const PARAMS: readonly ParamSpec[] = [
  {
    ...spec({
      name: 'model_variant',
      type: 'string',
      default: 'conv_small',
      description: 'Model to run: conv_small, conv_medium or another name from the model registry (config/models.yaml)',
      apply: 'reload',
    }),
    schema: z
      .string({ error: 'model_variant must be a string' })
      .regex(MODEL_NAME_RE, { error: (i) => `model_variant must be a registry name (letters, digits, '.', '_', '-'), got '${String(i.input)}'` }),
  },
  spec({
    name: 'model_path',
    type: 'string',
    default: '',
    description: 'Model file (.bin for the BPU, .onnx for the CPU) used instead of the registry file of model_variant; empty: use the registry',
    apply: 'reload',
  }),
  spec({
    name: 'backend',
    type: 'string',
    default: 'auto',
    description: 'Inference backend: auto (BPU where libdnn and the .bin are present, else CPU), bpu, cpu, or bpu-sim (the BPU runtime simulator, for testing)',
    apply: 'reload',
    choices: BACKEND_CHOICES,
  }),
  spec({
    name: 'num_threads',
    type: 'integer',
    default: 2,
    description: 'Worker threads (pre-processing + inference); 2 keeps the single X5 BPU core busy',
    apply: 'live',
    range: { from: 1, to: 8 },
  }),
  spec({
    name: 'queue_size',
    type: 'integer',
    default: 2,
    description: 'Frames waiting for a worker (not counting those being processed)',
    apply: 'reload',
    range: { from: 1, to: 64 },
  }),
  spec({
    name: 'drop_policy',
    type: 'string',
    default: 'drop_oldest',
    description: 'When the queue is full: drop_oldest (live cameras: freshest frame wins), drop_newest, or block (nothing dropped; for replay)',
    apply: 'reload',
    choices: DROP_POLICIES,
  }),
  spec({
    name: 'top_k',
    type: 'integer',
    default: 5,
    description: 'Hypotheses per Classification message, highest score first',
    apply: 'live',
    range: { from: 1, to: 100 },
  }),
  spec({
    name: 'score_threshold',
    type: 'double',
    default: 0.0,
    description: 'Hypotheses with a probability below this are left out (0 keeps all top_k)',
    apply: 'live',
    range: { from: 0, to: 1 },
  }),
  spec({
    name: 'resize_mode',
    type: 'string',
    default: 'stretch',
    description: 'Frame to 224x224: stretch (the vendor reference), center_crop (centre square), letterbox (pad with grey)',
    apply: 'reload',
    choices: RESIZE_MODES,
  }),
  spec({
    name: 'resize_filter',
    type: 'string',
    default: 'area',
    description: "Down-scaling filter: area (averages every covered pixel) or bilinear (the vendor's exact OpenCV path)",
    apply: 'reload',
    choices: RESIZE_FILTERS,
  }),
  spec({
    name: 'infer_timeout_ms',
    type: 'integer',
    default: 1000,
    description: 'Longest wait for one inference before the frame fails with a timeout (0 = wait forever)',
    apply: 'reload',
    range: { from: 0, to: 60000 },
  }),
  spec({
    name: 'in_order',
    type: 'bool',
    default: true,
    description: 'Publish results in input order (workers may finish out of order)',
    apply: 'read_only',
  }),
  spec({
    name: 'input_transport',
    type: 'string',
    default: 'raw',
    description: 'raw: subscribe image_raw (sensor_msgs/Image); compressed: image_raw/compressed (sensor_msgs/CompressedImage, JPEG/PNG)',
    apply: 'read_only',
    choices: INPUT_TRANSPORTS,
  }),
  spec({
    name: 'qos.reliability',
    type: 'string',
    default: 'best_effort',
    description: 'Input subscription reliability; best_effort (sensor data QoS) matches reliable and best-effort cameras and bag playback',
    apply: 'read_only',
    choices: QOS_RELIABILITIES,
  }),
  spec({
    name: 'qos.durability',
    type: 'string',
    default: 'volatile',
    description: 'Input subscription durability',
    apply: 'read_only',
    choices: QOS_DURABILITIES,
  }),
  spec({
    name: 'qos.depth',
    type: 'integer',
    default: 5,
    description: 'Input subscription history depth (keep last N)',
    apply: 'read_only',
    range: { from: 1, to: 1000 },
  }),
];

/** Parameters rclnodejs itself declares; accepted in YAML and launch files, not in PARAMS. */
export const BUILTIN_PARAMS = ['use_sim_time'] as const;

export const PARAMS_BY_NAME: ReadonlyMap<string, ParamSpec> = new Map(PARAMS.map((p) => [p.name, p]));

export interface NodeParams {
  model_variant: string;
  model_path: string;
  backend: (typeof BACKEND_CHOICES)[number];
  num_threads: number;
  queue_size: number;
  drop_policy: (typeof DROP_POLICIES)[number];
  top_k: number;
  score_threshold: number;
  resize_mode: (typeof RESIZE_MODES)[number];
  resize_filter: (typeof RESIZE_FILTERS)[number];
  infer_timeout_ms: number;
  in_order: boolean;
  input_transport: (typeof INPUT_TRANSPORTS)[number];
  'qos.reliability': (typeof QOS_RELIABILITIES)[number];
  'qos.durability': (typeof QOS_DURABILITIES)[number];
  'qos.depth': number;
}

export function defaultParams(): NodeParams {
  const out: Record<string, ParamValue> = {};
  for (const p of PARAMS) out[p.name] = p.default;
  return out as unknown as NodeParams;
}

export type Validation = { ok: true; value: ParamValue } | { ok: false; reason: string };

/**
 * Converts a value as rclnodejs or a YAML file gives it (integers as bigint) to the parameter's
 * type and checks it. Integers are accepted for doubles (`score_threshold: 0`), as a user means.
 */
export function validateParam(name: string, raw: unknown): Validation {
  const s = PARAMS_BY_NAME.get(name);
  if (!s) return { ok: false, reason: `unknown parameter '${name}'` };
  let value: unknown = raw;
  if (typeof raw === 'bigint') {
    if (s.type === 'integer' || s.type === 'double') {
      if (raw > BigInt(Number.MAX_SAFE_INTEGER) || raw < BigInt(Number.MIN_SAFE_INTEGER)) {
        return { ok: false, reason: `${name}: ${raw} is out of range` };
      }
      value = Number(raw);
    }
  }
  if (s.type === 'integer' && typeof value === 'number' && !Number.isInteger(value)) {
    return { ok: false, reason: `${name} must be an integer (got ${value})` };
  }
  const typeName: Record<ParamType, string> = { bool: 'boolean', integer: 'number', double: 'number', string: 'string' };
  if (typeof value !== typeName[s.type]) {
    return { ok: false, reason: `${name} must be ${s.type === 'bool' ? 'true or false' : `a${s.type === 'integer' ? 'n' : ''} ${s.type}`} (got ${describe(raw)})` };
  }
  const r = s.schema.safeParse(value);
  if (!r.success) return { ok: false, reason: r.error.issues.map((i) => i.message).join('; ') };
  return { ok: true, value: r.data };
}

/** Validates a full set; the first reason per bad parameter. */
export function validateParams(values: Record<string, unknown>): { ok: true; params: NodeParams } | { ok: false; reasons: string[] } {
  const out: Record<string, ParamValue> = {};
  const reasons: string[] = [];
  for (const p of PARAMS) {
    const v = validateParam(p.name, p.name in values ? values[p.name] : p.default);
    if (v.ok) out[p.name] = v.value;
    else reasons.push(v.reason);
  }
  return reasons.length ? { ok: false, reasons } : { ok: true, params: out as unknown as NodeParams };
}

function describe(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (Array.isArray(v)) return `an array`;
  return `${typeof v} ${String(v)}`;
}

/** One line for the descriptor's additional_constraints (rclnodejs 2.2 does not publish ranges). */
export function constraintText(s: ParamSpec): string {
  if (s.choices) return `one of: ${s.choices.join(', ')}`;
  if (s.range) return `${s.type} from ${s.range.from} to ${s.range.to}`;
  if (s.name === 'model_variant') return 'a model registry name';
  return '';
}
