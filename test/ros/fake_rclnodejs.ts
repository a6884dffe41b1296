// An in-process fake of exactly the rclnodejs 2.2 surface src/ros uses (src/ros/rclnodejs.ts),
// with its documented behaviour where the node depends on it: integer parameters become bigint,
// overrides replace declared values (including their type), the set pipeline runs pre-set
// callbacks, then declared/read-only/descriptor checks (with rclnodejs' garbled reason), then
// on-set vetoes, then stores and runs post-set callbacks; timers need a bigint period; native
// overrides come only from `/**` and bare-node-name keys (lib/node.js _getNativeParameterOverrides).
// Tests inject raw CDR into subscriptions and read the Buffers published.
import * as fs from 'fs';
import YAML from 'yaml';
import type {
  ParameterTypeValue,
  RclEntityOptions,
  RclLogger,
  RclNode,
  RclNodeOptions,
  RclParameter,
  RclParameterDescriptor,
  RclPublisher,
  RclQos,
  RclQosObject,
  RclRange,
  RclSubscription,
  RclTime,
  RclTimer,
  Rclnodejs,
  SetParametersResult,
} from '../../src/ros/rclnodejs';

const NOT_SET = 0;
const BOOL = 1;
const INTEGER = 2;
const DOUBLE = 3;
const STRING = 4;

export class FakeParameter implements RclParameter {
  value: unknown;
  constructor(
    readonly name: string,
    readonly type: ParameterTypeValue,
    value?: unknown,
  ) {
    this.value = type === INTEGER ? BigInt(value as number | bigint) : value;
    const ok =
      type === NOT_SET ||
      (type === BOOL && typeof this.value === 'boolean') ||
      (type === INTEGER && typeof this.value === 'bigint') ||
      (type === DOUBLE && typeof this.value === 'number') ||
      (type === STRING && typeof this.value === 'string');
    if (!ok) throw new TypeError(`Invalid value for parameter ${name} of type ${type}`);
  }
}

// Bounds are bigints typed as number, as in rclnodejs (lib/parameter.js vs types/parameter.d.ts).
export class FakeIntegerRange implements RclRange {
  readonly fromValue: number;
  readonly toValue: number;
  readonly step: number;
  constructor(from: bigint, to: bigint, step: bigint = 1n) {
    this.fromValue = from as unknown as number;
    this.toValue = to as unknown as number;
    this.step = step as unknown as number;
  }
  inRange(v: unknown): boolean {
    const x = v as bigint;
    const [from, to, step] = [this.fromValue, this.toValue, this.step] as unknown as bigint[];
    if (x < from || x > to) return false;
    return step === 0n || (x - from) % step === 0n;
  }
  isValidType(t: number): boolean {
    return t === INTEGER;
  }
}

export class FakeFloatingPointRange implements RclRange {
  constructor(
    readonly fromValue: number,
    readonly toValue: number,
    readonly step: number = 1,
    readonly tolerance: number = 1e-6,
  ) {}
  inRange(v: unknown): boolean {
    const x = v as number;
    const close = (a: number, b: number) => Math.abs(a - b) <= this.tolerance;
    if (close(x, this.fromValue) || close(x, this.toValue)) return true;
    if (x < this.fromValue || x > this.toValue) return false;
    if (this.step !== 0) return close(this.fromValue + Math.round((x - this.fromValue) / this.step) * this.step, x);
    return true;
  }
  isValidType(t: number): boolean {
    return t === DOUBLE;
  }
}

export class FakeParameterDescriptor implements RclParameterDescriptor {
  additionalConstraints = '';
  constructor(
    readonly name: string,
    readonly type: ParameterTypeValue,
    readonly description: string = 'no description',
    readonly readOnly: boolean = false,
    readonly range?: RclRange,
  ) {}
  validateParameter(p: RclParameter): void {
    if (p.type !== this.type) throw new Error('type mismatch');
    if (this.range && !this.range.inRange(p.value as number)) throw new Error('out of range');
  }
}

