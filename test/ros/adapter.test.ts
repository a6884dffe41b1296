import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ClassifierNode, DIAGNOSTICS_PERIOD_NS, MAX_BACKLOG, ownedBuffer } from '../../src/ros/classifier_node';
import { runNode } from '../../src/ros/run';
import { createFakeRclnodejs, FakeNode, FakeQoS } from './fake_rclnodejs';
import { stubDeps, type StubDeps } from './stubs';

const tick = () => new Promise((r) => setImmediate(r));

async function start(argv: string[] = [], deps: StubDeps = stubDeps(), logIntervalMs = 5000) {
  const rcl = createFakeRclnodejs();
  await rcl.init(undefined, ['mnv4', ...argv]);
  const cls = await ClassifierNode.start({ argv, rcl, deps, logIntervalMs });
  const node = rcl.state.nodes[0];
  return { rcl, cls, node, deps, pipeline: deps.pipelines[0] };
}

describe('ros adapter (fake rclnodejs, stub pipeline)', () => {
  it('subscribes image_raw raw with sensor-data QoS and publishes on the documented topics', async () => {
    const { node, cls } = await start();
    assert.equal(node.name(), 'mobilenetv4_classifier');
    assert.equal(node.subscriptions.length, 1);
    const sub = node.subscriptions[0];
    assert.equal(sub.topic, 'image_raw');
    assert.equal(sub.typeClass, 'sensor_msgs/msg/Image');
    assert.equal(sub.options.isRaw, true);
    assert.deepEqual((sub.options.qos as FakeQoS).policies, { history: 1, depth: 5, reliability: 2, durability: 2 });
    const topics = Object.fromEntries(node.publishers.map((p) => [p.topic, p.typeClass]));
    assert.deepEqual(topics, {
      classification: 'vision_msgs/msg/Classification',
      'classification/latency': 'mobilenetv4_classifier/msg/ClassificationLatency',
      label_info: 'vision_msgs/msg/LabelInfo',
      '/diagnostics': 'diagnostic_msgs/msg/DiagnosticArray',
    });
    assert.deepEqual((node.publisher('label_info').options!.qos as FakeQoS).policies, { history: 1, depth: 1, reliability: 1, durability: 1 });
    assert.equal(node.publisher('label_info').messages.length, 1, 'label_info is published once at start');
    assert.equal(node.timers[0].period, DIAGNOSTICS_PERIOD_NS);
    await cls.shutdown();
  });

  it('takes image_raw/compressed and QoS from read-only parameters', async () => {
    const { node, cls } = await start(['--ros-args', '-p', 'input_transport:=compressed', '-p', 'qos.reliability:=reliable', '-p', 'qos.depth:=1']);
    const sub = node.subscriptions[0];
    assert.equal(sub.topic, 'image_raw/compressed');
    assert.equal(sub.typeClass, 'sensor_msgs/msg/CompressedImage');
    assert.deepEqual((sub.options.qos as FakeQoS).policies, { history: 1, depth: 1, reliability: 1, durability: 2 });
    const r = node.set('input_transport', 'raw');
    assert.equal(r.successful, false);
    assert.match(r.reason, /readonly/);
    await cls.shutdown();
  });

  it('hands each raw message to the pipeline and publishes Buffers that own their memory from offset 0', async () => {
    const { node, cls, pipeline } = await start();
    const cdr = Uint8Array.from([0, 1, 0, 0, 9, 8, 7, 6, 5, 4]);
    node.subscriptions[0].inject(cdr);
    assert.equal(pipeline.pending.length, 1);
    assert.equal(pipeline.pending[0].kind, 'image');
    assert.deepEqual([...pipeline.pending[0].cdr], [...cdr]);
    pipeline.succeed();
    await tick();
    const cls0 = node.publisher('classification');
    assert.deepEqual([...cls0.messages[0]], [0, 1, 0, 0, 9, 8, 7, 6]);
    assert.deepEqual(cls0.ownsMemory, [true]);
    assert.deepEqual(node.publisher('classification/latency').ownsMemory, [true]);
    assert.equal(node.publisher('classification/latency').messages[0].length, 16);
    await cls.shutdown();
  });

  it('ownedBuffer copies views and pooled Buffers, and keeps Buffers that already own their memory', () => {
    const pooled = Buffer.from('abc');
    assert.ok(pooled.byteOffset !== 0 || pooled.buffer.byteLength !== 3, 'small Buffer.from comes from the pool');
    const b = ownedBuffer(pooled);
    assert.equal(b.byteOffset, 0);
    assert.equal(b.buffer.byteLength, 3);
    assert.equal(b.toString(), 'abc');
    const own = Buffer.alloc(5);
    assert.equal(ownedBuffer(own), own);
    // An encoder's output owns its ArrayBuffer: wrapped, same memory, no copy.
    const encoded = new Uint8Array(new ArrayBuffer(4));
    const wrapped = ownedBuffer(encoded);
    assert.ok(Buffer.isBuffer(wrapped));
    assert.equal(wrapped.buffer, encoded.buffer);
    assert.equal(wrapped.byteOffset, 0);
    assert.equal(wrapped.length, 4);
    // A view into a larger buffer is copied into memory of its own.
    const view = new Uint8Array(new ArrayBuffer(16), 4, 8);
    const copied = ownedBuffer(view);
    assert.notEqual(copied.buffer, view.buffer);
    assert.equal(copied.byteOffset, 0);
    assert.equal(copied.buffer.byteLength, 8);
  });

  it('logs bad frames at most once per kind per interval, with the count it held back', async () => {
    const { node, cls, pipeline } = await start([], stubDeps(), 40);
    for (let i = 0; i < 6; i++) node.subscriptions[0].inject(Uint8Array.from([0, 1, 0, 0]));
    for (let i = 0; i < 5; i++) pipeline.fail('corrupt_image', 'not a JPEG');
    await tick();
    const warns = () => node.logger.lines.filter((l) => l.level === 'warn').map((l) => l.message);
    assert.equal(warns().length, 1);
    assert.match(warns()[0], /bad frame 0 \(stamp 5\.000000007, frame_id 'cam'\): not a JPEG/);
    await new Promise((r) => setTimeout(r, 60));
    pipeline.fail('corrupt_image', 'not a JPEG');
    await tick();
    assert.equal(warns().length, 2);
    assert.match(warns()[1], /\(4 more like this/);
    assert.equal(node.publisher('classification').messages.length, 0);
    await cls.shutdown();
  });

  it('publishes /diagnostics from a 1 s bigint timer, stamped with the node clock (sim time)', async () => {
    const { node, cls, pipeline, rcl } = await start();
    rcl.state.clockNs = 1_700_000_123_000_000_456n;
    node.timers[0].fire();
    assert.deepEqual(pipeline.stamps, [{ sec: 1_700_000_123, nanosec: 456 }]);
    assert.equal(node.publisher('/diagnostics').messages.length, 1);
    assert.deepEqual(node.publisher('/diagnostics').ownsMemory, [true]);
    await cls.shutdown();
  });

  it('applies top_k, score_threshold and num_threads live and republishes label_info on a threshold change', async () => {
    const { node, cls, pipeline, deps } = await start();
    assert.equal(node.set('top_k', 3n).successful, true);
    assert.deepEqual(pipeline.options.at(-1), { topK: 3, scoreThreshold: 0 });
    assert.equal(node.set('score_threshold', 0.25).successful, true);
    assert.deepEqual(pipeline.options.at(-1), { topK: 3, scoreThreshold: 0.25 });
    assert.equal(node.publisher('label_info').messages.length, 2);
    assert.equal(node.publisher('label_info').messages[1][4], 25);
    assert.equal(node.set('num_threads', 4n).successful, true);
    assert.deepEqual(deps.engines[0].updates.at(-1), { numThreads: 4 });
    // `ros2 param set ... score_threshold 1` sends an integer; it is taken as the double 1.0.
    assert.equal(node.set('score_threshold', 1n).successful, true);
    assert.equal(node.value('score_threshold'), 1);
    assert.equal(deps.engines.length, 1, 'no reload for live parameters');
    await cls.shutdown();
  });

  it('refuses invalid sets synchronously with readable reasons, leaving the value unchanged', async () => {
    const { node, cls } = await start();
    const r1 = node.set('backend', 'gpu');
    assert.equal(r1.successful, false);
    assert.match(r1.reason, /backend must be one of auto, bpu, cpu, bpu-sim \(got 'gpu'\)/);
    const r2 = node.set('model_variant', 'conv_huge');
    assert.equal(r2.successful, false);
    assert.match(r2.reason, /unknown model 'conv_huge'; known: conv_small/);
    // Out of range and wrong type are caught before rclnodejs' own (garbled) check; the readable reason is logged.
    const r3 = node.set('num_threads', 9n);
    assert.equal(r3.successful, false);
    const r4 = node.set('top_k', 2.5);
    assert.equal(r4.successful, false);
    const warns = node.logger.lines.filter((l) => l.level === 'warn').map((l) => l.message).join('\n');
    assert.match(warns, /num_threads must be from 1 to 8 \(got 9\)/);
    assert.match(warns, /top_k must be an integer \(got 2\.5\)/);
    assert.equal(node.value('num_threads'), 2n);
    assert.equal(node.value('backend'), 'auto');
    assert.equal(node.value('model_variant'), 'conv_small');
    await cls.shutdown();
  });

  it('loads a new model beside the old one and swaps it in', async () => {
    const { node, cls, pipeline, deps } = await start();
    assert.equal(node.set('model_variant', 'conv_medium').successful, true);
    assert.equal(node.set('backend', 'bpu-sim').successful, true);
    await cls.reloadsSettled();
    assert.equal(deps.engines.at(-1)!.request.model, 'conv_medium');
    assert.equal(deps.engines.at(-1)!.request.backend, 'bpu-sim');
    assert.equal(pipeline.swaps.at(-1), deps.engines.at(-1));
    // The first change starts a load; the second, made while it runs, is coalesced into one more.
    assert.deepEqual(deps.engines.map((e) => `${e.request.model}/${e.request.backend}`), ['conv_small/auto', 'conv_medium/auto', 'conv_medium/bpu-sim']);
    assert.equal(cls.lastLoadError, undefined);
    await cls.shutdown();
  });

  it('keeps the old model when a load fails, reports it, and restores the parameter', async () => {
    const deps = stubDeps();
    deps.failing.set('broken', 'MobileNetV4_broken.bin: no such file');
    const { node, cls, pipeline } = await start([], deps);
    assert.equal(node.set('model_variant', 'broken').successful, true, 'a valid name is accepted; the load runs after');
    await cls.reloadsSettled();
    assert.equal(pipeline.swaps.length, 0);
    assert.match(cls.lastLoadError!, /no such file/);
    assert.equal(node.value('model_variant'), 'conv_small', 'restored to what is running');
    assert.match(node.logger.lines.filter((l) => l.level === 'error')[0].message, /cannot load model 'broken'.*still running conv_small/);
    node.timers[0].fire();
    assert.equal(node.publisher('/diagnostics').messages.length, 2);
    assert.equal(deps.statuses[0][0].level, 1);
    assert.match(deps.statuses[0][0].message, /loading model 'broken' on backend 'auto' failed; still running conv_small/);
    // The next good change clears the report.
    assert.equal(node.set('model_variant', 'conv_medium').successful, true);
    await cls.reloadsSettled();
    assert.equal(cls.lastLoadError, undefined);
    await cls.shutdown();
  });

  it('resolves /ns/node params-file keys that rclnodejs alone ignores', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mnv4-params-'));
    const file = path.join(dir, 'p.yaml');
    // What launch_ros writes for Node(namespace='robot1', parameters=[{...}]).
    fs.writeFileSync(file, '/robot1/mobilenetv4_classifier:\n  ros__parameters:\n    top_k: 7\n    use_sim_time: true\n/**:\n  ros__parameters:\n    num_threads: 3\n');
    const argv = ['--ros-args', '-r', '__ns:=/robot1', '--params-file', file];
    // rclnodejs alone: only the /** block reaches the node.
    const bare = createFakeRclnodejs();
    await bare.init(undefined, ['mnv4', ...argv]);
    const plain = new bare.Node('mobilenetv4_classifier') as FakeNode;
    assert.equal(plain.overrides.get('top_k'), undefined);
    assert.equal(plain.overrides.get('num_threads')!.value, 3n);
    // Our node: both.
    const { node, cls } = await start(argv);
    assert.equal(node.namespace(), '/robot1');
    assert.equal(node.value('top_k'), 7n);
    assert.equal(node.value('num_threads'), 3n);
    assert.equal(node.value('use_sim_time'), true);
    await cls.shutdown();
    fs.rmSync(dir, { recursive: true });
  });

  it('refuses to start on invalid overrides, naming the source', async () => {
    const rcl = createFakeRclnodejs();
    await assert.rejects(ClassifierNode.start({ argv: ['--ros-args', '-p', 'backend:=gpu'], rcl, deps: stubDeps() }), /invalid parameters:\n\s+backend must be one of .* \(from -p backend\)/);
    await assert.rejects(ClassifierNode.start({ argv: ['--ros-args', '-p', 'model_variant:=nope'], rcl, deps: stubDeps() }), /unknown model 'nope'/);
    const deps = stubDeps();
    deps.failing.set('conv_small', 'libdnn.so: cannot open shared object file');
    await assert.rejects(ClassifierNode.start({ argv: [], rcl, deps }), /cannot load model 'conv_small' on backend 'auto': libdnn\.so/);
  });

  it('with drop_policy block, holds frames in arrival order until the pipeline has room', async () => {
    const { node, cls, pipeline } = await start(['--ros-args', '-p', 'drop_policy:=block']);
    let open!: () => void;
    pipeline.room = new Promise((r) => (open = r));
    for (let i = 1; i <= 3; i++) node.subscriptions[0].inject(Uint8Array.from([0, 1, 0, 0, i]));
    await tick();
    assert.equal(pipeline.pending.length, 0, 'nothing handed over while the pipeline is full');
    assert.equal(cls.framesInFlight, 3);
    open();
    await tick();
    assert.deepEqual(pipeline.pending.map((p) => p.cdr[4]), [1, 2, 3]);
    // Frames still waiting at shutdown are reported, not silently lost.
    pipeline.room = new Promise(() => undefined);
    node.subscriptions[0].inject(Uint8Array.from([0, 1, 0, 0, 4]));
    node.subscriptions[0].inject(Uint8Array.from([0, 1, 0, 0, 5]));
    await tick();
    await cls.shutdown();
    assert.ok(node.logger.lines.some((l) => /2 received frames that were waiting for room are not classified/.test(l.message)));
  });

  it('with drop_policy block, bounds the frames it holds: past MAX_BACKLOG the oldest is dropped and counted', async () => {
    const { node, cls, pipeline } = await start(['--ros-args', '-p', 'drop_policy:=block']);
    let open!: () => void;
    pipeline.room = new Promise((r) => (open = r));
    const extra = 3;
    for (let i = 1; i <= MAX_BACKLOG + extra; i++) node.subscriptions[0].inject(Uint8Array.from([0, 1, 0, 0, i]));
    await tick();
    assert.equal(cls.framesInFlight, MAX_BACKLOG);
    assert.equal(pipeline.drops.length, extra, 'each dropped frame is counted by the pipeline (diagnostics)');
    assert.ok(node.logger.lines.some((l) => /waiting frame was dropped/.test(l.message)));
    open();
    await tick();
    // The newest MAX_BACKLOG frames, in arrival order.
    assert.deepEqual(pipeline.pending.map((p) => p.cdr[4]), Array.from({ length: MAX_BACKLOG }, (_, i) => i + 1 + extra));
    await cls.shutdown();
  });

  it('a num_threads change made while a model swap drains the old engine reaches the new engine', async () => {
    const { node, cls, pipeline, deps } = await start();
    let release!: () => void;
    pipeline.swapGate = new Promise((r) => (release = r));
    assert.equal(node.set('model_variant', 'conv_medium').successful, true);
    // Wait until the new engine is loaded and the swap is draining the old one.
    for (let i = 0; i < 50 && pipeline.swapsStarted === 0; i++) await tick();
    assert.equal(pipeline.swapsStarted, 1);
    assert.equal(node.set('num_threads', 4n).successful, true);
    release();
    await cls.reloadsSettled();
    // One load: a live change during the swap does not start another of the same model.
    assert.equal(deps.engines.length, 2);
    const next = deps.engines[1];
    assert.equal(pipeline.swaps.at(-1), next);
    const last = [...next.updates].reverse().find((u) => 'numThreads' in u);
    assert.equal(last?.numThreads, 4);
    await cls.shutdown();
  });

  it('warns about rclcpp-style qos_overrides parameters instead of ignoring them silently', async () => {
    const { node, cls } = await start(['--ros-args', '-p', 'qos_overrides./image_raw.subscription.depth:=3']);
    assert.ok(node.logger.lines.some((l) => /ignoring qos_overrides\.\/image_raw\.subscription\.depth: set the input QoS with the qos\.reliability/.test(l.message)));
    await cls.shutdown();
  });

  it('shuts down without waiting for a model load in progress, and closes that engine unused when it arrives', async () => {
    const { node, cls, pipeline, deps } = await start();
    let release!: () => void;
    deps.gate = new Promise((r) => (release = r));
    assert.equal(node.set('model_variant', 'conv_medium').successful, true);
    await cls.shutdown(); // resolves while the load is still held open
    assert.equal(pipeline.closed, true);
    assert.equal(deps.engines.length, 1, 'the new engine has not arrived yet');
    release();
    await cls.reloadsSettled();
    assert.equal(deps.engines.length, 2);
    assert.equal(deps.engines[1].closed, true, 'the late engine is closed unused');
    assert.equal(pipeline.swaps.length, 0);
  });

  it('shuts down: stops intake, closes the pipeline, settles in-flight frames, destroys the node', async () => {
    const { node, cls, pipeline } = await start();
    node.subscriptions[0].inject(Uint8Array.from([0, 1, 0, 0, 1]));
    node.subscriptions[0].inject(Uint8Array.from([0, 1, 0, 0, 2]));
    pipeline.succeed();
    assert.equal(cls.framesInFlight, 2);
    await cls.shutdown();
    assert.equal(pipeline.closed, true);
    assert.equal(cls.framesInFlight, 0);
    assert.equal(node.destroyed, true);
    assert.equal(node.timers[0].canceled, true);
    assert.equal(node.publisher('classification').messages.length, 1, 'the finished frame was published, the cancelled one not');
    node.subscriptions[0].inject(Uint8Array.from([0, 1, 0, 0, 3]));
    assert.equal(pipeline.pending.length, 0, 'no intake after shutdown');
    assert.equal(node.set('top_k', 2n).successful, false);
  });
});

