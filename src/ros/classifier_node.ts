// The ROS 2 node: a thin rclnodejs shell over the transport-free pipeline. Raw CDR in from an
// isRaw subscription, raw CDR out with publish(Buffer); parameters declared from src/params.
import { DEFAULT_PREPROCESS } from '../image/types';
import type { Engine } from '../engine/types';
import type { FrameOutcome, ImageKind, Stamp } from '../pipeline/types';
import { TYPES } from '../pipeline/types';
import { DEFAULT_NODE_NAME, fullyQualifiedName, overridesFromArgv } from '../params/overrides';
import { PARAM_TYPE, declareAll, descriptorRefusal, typedOverrides } from '../params/rcl';
import { PARAMS_BY_NAME, type NodeParams, type ParamValue, validateParam, validateParams } from '../params/schema';
import { RateLimitedLog } from './ratelimit';
import { RESULT_QOS, inputQos, latchedQos } from './qos';
import type { ClassifierDeps, DiagStatus, EngineRequest, PipelinePort } from './ports';
import { ParameterType, type RclLogger, type RclNode, type RclParameter, type RclPublisher, type RclTimer, type Rclnodejs, type SetParametersResult } from './rclnodejs';

export const DIAGNOSTICS_PERIOD_NS = 1_000_000_000n;
/** Frames the node holds while waiting for room under drop_policy block (~190 MB of 1080p bgr8). */
export const MAX_BACKLOG = 32;

export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

export const TOPICS = {
  image: 'image_raw',
  compressed: 'image_raw/compressed',
  classification: 'classification',
  latency: 'classification/latency',
  labelInfo: 'label_info',
  diagnostics: '/diagnostics',
} as const;

/** Parameters whose change loads a new engine beside the running one. */
const RELOAD_PARAMS = [...PARAMS_BY_NAME.values()].filter((p) => p.apply === 'reload').map((p) => p.name);

export function engineRequest(p: NodeParams): EngineRequest {
  return {
    model: p.model_path || p.model_variant,
    backend: p.backend,
    options: {
      numThreads: p.num_threads,
      queueSize: p.queue_size,
      dropPolicy: p.drop_policy,
      topK: p.top_k,
      preprocess: { ...DEFAULT_PREPROCESS, resizeMode: p.resize_mode, filter: p.resize_filter },
      inferTimeoutMs: p.infer_timeout_ms,
    },
  };
}

/**
 * A Buffer that owns its memory from offset 0 (rclnodejs' typed-array pitfall): bytes that already
 * own their whole ArrayBuffer (our encoders' output) are wrapped without a copy; views and pooled
 * Buffers are copied.
 */
export function ownedBuffer(bytes: Uint8Array): Buffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) {
    return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer);
  }
  // Buffer.alloc never hands out a slice of the shared pool (Buffer.from may).
  const out = Buffer.alloc(bytes.byteLength);
  out.set(bytes);
  return out;
}

interface Publishers {
  classification: RclPublisher;
  latency: RclPublisher;
  labelInfo: RclPublisher;
  diagnostics: RclPublisher;
}

export interface StartOptions {
  /** The command line: ROS arguments are read from it (`--ros-args ...`). */
  argv: string[];
  rcl: Rclnodejs;
  deps: ClassifierDeps;
  /** Bad-frame log interval per error kind. */
  logIntervalMs?: number;
}

export class ClassifierNode {
  readonly node: RclNode;
  readonly kind: ImageKind;
  private readonly log: RclLogger;
  private readonly badFrames: RateLimitedLog;
  private readonly pubs: Publishers;
  private readonly timer: RclTimer;
  private readonly inflight = new Set<Promise<void>>();
  private readonly backlog: Buffer[] = [];
  private pumping = false;
  private params: NodeParams;
  /** The configuration the running engine was built from. */
  private running: NodeParams;
  private engine: Engine;
  private loadError: { request: string; message: string } | undefined;
  private reload: { busy: Promise<void> | undefined; pending: boolean } = { busy: undefined, pending: false };
  private reverting = false;
  private stopping = false;
  private destroyed = false;
  private closing: Promise<void> | undefined;
  private published = 0;

