// Parameter overrides from the command line, resolved as rclcpp resolves them. rclnodejs 2.2 only
// applies YAML node keys `/**` and the bare node name, so the `/ns/node:` keys that launch_ros writes
// for a namespaced node (and `/node`, `/ns/*` wildcards) would be lost; we read `--params-file` and
// `-p` from argv ourselves and hand the result to rclnodejs as NodeOptions.parameterOverrides.
import * as fs from 'fs';
import YAML from 'yaml';

export const DEFAULT_NODE_NAME = 'mobilenetv4_classifier';

/** A value as ROS YAML gives it: integers as bigint (they are int64), floats as number. */
export type RosValue = boolean | bigint | number | string | RosValue[];

export interface RosArgs {
  nodeName: string;
  namespace: string; // '/' or '/a/b'
  /** In command-line order. */
  paramFiles: string[];
  /** `-p [node:]name:=value`, in command-line order. */
  params: { node?: string; name: string; value: RosValue }[];
  /** Everything outside `--ros-args ... --`. */
  nonRosArgs: string[];
}

export class RosArgsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RosArgsError';
  }
}

// rcl's arguments that take a value, and those that do not (rcl/src/rcl/arguments.c, Humble).
const WITH_VALUE = new Set(['-p', '--param', '-r', '--remap', '--params-file', '--log-level', '--log-config-file', '-e', '--enclave']);
const FLAGS = new Set([
  '--enable-rosout-logs', '--disable-rosout-logs', '--enable-stdout-logs', '--disable-stdout-logs',
  '--enable-external-lib-logs', '--disable-external-lib-logs',
]);

/** Parses the ROS arguments of a command line (the `--ros-args` sections). */
export function parseRosArgs(argv: readonly string[], defaultNodeName = DEFAULT_NODE_NAME): RosArgs {
  const out: RosArgs = { nodeName: defaultNodeName, namespace: '/', paramFiles: [], params: [], nonRosArgs: [] };
  let inRos = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--ros-args') {
      inRos = true;
      continue;
    }
    if (!inRos) {
      out.nonRosArgs.push(a);
      continue;
    }
    if (a === '--') {
      inRos = false;
      continue;
    }
    if (FLAGS.has(a)) continue;
    if (!WITH_VALUE.has(a)) throw new RosArgsError(`unknown ROS argument '${a}'`);
    const v = argv[++i];
    if (v === undefined) throw new RosArgsError(`ROS argument '${a}' needs a value`);
    if (a === '--params-file') out.paramFiles.push(v);
    else if (a === '-p' || a === '--param') out.params.push(parseParamRule(v));
    else if (a === '-r' || a === '--remap') applyRemap(out, v, defaultNodeName);
  }
  return out;
}

function parseParamRule(rule: string): RosArgs['params'][number] {
  const sep = rule.indexOf(':=');
  if (sep <= 0) throw new RosArgsError(`parameter rule '${rule}' is not name:=value`);
  const lhs = rule.slice(0, sep);
  const value = parseScalar(rule.slice(sep + 2));
  const colon = lhs.indexOf(':');
  if (colon >= 0) return { node: lhs.slice(0, colon), name: lhs.slice(colon + 1), value };
  return { name: lhs, value };
}

function applyRemap(out: RosArgs, rule: string, defaultNodeName: string): void {
  const sep = rule.indexOf(':=');
  if (sep <= 0) throw new RosArgsError(`remap rule '${rule}' is not from:=to`);
  let from = rule.slice(0, sep);
  const to = rule.slice(sep + 2);
  // `node:from:=to` applies to that node only (matched against the original name, as rcl does).
  const colon = from.indexOf(':');
  if (colon >= 0) {
    if (from.slice(0, colon) !== defaultNodeName) return;
    from = from.slice(colon + 1);
  }
  if (from === '__node' || from === '__name') out.nodeName = to;
  else if (from === '__ns') out.namespace = normaliseNamespace(to);
}