describe('ros runNode (fake rclnodejs, stub pipeline)', () => {
  it('initialises rclnodejs with the ROS arguments, takes over its SIGINT handler, spins, and shuts down on SIGTERM', async () => {
    const rcl = createFakeRclnodejs();
    const deps = stubDeps();
    const exits: number[] = [];
    let ready!: (c: ClassifierNode) => void;
    const started = new Promise<ClassifierNode>((r) => (ready = r));
    const before = process.listenerCount('SIGTERM');
    const done = runNode({ argv: ['--ros-args', '-p', 'top_k:=2'], rcl, deps, onReady: ready, exit: (c) => exits.push(c), log: () => undefined });
    const cls = await started;
    assert.deepEqual(rcl.state.initArgv, ['mnv4', '--ros-args', '-p', 'top_k:=2']);
    assert.equal(rcl.state.signalHandlersRemoved, true);
    const node = rcl.state.nodes[0];
    assert.equal(node.spinning, true);
    assert.equal(node.value('top_k'), 2n);
    assert.equal(process.listenerCount('SIGTERM'), before + 1);
    process.emit('SIGTERM');
    assert.equal(await done, 0);
    assert.equal(deps.pipelines[0].closed, true);
    assert.equal(rcl.state.shutdown, true);
    assert.equal(node.destroyed, true);
    assert.equal(process.listenerCount('SIGTERM'), before, 'handlers removed');
    assert.deepEqual(exits, []);
    assert.equal(cls.framesInFlight, 0);
  });

  it('returns 1 with the reason and shuts rclnodejs down when the node cannot start', async () => {
    const rcl = createFakeRclnodejs();
    const lines: string[] = [];
    const code = await runNode({ argv: ['--ros-args', '-p', 'num_threads:=0'], rcl, deps: stubDeps(), log: (l) => lines.push(l) });
    assert.equal(code, 1);
    assert.match(lines.join('\n'), /mnv4 node: invalid parameters:\n\s+num_threads must be from 1 to 8 \(got 0\) \(from -p num_threads\)/);
    assert.equal(rcl.state.shutdown, true);
  });
});
