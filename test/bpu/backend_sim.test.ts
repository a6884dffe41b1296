// The BPU backend (native/src/bpu) driven as the worker pool drives it, against the simulator:
// right logits for known NV12 bytes on every output encoding, nothing left behind after many frames
// on several threads, and injected runtime faults that fail only their own frame.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import {
  assertCleanUnload,
  cleanupModels,
  isAsan,
  runDriver,
  shippedModels,
  TensorSpec,
  writeModel,
} from './sim_harness';

const HB_DNN_RUN_TASK_FAILED = -6000012;
const HB_DNN_MODEL_IS_RUNNING = -6000013;

describe('[native] BPU backend on the simulator', () => {
  after(cleanupModels);

  describe('output decoding', () => {
    const channels = 1000;
    const perChannel = (f: (c: number) => number) => Array.from({ length: channels }, (_, c) => f(c));
    const cases: { name: string; output: TensorSpec; decoding: string }[] = [
      {
        name: 'F32 without quantisation',
        output: { tensor_type: 'F32', valid_shape: [1, channels, 1, 1] },
        decoding: 'F32 NONE',
      },
      {
        name: 'S8 SCALE per channel with zero points and a padded W',
        output: {
          tensor_type: 'S8',
          valid_shape: [1, channels, 1, 1],
          aligned_shape: [1, channels, 1, 4],
          quanti_type: 'SCALE',
          quantize_axis: 1,
          scale: perChannel((c) => 0.02 + 0.0001 * c),
          zero_point: perChannel((c) => (c % 7) - 3),
        },
        decoding: 'S8 SCALE axis 1',
      },
      {
        name: 'S32 SCALE with one scale for the tensor',
        output: {
          tensor_type: 'S32',
          valid_shape: [1, channels, 1, 1],
          quanti_type: 'SCALE',
          quantize_axis: 1,
          scale: [0.00037],
        },
        decoding: 'S32 SCALE axis 1',
      },
      {
        name: 'S16 SHIFT per channel with explicit, gapped byte strides',
        output: {
          tensor_type: 'S16',
          valid_shape: [1, channels, 1, 1],
          stride: [channels * 6, 6, 6, 6],
          aligned_byte_size: channels * 6,
          quanti_type: 'SHIFT',
          quantize_axis: 1,
          shift: perChannel((c) => 4 + (c % 5)),
        },
        decoding: 'S16 SHIFT axis 1',
      },
      {
        name: 'NHWC F32 1x1x1x1000',
        output: { tensor_type: 'F32', layout: 'NHWC', valid_shape: [1, 1, 1, channels] },
        decoding: 'F32 NONE',
      },
    ];
    for (const c of cases) {
      it(`reads ${c.name} exactly as the runtime defines it`, () => {
        const model = writeModel({ output: c.output });
        const r = runDriver(model, { threads: 2, frames: 40, expectedClasses: channels });
        assert.equal(r.ok, true, r.error);
        assert.equal(r.frames_ok, 40);
        assert.equal(r.mismatches, 0, `max abs diff ${r.max_abs_diff}`);
        assert.equal(r.max_abs_diff, 0);
        assert.equal((r.diagnostics.output as { decoding: string }).decoding, c.decoding);
        assertCleanUnload(r);
      });
    }
  });

  it('runs many frames on several threads and leaves zero live tasks and zero unfreed memory', function () {
    const frames = 10000;
    this.timeout(isAsan ? 600_000 : 240_000);
    const model = writeModel({ timing: { core_ms: 0.01 } });
    const r = runDriver(model, { threads: 4, frames, expectedClasses: 1000 });
    assert.equal(r.ok, true, r.error);
    assert.equal(r.frames_ok, frames);
    assert.equal(r.frames_failed, 0);
    assert.equal(r.mismatches, 0);
    assertCleanUnload(r);
    const sim = r.accounting_after_unload;
    assert.equal(sim.tasks_submitted, frames);
    assert.equal(sim.tasks_completed, frames);
    assert.equal(sim.infer_rejected, 0);
    // One session per thread, two buffers each, allocated once: nothing per frame.
    assert.equal(sim.mem_allocations, 8);
    assert.ok(sim.max_live_tasks <= 4, `max_live_tasks ${sim.max_live_tasks}`);
  });

  describe('double-buffered, as the pool drives it (submit, write the next frame meanwhile, wait)', () => {
    it('many frames on several threads: right logits, zero live tasks, buffers allocated once', function () {
      const frames = 5000;
      this.timeout(isAsan ? 600_000 : 240_000);
      const model = writeModel({ timing: { core_ms: 0.01 } });
      const r = runDriver(model, { threads: 3, frames, expectedClasses: 1000, double: true });
      assert.equal(r.ok, true, r.error);
      assert.equal(r.frames_ok, frames);
      assert.equal(r.mismatches, 0, `max abs diff ${r.max_abs_diff}`);
      assertCleanUnload(r);
      const sim = r.accounting_after_unload;
      assert.equal(sim.tasks_submitted, frames);
      assert.equal(sim.tasks_completed, frames);
      // Two sessions per thread, an input and an output each.
      assert.equal(sim.mem_allocations, 12);
      assert.ok(sim.max_live_tasks <= 3, `max_live_tasks ${sim.max_live_tasks}`);
    });

    it('a failed hbDNNInfer of a frame written while its predecessor ran fails only that frame', () => {
      const model = writeModel({ timing: { core_ms: 0.05 } });
      const r = runDriver(model, { threads: 1, frames: 12, double: true, faults: [`infer:5:${HB_DNN_MODEL_IS_RUNNING}:0:1`] });
      assert.equal(r.frames_failed, 1);
      assert.equal(r.errors[0].frame, 4);
      assert.match(r.errors[0].error, /^bpu: hbDNNInfer failed: \[bpu_sim\] HB_DNN_MODEL_IS_RUNNING/);
      assert.equal(r.frames_ok, 11);
      assert.equal(r.mismatches, 0);
      assertCleanUnload(r);
    });

    it('a failed wait releases the task and fails only its frame, not the one written meanwhile', () => {
      const model = writeModel({ timing: { core_ms: 0.05 } });
      const r = runDriver(model, { threads: 1, frames: 12, double: true, faults: [`wait:3:${HB_DNN_RUN_TASK_FAILED}:0:1`] });
      assert.deepEqual(r.errors.map((e) => e.frame), [2]);
      assert.match(r.errors[0].error, /^bpu: hbDNNWaitTaskDone failed: \[bpu_sim\] HB_DNN_RUN_TASK_FAILED/);
      assert.equal(r.frames_ok, 11);
      assert.equal(r.mismatches, 0);
      assertCleanUnload(r);
    });
  });

  for (const [variant, file] of Object.entries(shippedModels)) {
    it(`loads the shipped ${variant} simulator model with the vendor's I/O and timing`, () => {
      const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as { timing: { core_ms: number } };
      const r = runDriver(file, { threads: 2, frames: 20, expectedClasses: 1000 });
      assert.equal(r.ok, true, r.error);
      assert.deepEqual([r.info?.width, r.info?.height, r.info?.classes], [224, 224, 1000]);
      assert.equal(r.frames_ok, 20);
      assert.equal(r.mismatches, 0);
      assert.match(String(r.diagnostics.runtime_version), /bpu_sim/);
      const timing = r.diagnostics.sim_timing as { core_ms: number; ideal_fps: number };
      assert.equal(timing.core_ms, doc.timing.core_ms);
      assert.ok(Math.abs(timing.ideal_fps - 1000 / doc.timing.core_ms) < 0.01);
      assertCleanUnload(r);
    });
  }

  describe('injected faults fail only their frame, with the runtime\'s description', () => {
    let model: string;
    before(() => {
      model = writeModel({ timing: { core_ms: 0.05 } });
    });

    it('an error code from hbDNNInfer', () => {
      const r = runDriver(model, { threads: 1, frames: 12, faults: [`infer:5:${HB_DNN_MODEL_IS_RUNNING}:0:1`] });
      assert.equal(r.frames_ok, 11);
      assert.equal(r.frames_failed, 1);
      assert.equal(r.errors.length, 1);
      assert.equal(r.errors[0].frame, 4);
      assert.equal(r.errors[0].error, 'bpu: hbDNNInfer failed: [bpu_sim] HB_DNN_MODEL_IS_RUNNING: model is running (-6000013)');
      assert.equal(r.mismatches, 0);
      assertCleanUnload(r);
    });

    it('an error code from hbDNNWaitTaskDone (the task is still released)', () => {
      const r = runDriver(model, { threads: 1, frames: 12, faults: [`wait:3:${HB_DNN_RUN_TASK_FAILED}:0:2`] });
      assert.equal(r.frames_failed, 2);
      assert.deepEqual(r.errors.map((e) => e.frame), [2, 3]);
      for (const e of r.errors) assert.match(e.error, /^bpu: hbDNNWaitTaskDone failed: \[bpu_sim\] HB_DNN_RUN_TASK_FAILED: run task failed \(-6000012\)$/);
      assert.equal(r.frames_ok, 10);
      assert.equal(r.mismatches, 0);
      assertCleanUnload(r);
    });

    it('a task slower than the wait timeout', () => {
      const r = runDriver(model, { threads: 1, frames: 8, timeoutMs: 30, faults: ['timeout:4:0:2000:1'] });
      assert.equal(r.frames_failed, 1);
      assert.equal(r.errors[0].frame, 3);
      assert.match(r.errors[0].error, /hbDNNWaitTaskDone failed: \[bpu_sim\] HB_DNN_TIMEOUT: timeout \(-6000008\) after 30 ms/);
      assert.equal(r.frames_ok, 7);
      assert.equal(r.mismatches, 0);
      assert.equal(r.accounting_after_unload.tasks_cancelled, 1);
      assertCleanUnload(r);
    });

    it('an allocation failure fails that session, and the next one works', () => {
      const r = runDriver(model, { threads: 1, frames: 6, faults: ['alloc:2:0:0:1'], sessionRetries: 1 });
      assert.equal(r.session_failures, 1);
      assert.match(
        r.errors[0].error,
        /^bpu: cannot allocate the output tensor \(4000 bytes\): hbSysAllocCachedMem failed: \[bpu_sim\] HB_SYS_OUT_OF_MEMORY: out of memory \(-6000130\)$/,
      );
      assert.equal(r.frames_ok, 6);
      assert.equal(r.mismatches, 0);
      assertCleanUnload(r); // the input buffer of the failed session was freed
    });

    it('faults on several threads fail exactly the faulted frames', () => {
      const r = runDriver(model, {
        threads: 3,
        frames: 60,
        faults: [`infer:10:${HB_DNN_RUN_TASK_FAILED}:0:1`, `wait:30:${HB_DNN_RUN_TASK_FAILED}:0:1`],
      });
      assert.equal(r.frames_failed, 2);
      assert.equal(r.frames_ok, 58);
      assert.equal(r.errors.filter((e) => e.error.startsWith('bpu: hbDNNInfer failed')).length, 1);
      assert.equal(r.errors.filter((e) => e.error.startsWith('bpu: hbDNNWaitTaskDone failed')).length, 1);
      assert.equal(r.mismatches, 0);
      assertCleanUnload(r);
    });

    it('a fault plan in the model file', () => {
      const planned = writeModel({
        timing: { core_ms: 0.05 },
        faults: [{ kind: 'wait', nth: 2, code: HB_DNN_RUN_TASK_FAILED }],
      });
      const r = runDriver(planned, { threads: 1, frames: 5 });
      assert.equal(r.frames_failed, 1);
      assert.equal(r.errors[0].frame, 1);
      assert.equal(r.frames_ok, 4);
      assertCleanUnload(r);
    });
  });
});