export class FakeQoS implements RclQosObject {
  liveliness = 0;
  avoidRosNameSpaceConventions = false;
  constructor(
    public history = 0,
    public depth = 0,
    private readonly reliabilityPolicy = 0,
    public durability = 0,
  ) {}
  reliability(): number {
    return this.reliabilityPolicy;
  }
  /** For assertions. */
  get policies(): { history: number; depth: number; reliability: number; durability: number } {
    return { history: this.history, depth: this.depth, reliability: this.reliabilityPolicy, durability: this.durability };
  }
}

/** rclnodejs NodeOptions defaults (lib/node_options.js). */
export class FakeNodeOptions implements RclNodeOptions {
  startParameterServices = true;
  parameterOverrides: RclParameter[] = [];
  automaticallyDeclareParametersFromOverrides = false;
  enableRosout = true;
  rosoutQos: RclQos = 'qos_profile_default';
  enableLoggerService = false;
}

export class FakePublisher implements RclPublisher {
  readonly messages: Buffer[] = [];
  /** Per publish: did the Buffer own its memory from offset 0? */
  readonly ownsMemory: boolean[] = [];
  constructor(
    readonly typeClass: string,
    readonly topic: string,
    readonly options: RclEntityOptions | undefined,
  ) {}
  publish(message: Buffer): void {
    if (!Buffer.isBuffer(message)) throw new TypeError(`fake publisher on ${this.topic}: only raw Buffers are published here`);
    this.ownsMemory.push(message.byteOffset === 0 && message.buffer.byteLength === message.byteLength);
    this.messages.push(Buffer.from(message));
  }
}

export class FakeSubscription implements RclSubscription {
  constructor(
    readonly typeClass: string,
    readonly topic: string,
    readonly options: RclEntityOptions,
    readonly callback: (message: Buffer) => void,
  ) {}
  /** Delivers one serialized message as rclnodejs does for isRaw: a fresh Buffer copy. */
  inject(cdr: Uint8Array): void {
    if (!this.options.isRaw) throw new Error('fake: only raw subscriptions are supported');
    const copy = Buffer.alloc(cdr.byteLength);
    copy.set(cdr);
    this.callback(copy);
  }
}

export class FakeTimer implements RclTimer {
  canceled = false;
  constructor(
    readonly period: bigint,
    readonly callback: () => void,
  ) {}
  cancel(): void {
    this.canceled = true;
  }
  fire(): void {
    if (!this.canceled) this.callback();
  }
}

export class FakeLogger implements RclLogger {
  readonly lines: { level: string; message: string }[] = [];
  constructor(private readonly echo = false) {}
  private add(level: string, message: string): boolean {
    this.lines.push({ level, message });
    if (this.echo) console.error(`[${level}] ${message}`);
    return true;
  }
  debug(m: string): boolean {
    return this.add('debug', m);
  }
  info(m: string): boolean {
    return this.add('info', m);
  }
  warn(m: string): boolean {
    return this.add('warn', m);
  }
  error(m: string): boolean {
    return this.add('error', m);
  }
}

export interface FakeState {
  initArgv?: string[];
  signalHandlersRemoved: boolean;
  shutdown: boolean;
  nodes: FakeNode[];
  /** Node clock in ns (stands in for sim time). */
  clockNs: bigint;
  echoLogs: boolean;
}

/** rcl's own reading of the command line, kept independent of src/params (no shared code). */
function nativeArgs(argv: string[]): { name?: string; ns?: string; files: string[]; params: [string, string][] } {
  const out: { name?: string; ns?: string; files: string[]; params: [string, string][] } = { files: [], params: [] };
  let ros = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--ros-args') ros = true;
    else if (a === '--') ros = false;
    else if (ros && (a === '-r' || a === '--remap')) {
      const [from, to] = argv[++i].split(':=');
      if (from === '__node' || from === '__name') out.name = to;
      if (from === '__ns') out.ns = to;
    } else if (ros && a === '--params-file') out.files.push(argv[++i]);
    else if (ros && (a === '-p' || a === '--param')) {
      const [k, v] = argv[++i].split(':=');
      out.params.push([k, v]);
    }
  }
  return out;
}

