// The schema turned into what rclnodejs takes: Parameters with the right ParameterType (integers as
// bigint), descriptors with ranges and read-only flags, and typed overrides.
import type { ParameterTypeValue, RclParameter, RclParameterDescriptor, Rclnodejs } from '../ros/rclnodejs';
import { ParameterType } from '../ros/rclnodejs';
import { PARAMS, PARAMS_BY_NAME, type ParamSpec, type ParamType, type ParamValue, validateParam, constraintText } from './schema';
import type { ResolvedOverride, RosValue } from './overrides';

export const PARAM_TYPE: Record<ParamType, ParameterTypeValue> = {
  bool: ParameterType.PARAMETER_BOOL,
  integer: ParameterType.PARAMETER_INTEGER,
  double: ParameterType.PARAMETER_DOUBLE,
  string: ParameterType.PARAMETER_STRING,
};

type RclClasses = Pick<Rclnodejs, 'Parameter' | 'ParameterDescriptor' | 'IntegerRange' | 'FloatingPointRange'>;

export function toRclValue(spec: ParamSpec, value: ParamValue): unknown {
  return spec.type === 'integer' ? BigInt(value as number) : value;
}

export function buildDescriptor(rcl: RclClasses, spec: ParamSpec): RclParameterDescriptor {
  let range;
  if (spec.range && spec.type === 'integer') range = new rcl.IntegerRange(BigInt(spec.range.from), BigInt(spec.range.to), 1n);
  else if (spec.range && spec.type === 'double') range = new rcl.FloatingPointRange(spec.range.from, spec.range.to, 0);
  const d = new rcl.ParameterDescriptor(spec.name, PARAM_TYPE[spec.type], spec.description, spec.apply === 'read_only', range);
  // rclnodejs 2.2's toMessage() never reports the range (it reads an unset field), so
  // `ros2 param describe` shows the limits only through this text.
  d.additionalConstraints = [constraintText(spec), applyText(spec)].filter(Boolean).join('; ');
  return d;
}

function applyText(spec: ParamSpec): string {
  if (spec.apply === 'live') return 'applies at once';
  if (spec.apply === 'reload') return 'a change loads a new engine and swaps it in';
  return 'read-only: set at start (params file, -p or launch argument)';
}

export interface TypedOverrides {
  /** Overrides of our parameters, validated and typed for rclnodejs. */
  parameters: RclParameter[];
  /** The JS values of those overrides. */
  values: Record<string, ParamValue>;
  /** One readable line per override that cannot be used. */
  errors: string[];
}

/**
 * Our own parameters get the schema's type (an integer YAML value for a double parameter becomes a
 * double; anything invalid is an error naming its source); others (use_sim_time, qos_overrides.*)
 * keep the type their YAML value has.
 */
export function typedOverrides(rcl: Pick<Rclnodejs, 'Parameter'> | null, overrides: Map<string, ResolvedOverride>): TypedOverrides {
  const out: TypedOverrides = { parameters: [], values: {}, errors: [] };
  for (const o of overrides.values()) {
    const spec = PARAMS_BY_NAME.get(o.name);
    if (spec) {
      const v = validateParam(o.name, o.value);
      if (!v.ok) {
        out.errors.push(`${v.reason} (from ${o.source})`);
        continue;
      }
      out.values[o.name] = v.value;
      if (rcl) out.parameters.push(new rcl.Parameter(o.name, PARAM_TYPE[spec.type], toRclValue(spec, v.value)));
      continue;
    }
    const type = inferType(o.value);
    if (type === undefined) {
      out.errors.push(`parameter ${o.name}: arrays are not supported by this node (from ${o.source})`);
      continue;
    }
    if (rcl) out.parameters.push(new rcl.Parameter(o.name, type, o.value));
  }
  return out;
}

function inferType(v: RosValue): ParameterTypeValue | undefined {
  if (typeof v === 'boolean') return ParameterType.PARAMETER_BOOL;
  if (typeof v === 'bigint') return ParameterType.PARAMETER_INTEGER;
  if (typeof v === 'number') return ParameterType.PARAMETER_DOUBLE;
  if (typeof v === 'string') return ParameterType.PARAMETER_STRING;
  return undefined;
}

/** Declares every parameter of the schema with its descriptor; returns the values in force. */
export function declareAll(rcl: RclClasses, node: { declareParameter(p: RclParameter, d?: RclParameterDescriptor): RclParameter }): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const spec of PARAMS) {
    const declared = node.declareParameter(new rcl.Parameter(spec.name, PARAM_TYPE[spec.type], toRclValue(spec, spec.default)), buildDescriptor(rcl, spec));
    values[spec.name] = declared.value;
  }
  return values;
}

/** Would rclnodejs' own descriptor check (type, then range) refuse this? Its reason text is garbled. */
export function descriptorRefusal(p: RclParameter): string | undefined {
  const spec = PARAMS_BY_NAME.get(p.name);
  if (!spec) return undefined;
  const v = validateParam(p.name, p.value);
  if (p.type !== PARAM_TYPE[spec.type]) return v.ok ? `${p.name} must be of type ${spec.type}` : v.reason;
  if (!v.ok && spec.range) return v.reason;
  return undefined;
}