  private constructor(
    private readonly rcl: Rclnodejs,
    private readonly deps: ClassifierDeps,
    node: RclNode,
    params: NodeParams,
    engine: Engine,
    private readonly pipeline: PipelinePort,
    logIntervalMs: number,
  ) {
    this.node = node;
    this.params = params;
    this.running = { ...params };
    this.engine = engine;
    this.log = node.getLogger();
    this.badFrames = new RateLimitedLog((l) => this.log.warn(l), logIntervalMs);
    this.kind = params.input_transport === 'compressed' ? 'compressed' : 'image';

    this.pubs = {
      classification: node.createPublisher(TYPES.classification, TOPICS.classification, { qos: RESULT_QOS }),
      latency: node.createPublisher(TYPES.latency, TOPICS.latency, { qos: RESULT_QOS }),
      labelInfo: node.createPublisher(TYPES.labelInfo, TOPICS.labelInfo, { qos: latchedQos(rcl) }),
      diagnostics: node.createPublisher(TYPES.diagnostics, TOPICS.diagnostics, { qos: RESULT_QOS }),
    };
    this.publishLabelInfo();

    node.addPreSetParametersCallback((ps) => this.preSet(ps));
    node.addOnSetParametersCallback((ps) => this.onSet(ps));
    node.addPostSetParametersCallback((ps) => this.postSet(ps));

    const topic = this.kind === 'compressed' ? TOPICS.compressed : TOPICS.image;
    node.createSubscription(TYPES[this.kind], topic, { isRaw: true, qos: inputQos(rcl, params) }, (msg) => this.onImage(msg));
    this.timer = node.createTimer(DIAGNOSTICS_PERIOD_NS, () => this.publishDiagnostics());
  }

  /**
   * Creates the node (rclnodejs must be initialised), declares its parameters with the overrides
   * resolved from argv, loads the model and starts the pipeline. Throws StartupError with a
   * readable reason on bad parameters or a model that does not load.
   */
  static async start(o: StartOptions): Promise<ClassifierNode> {
    const { rcl, deps } = o;
    let resolved;
    try {
      resolved = overridesFromArgv(o.argv);
    } catch (err) {
      throw new StartupError((err as Error).message);
    }
    const typed = typedOverrides(rcl, resolved.overrides);
    if (typed.errors.length) throw new StartupError(`invalid parameters:\n  ${typed.errors.join('\n  ')}`);

    const options = new rcl.NodeOptions();
    options.parameterOverrides = typed.parameters;
    const node = new rcl.Node(DEFAULT_NODE_NAME, '', undefined, options);
    const log = node.getLogger();
    const want = fullyQualifiedName(resolved.args.nodeName, resolved.args.namespace);
    const got = fullyQualifiedName(node.name(), node.namespace() || '/');
    if (want !== got) log.warn(`parameter overrides were resolved for ${want} but the node is ${got}`);
    // rclcpp-style QoS override parameters are not declared by this node (rclnodejs would need
    // qosOverridingOptions); say so instead of silently ignoring them.
    const qosKeys = [...resolved.overrides.keys()].filter((k) => k.startsWith('qos_overrides.'));
    if (qosKeys.length) {
      log.warn(`ignoring ${qosKeys.join(', ')}: set the input QoS with the qos.reliability, qos.durability and qos.depth parameters`);
    }

    let params: NodeParams;
    let engine: Engine | undefined;
    let reason: string | undefined;
    try {
      const checked = validateParams(declareAll(rcl, node));
      if (!checked.ok) throw new StartupError(`invalid parameters:\n  ${checked.reasons.join('\n  ')}`);
      params = checked.params;
      const req = engineRequest(params);
      const why = deps.checkModel(req);
      if (why) throw new StartupError(why);
      try {
        ({ engine, reason } = await deps.openEngine(req));
      } catch (err) {
        throw new StartupError(`cannot load model '${req.model}' on backend '${req.backend}': ${(err as Error).message}`);
      }
      const pipeline = deps.createPipeline({
        engine,
        labels: deps.labels(),
        variant: params.model_variant,
        topK: params.top_k,
        scoreThreshold: params.score_threshold,
        inOrder: params.in_order,
        diagnosticsName: `${node.name()}: inference`,
      });
      const self = new ClassifierNode(rcl, deps, node, params, engine, pipeline, o.logIntervalMs ?? 5000);
      log.info(
        `${got}: ${engine.info.model} on ${engine.info.backend} (${params.num_threads} threads), ` +
          `subscribed to ${self.kind === 'compressed' ? TOPICS.compressed : TOPICS.image} (${params['qos.reliability']}, depth ${params['qos.depth']})` +
          (reason ? `; ${reason}` : ''),
      );
      return self;
    } catch (err) {
      if (engine) await engine.close().catch(() => undefined);
      node.destroy();
      throw err;
    }
  }