function typeOf(v: unknown): ParameterTypeValue {
  if (typeof v === 'boolean') return BOOL;
  if (typeof v === 'bigint') return INTEGER;
  if (typeof v === 'number') return DOUBLE;
  return STRING;
}

export class FakeNode implements RclNode {
  readonly publishers: FakePublisher[] = [];
  readonly subscriptions: FakeSubscription[] = [];
  readonly timers: FakeTimer[] = [];
  readonly logger: FakeLogger;
  readonly parameters = new Map<string, RclParameter>();
  readonly descriptors = new Map<string, FakeParameterDescriptor>();
  readonly overrides = new Map<string, RclParameter>();
  spinning = false;
  destroyed = false;
  private readonly pre: ((ps: RclParameter[]) => RclParameter[])[] = [];
  private readonly on: ((ps: RclParameter[]) => SetParametersResult)[] = [];
  private readonly post: ((ps: RclParameter[]) => void)[] = [];
  private readonly nodeName: string;
  private readonly ns: string;

  constructor(
    private readonly state: FakeState,
    name: string,
    namespace = '',
    _context?: undefined,
    options?: RclNodeOptions,
  ) {
    const args = nativeArgs(state.initArgv ?? []);
    this.nodeName = args.name ?? name;
    const ns = args.ns ?? namespace;
    this.ns = ns === '' ? '/' : ns.startsWith('/') ? ns : `/${ns}`;
    this.logger = new FakeLogger(state.echoLogs);
    // Native overrides: `/**` first, then the bare node name (rclnodejs 2.2 looks at no other key).
    for (const file of args.files) {
      const doc = YAML.parse(fs.readFileSync(file, 'utf8'), { intAsBigInt: true }) as Record<string, { ros__parameters?: Record<string, unknown> }>;
      for (const key of ['/**', this.nodeName]) {
        for (const [k, v] of Object.entries(doc[key]?.ros__parameters ?? {})) this.overrides.set(k, new FakeParameter(k, typeOf(v), v));
      }
    }
    for (const [k, raw] of args.params) {
      const v = YAML.parse(raw, { intAsBigInt: true }) as unknown;
      this.overrides.set(k, new FakeParameter(k, typeOf(v), v));
    }
    for (const p of options?.parameterOverrides ?? []) this.overrides.set(p.name, p);
    state.nodes.push(this);
    // TimeSource declares use_sim_time on every node.
    this.declareParameter(new FakeParameter('use_sim_time', BOOL, false));
  }

  name(): string {
    return this.nodeName;
  }
  namespace(): string {
    return this.ns;
  }
  getLogger(): FakeLogger {
    return this.logger;
  }
  now(): RclTime {
    const ns = this.state.clockNs;
    return { secondsAndNanoseconds: { seconds: ns / 1_000_000_000n, nanoseconds: ns % 1_000_000_000n } };
  }
  spin(): void {
    if (this.spinning) throw new Error('The node is already spinning.');
    this.spinning = true;
  }
  stop(): void {
    this.spinning = false;
  }
  destroy(): void {
    this.spinning = false;
    this.destroyed = true;
  }
  createSubscription(typeClass: string, topic: string, options: RclEntityOptions, callback: (message: Buffer) => void): FakeSubscription {
    const s = new FakeSubscription(typeClass, topic, options, callback);
    this.subscriptions.push(s);
    return s;
  }
  createPublisher(typeClass: string, topic: string, options?: RclEntityOptions): FakePublisher {
    const p = new FakePublisher(typeClass, topic, options);
    this.publishers.push(p);
    return p;
  }
  createTimer(period: bigint, callback: () => void): FakeTimer {
    if (typeof period !== 'bigint') throw new TypeError('Invalid argument: period must be a bigint');
    const t = new FakeTimer(period, callback);
    this.timers.push(t);
    return t;
  }
  declareParameter(parameter: RclParameter, descriptor?: RclParameterDescriptor): RclParameter {
    const p = this.overrides.get(parameter.name) ?? parameter;
    if (this.parameters.has(p.name)) throw new Error(`Parameter(${p.name}) already declared.`);
    const d = (descriptor as FakeParameterDescriptor | undefined) ?? new FakeParameterDescriptor(p.name, p.type as ParameterTypeValue);
    this.descriptors.set(p.name, d);
    const r = this.setAtomically([p], true);
    if (!r.successful) {
      this.descriptors.delete(p.name);
      throw new Error(r.reason);
    }
    return this.getParameter(p.name);
  }
  getParameter(name: string): RclParameter {
    return this.parameters.get(name) ?? new FakeParameter(name, NOT_SET);
  }
  setParameter(parameter: RclParameter): SetParametersResult {
    return this.setAtomically([parameter], false);
  }
  addPreSetParametersCallback(cb: (ps: RclParameter[]) => RclParameter[]): void {
    this.pre.unshift(cb);
  }
  addOnSetParametersCallback(cb: (ps: RclParameter[]) => SetParametersResult): void {
    this.on.unshift(cb);
  }
  addPostSetParametersCallback(cb: (ps: RclParameter[]) => void): void {
    this.post.unshift(cb);
  }