export function normaliseNamespace(ns: string): string {
  const trimmed = ns.replace(/\/+$/, '');
  if (trimmed === '') return '/';
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

export function fullyQualifiedName(nodeName: string, namespace: string): string {
  return namespace === '/' ? `/${nodeName}` : `${namespace}/${nodeName}`;
}

/** A scalar as rcl's YAML parser types it (YAML 1.1: `on`/`yes` are booleans; ints are int64). */
export function parseScalar(text: string): RosValue {
  let v: unknown;
  try {
    v = YAML.parse(text, { version: '1.1', intAsBigInt: true });
  } catch {
    return text;
  }
  return toRosValue(v) ?? text;
}

function toRosValue(v: unknown): RosValue | undefined {
  if (typeof v === 'boolean' || typeof v === 'bigint' || typeof v === 'number' || typeof v === 'string') return v;
  if (Array.isArray(v)) {
    const items = v.map(toRosValue);
    return items.every((x) => x !== undefined) ? (items as RosValue[]) : undefined;
  }
  return undefined;
}

/** One `ros__parameters` block of a params file, node key as written (nested keys joined with '/'). */
export interface ParamsBlock {
  nodeKey: string;
  params: Map<string, RosValue>;
  source: string;
}

/** Reads a ROS 2 params file: `node_key: {ros__parameters: {...}}`, keys nested with '/', params with '.'. */
export function parseParamsFile(text: string, source: string): ParamsBlock[] {
  let doc: unknown;
  try {
    doc = YAML.parse(text, { version: '1.1', intAsBigInt: true });
  } catch (err) {
    throw new RosArgsError(`params file ${source} is not valid YAML: ${(err as Error).message}`);
  }
  if (doc === null || doc === undefined) return [];
  if (!isMap(doc)) throw new RosArgsError(`params file ${source}: the top level must be a map of node names`);
  const blocks: ParamsBlock[] = [];
  const walk = (node: Record<string, unknown>, prefix: string) => {
    for (const [key, val] of Object.entries(node)) {
      if (key === 'ros__parameters') {
        if (!prefix) throw new RosArgsError(`params file ${source}: ros__parameters needs a node name above it`);
        if (!isMap(val)) throw new RosArgsError(`params file ${source}: ${prefix}.ros__parameters must be a map`);
        const params = new Map<string, RosValue>();
        flatten(val, '', params, `${source} (${prefix})`);
        blocks.push({ nodeKey: prefix, params, source });
      } else if (isMap(val)) {
        walk(val, prefix ? `${prefix}/${key}` : key);
      } else {
        throw new RosArgsError(`params file ${source}: '${prefix ? `${prefix}/` : ''}${key}' must hold a map (node name or ros__parameters)`);
      }
    }
  };
  walk(doc, '');
  return blocks;
}

function flatten(map: Record<string, unknown>, prefix: string, out: Map<string, RosValue>, where: string): void {
  for (const [k, v] of Object.entries(map)) {
    const name = prefix ? `${prefix}.${k}` : k;
    if (isMap(v)) {
      flatten(v, name, out, where);
      continue;
    }
    const rv = toRosValue(v);
    if (rv === undefined) throw new RosArgsError(`${where}: parameter '${name}' has a value ROS cannot hold`);
    out.set(name, rv);
  }
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** rclcpp's wildcard node keys: `*` is one name token, `**` any number of tokens. */
export function nodeKeyMatches(nodeKey: string, fqn: string): boolean {
  const key = nodeKey.startsWith('/') ? nodeKey : `/${nodeKey}`;
  if (!key.includes('*')) return key === fqn;
  let re = '';
  for (let i = 0; i < key.length; i++) {
    const c = key[i];
    if (c === '*' && key[i + 1] === '*') {
      // `/**` also matches nothing, so `/**/node` matches `/node`.
      if (re.endsWith('/')) re = `${re.slice(0, -1)}(/[^/]+)*`;
      else re += '.*';
      i++;
    } else if (c === '*') {
      re += '[^/]+';
    } else {
      re += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}$`).test(fqn);
}

/** 0: `/**`; 1: other wildcards; 2: the exact name. Higher wins. */
export function keySpecificity(nodeKey: string): number {
  const key = nodeKey.startsWith('/') ? nodeKey : `/${nodeKey}`;
  if (key === '/**') return 0;
  return key.includes('*') ? 1 : 2;
}

export interface ResolvedOverride {
  name: string;
  value: RosValue;
  /** Where the winning value came from, for error messages. */
  source: string;
}

/**
 * The parameter values that apply to the node `fqn`: every matching block of every params file,
 * less specific keys first and, at equal specificity, later files and blocks over earlier; then
 * `-p` rules (bare or naming this node) in command-line order.
 */
export function resolveOverrides(blocks: readonly ParamsBlock[], params: RosArgs['params'], nodeName: string, namespace: string): Map<string, ResolvedOverride> {
  const fqn = fullyQualifiedName(nodeName, namespace);
  const matching = blocks
    .map((b, order) => ({ b, order, rank: keySpecificity(b.nodeKey) }))
    .filter((x) => nodeKeyMatches(x.b.nodeKey, fqn))
    .sort((x, y) => x.rank - y.rank || x.order - y.order);
  const out = new Map<string, ResolvedOverride>();
  for (const { b } of matching) {
    for (const [name, value] of b.params) out.set(name, { name, value, source: `${b.source}, key '${b.nodeKey}'` });
  }
  for (const p of params) {
    if (p.node !== undefined && p.node !== nodeName && !nodeKeyMatches(p.node, fqn)) continue;
    out.set(p.name, { name: p.name, value: p.value, source: `-p ${p.node ? `${p.node}:` : ''}${p.name}` });
  }
  return out;
}

/** Parses argv and reads its params files: the overrides for this node, its name and namespace. */
export function overridesFromArgv(
  argv: readonly string[],
  readFile: (file: string) => string = (f) => fs.readFileSync(f, 'utf8'),
): { args: RosArgs; overrides: Map<string, ResolvedOverride> } {
  const args = parseRosArgs(argv);
  const blocks: ParamsBlock[] = [];
  for (const file of args.paramFiles) {
    let text: string;
    try {
      text = readFile(file);
    } catch (err) {
      throw new RosArgsError(`cannot read params file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    blocks.push(...parseParamsFile(text, file));
  }
  return { args, overrides: resolveOverrides(blocks, args.params, args.nodeName, args.namespace) };
}