  /** Current values of our parameters. */
  get parameters(): Readonly<NodeParams> {
    return this.params;
  }

  /** Frames received and not yet published (waiting for room, or in the pipeline). */
  get framesInFlight(): number {
    return this.inflight.size + this.backlog.length;
  }

  /** Settles when no engine reload is running or queued. */
  async reloadsSettled(): Promise<void> {
    while (this.reload.busy) await this.reload.busy;
  }

  get lastLoadError(): string | undefined {
    return this.loadError?.message;
  }

  // ---- frames ---------------------------------------------------------------------------------

  private onImage(msg: Buffer): void {
    if (this.stopping) return;
    if (this.params.drop_policy === 'block' || this.backlog.length > 0) {
      // rclnodejs takes every message; with the block policy frames wait here until the pipeline
      // has room, in arrival order. The wait is bounded (MAX_BACKLOG frames) so that a camera
      // faster than the model cannot exhaust memory: past it the oldest waiting frame is dropped,
      // logged and counted in /diagnostics, as the live policies would.
      if (this.backlog.length >= MAX_BACKLOG) {
        this.backlog.shift();
        const why = `more than ${MAX_BACKLOG} frames waited for room with drop_policy block`;
        this.pipeline.recordDrop(why);
        this.badFrames.report('dropped', `a waiting frame was dropped: ${why} (counted in /diagnostics)`);
      }
      this.backlog.push(msg);
      if (!this.pumping) void this.pump();
      return;
    }
    this.submit(msg);
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.backlog.length > 0 && !this.stopping) {
        await this.pipeline.ready();
        if (this.stopping) break;
        this.submit(this.backlog.shift()!);
      }
    } finally {
      this.pumping = false;
    }
  }

  private submit(msg: Buffer): void {
    // rclnodejs hands us a fresh Buffer copy per message, so it may be read in place until done.
    const p = this.pipeline.process(this.kind, msg).then(
      (out) => this.onOutcome(out),
      (err: Error) => void this.log.error(`pipeline failed on a frame: ${err.message}`),
    );
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  private onOutcome(out: FrameOutcome): void {
    if (this.destroyed) return;
    if (out.ok) {
      try {
        this.pubs.classification.publish(ownedBuffer(out.classificationCdr));
        this.pubs.latency.publish(ownedBuffer(out.latencyCdr));
        this.published++;
      } catch (err) {
        // e.g. rcl shutting down under us: one frame's results are lost, the node is not.
        this.badFrames.report('publish_failed', `cannot publish the result of frame ${out.sequence}: ${(err as Error).message}`);
      }
      return;
    }
    const code = out.error.code;
    if (code === 'shutdown') return;
    if (code === 'dropped') {
      this.badFrames.report(code, `frame ${out.sequence} dropped: ${out.error.message} (counted in /diagnostics)`);
      return;
    }
    const at = out.header ? ` (stamp ${out.header.stamp.sec}.${String(out.header.stamp.nanosec).padStart(9, '0')}, frame_id '${out.header.frame_id}')` : '';
    this.badFrames.report(code, `bad frame ${out.sequence}${at}: ${out.error.message}`);
  }

  private stamp(): Stamp {
    const { seconds, nanoseconds } = this.node.now().secondsAndNanoseconds;
    return { sec: Number(seconds), nanosec: Number(nanoseconds) };
  }

  private publishLabelInfo(): void {
    this.pubs.labelInfo.publish(ownedBuffer(this.pipeline.labelInfoCdr(this.stamp())));
  }

  private publishDiagnostics(): void {
    if (this.destroyed) return;
    const stamp = this.stamp();
    this.pubs.diagnostics.publish(ownedBuffer(this.pipeline.diagnosticsCdr(stamp)));
    if (this.loadError) {
      const status: DiagStatus = {
        level: 1,
        name: `${this.node.name()}: model`,
        message: `loading ${this.loadError.request} failed; still running ${this.engine.info.model} on ${this.engine.info.backend}`,
        hardware_id: this.engine.info.backend,
        values: [
          { key: 'error', value: this.loadError.message },
          { key: 'running model', value: this.engine.info.model },
          { key: 'running backend', value: this.engine.info.backend },
        ],
      };
      this.pubs.diagnostics.publish(ownedBuffer(this.deps.encodeDiagnostics(stamp, [status])));
    }
  }

  // ---- parameters -----------------------------------------------------------------------------

  /**
   * Runs before rclnodejs' own descriptor check, whose refusal text is garbled ("does not
   * readonly"): integers given for doubles become doubles (`ros2 param set ... score_threshold 1`),
   * and a wrong type or out-of-range value is logged with a readable reason and refused here.
   */
  private preSet(ps: RclParameter[]): RclParameter[] {
    const out: RclParameter[] = [];
    for (const p of ps) {
      const spec = PARAMS_BY_NAME.get(p.name);
      let q = p;
      if (spec?.type === 'double' && p.type === ParameterType.PARAMETER_INTEGER) {
        q = new this.rcl.Parameter(p.name, PARAM_TYPE.double, Number(p.value as bigint));
      }
      const refusal = descriptorRefusal(q);
      if (refusal) {
        this.log.warn(`refused parameter change: ${refusal}`);
        return [];
      }
      out.push(q);
    }
    return out;
  }

  /** Synchronous veto with a reason (rclnodejs does not await callbacks). */
  private onSet(ps: RclParameter[]): SetParametersResult {
    const next: Record<string, ParamValue> = { ...this.params };
    let modelChange = false;
    for (const p of ps) {
      if (!PARAMS_BY_NAME.has(p.name)) continue; // use_sim_time and friends
      const v = validateParam(p.name, p.value);
      if (!v.ok) return this.refuse(v.reason);
      next[p.name] = v.value;
      if (p.name === 'model_variant' || p.name === 'model_path' || p.name === 'backend') modelChange = true;
      if (this.stopping && !this.reverting) return this.refuse('the node is shutting down');
    }
    if (modelChange && !this.reverting) {
      // Which file the new setting means, and that it exists, is known without loading it.
      const why = this.deps.checkModel(engineRequest(next as unknown as NodeParams));
      if (why) return this.refuse(why);
    }
    return { successful: true, reason: '' };
  }

  private refuse(reason: string): SetParametersResult {
    this.log.warn(`refused parameter change: ${reason}`);
    return { successful: false, reason };
  }

  private postSet(ps: RclParameter[]): void {
    const next: Record<string, ParamValue> = { ...this.params };
    for (const p of ps) {
      if (!PARAMS_BY_NAME.has(p.name)) continue;
      const v = validateParam(p.name, p.value);
      if (v.ok) next[p.name] = v.value;
    }
    const before = this.params;
    this.params = next as unknown as NodeParams;
    if (this.reverting) return;

    const changed = (k: keyof NodeParams) => before[k] !== this.params[k];
    if (changed('top_k') || changed('score_threshold')) {
      // The pipeline passes top_k on to its engine.
      this.pipeline.setOptions({ topK: this.params.top_k, scoreThreshold: this.params.score_threshold });
      if (changed('score_threshold')) this.publishLabelInfo();
    }
    if (changed('num_threads')) this.engine.update({ numThreads: this.params.num_threads });
    if (this.needsReload()) this.requestReload();
  }

  /** Whether a parameter that needs a new engine differs from what is running. */
  private needsReload(): boolean {
    return RELOAD_PARAMS.some((k) => this.params[k as keyof NodeParams] !== this.running[k as keyof NodeParams]);
  }

  /** Loads the engine the current parameters describe beside the running one; coalesces bursts. */
  private requestReload(): void {
    if (this.reload.busy) {
      this.reload.pending = true;
      return;
    }
    const run = async () => {
      do {
        this.reload.pending = false;
        await this.reloadOnce({ ...this.params });
      } while (this.reload.pending && !this.stopping && this.needsReload());
    };
    this.reload.busy = run().finally(() => {
      this.reload.busy = undefined;
    });
  }

  private async reloadOnce(want: NodeParams): Promise<void> {
    const req = engineRequest(want);
    const label = `model '${req.model}' on backend '${req.backend}'`;
    const t0 = performance.now();
    let next: Engine;
    let reason: string | undefined;
    try {
      ({ engine: next, reason } = await this.deps.openEngine(req));
    } catch (err) {
      const message = (err as Error).message;
      this.loadError = { request: label, message };
      this.log.error(`cannot load ${label}: ${message}; still running ${this.engine.info.model} on ${this.engine.info.backend}`);
      if (!this.reload.pending) this.revertTo(this.running);
      return;
    }
    if (this.stopping) {
      await next.close();
      return;
    }
    // Settings that may have changed while loading apply to the new engine as well.
    next.update({ numThreads: this.params.num_threads, topK: this.params.top_k });
    try {
      await this.pipeline.swapEngine(next, want.model_variant);
    } catch (err) {
      await next.close().catch(() => undefined);
      this.loadError = { request: label, message: `swap failed: ${(err as Error).message}` };
      this.log.error(`cannot switch to ${label}: ${(err as Error).message}`);
      if (!this.reload.pending) this.revertTo(this.running);
      return;
    }
    this.engine = next;
    // A live change made while the swap drained the old engine went to that engine; repeat it here.
    next.update({ numThreads: this.params.num_threads, topK: this.params.top_k });
    this.running = { ...want, num_threads: this.params.num_threads, top_k: this.params.top_k, score_threshold: this.params.score_threshold };
    this.loadError = undefined;
    this.log.info(`now running ${next.info.model} on ${next.info.backend} (loaded in ${Math.round(performance.now() - t0)} ms${reason ? `; ${reason}` : ''})`);
  }

  /** After a failed load, puts the reload parameters back to what is running, so `ros2 param get` tells the truth. */
  private revertTo(running: NodeParams): void {
    this.reverting = true;
    try {
      for (const name of RELOAD_PARAMS) {
        const k = name as keyof NodeParams;
        if (this.params[k] === running[k]) continue;
        const spec = PARAMS_BY_NAME.get(name)!;
        const value = spec.type === 'integer' ? BigInt(running[k] as number) : running[k];
        const r = this.node.setParameter(new this.rcl.Parameter(name, PARAM_TYPE[spec.type], value));
        if (!r.successful) this.log.error(`could not restore ${name}: ${r.reason}`);
      }
    } finally {
      this.reverting = false;
    }
  }

  // ---- shutdown -------------------------------------------------------------------------------

  /**
   * Stops intake, lets the pipeline finish or cancel queued frames and close its engine (joining
   * the workers), then destroys the node. Idempotent.
   */
  shutdown(): Promise<void> {
    this.closing ??= this.doShutdown();
    return this.closing;
  }

  private async doShutdown(): Promise<void> {
    this.stopping = true;
    this.timer.cancel();
    this.node.stop();
    // A model load in progress is not waited for before the frames: when its engine arrives,
    // reloadOnce sees `stopping` and closes it unused (or the closed pipeline refuses the swap),
    // so a slow load cannot push the shutdown past its deadline.
    const waiting = this.backlog.splice(0).length;
    if (waiting) this.log.info(`shutdown: ${waiting} received frames that were waiting for room are not classified`);
    await this.pipeline.close();
    await Promise.allSettled([...this.inflight]);
    this.destroyed = true;
    this.log.info(`stopped after publishing ${this.published} classifications`);
    this.node.destroy();
  }
}