  /** lib/node.js _setParametersAtomically, step by step. */
  private setAtomically(ps: RclParameter[], declaring: boolean): SetParametersResult {
    for (const cb of this.pre) {
      ps = cb(ps);
      if (ps.length === 0) return { successful: false, reason: 'parameter list is empty after pre-set callback; set rejected' };
    }
    for (const p of ps) {
      const d = this.descriptors.get(p.name);
      if (!d) return { successful: false, reason: `Parameter ${p.name} has not been declared` };
      if (!declaring && d.readOnly) return { successful: false, reason: `Parameter ${p.name} is readonly` };
      try {
        d.validateParameter(p);
      } catch {
        return { successful: false, reason: `Parameter ${p.name} does not  readonly` };
      }
    }
    for (const cb of this.on) {
      const r = cb(ps);
      if (!r.successful) return r;
    }
    for (const p of ps) this.parameters.set(p.name, p);
    for (const cb of this.post) cb(ps);
    return { successful: true, reason: '' };
  }

  // ---- test helpers ----

  publisher(topic: string): FakePublisher {
    const p = this.publishers.find((x) => x.topic === topic);
    if (!p) throw new Error(`no publisher on ${topic}; have ${this.publishers.map((x) => x.topic).join(', ')}`);
    return p;
  }

  /** What `ros2 param set` sends: bigint for an integer (`5`), number for a double (`5.0`). */
  set(name: string, value: boolean | number | bigint | string): SetParametersResult {
    return this.setParameter(new FakeParameter(name, typeOf(value), value));
  }

  value(name: string): unknown {
    return this.getParameter(name).value;
  }
}

export function createFakeRclnodejs(opts: { echoLogs?: boolean } = {}): Rclnodejs & { state: FakeState } {
  const state: FakeState = { signalHandlersRemoved: false, shutdown: false, nodes: [], clockNs: 0n, echoLogs: opts.echoLogs ?? false };
  return {
    state,
    async init(_context?: undefined, argv?: string[]) {
      if (state.initArgv) throw new Error('The context has already been initialized.');
      state.initArgv = argv ?? [];
    },
    shutdown() {
      for (const n of state.nodes) n.destroy();
      state.shutdown = true;
    },
    isShutdown: () => state.shutdown,
    removeSignalHandlers() {
      state.signalHandlersRemoved = true;
    },
    Node: class extends FakeNode {
      constructor(name: string, namespace?: string, context?: undefined, options?: RclNodeOptions) {
        super(state, name, namespace, context, options);
      }
    },
    NodeOptions: FakeNodeOptions,
    Parameter: FakeParameter,
    ParameterDescriptor: FakeParameterDescriptor,
    IntegerRange: FakeIntegerRange,
    FloatingPointRange: FakeFloatingPointRange,
    QoS: FakeQoS,
  };
}
