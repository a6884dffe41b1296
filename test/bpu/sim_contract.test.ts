// The simulator is strict about the runtime's contract: each violation a user of libdnn can make
// (the vendor's own samples made some of them) shows up as a wrong frame, a failed call or a leak
// report. native/bpu_sim/tests/raw_contract.cc calls the C API directly, correctly and wrongly.
import { strict as assert } from 'assert';
import { cleanupModels, runProgram, writeModel } from './sim_harness';

const HB_DNN_INVALID_ARGUMENT = -6000001;
const HB_DNN_TIMEOUT = -6000008;
const HB_DNN_TASK_NUM_EXCEED_LIMIT = -6000009;
const HB_DNN_INVALID_TASK_HANDLE = -6000011;
const HB_SYS_INVALID_ARGUMENT = -6000129;

type Json = Record<string, unknown> & { after_release: Record<string, number> };

describe('[native] BPU simulator: the runtime contract (raw libdnn API)', () => {
  let model: string;
  before(() => {
    // F32 logits, small frame: the raw program reads floats directly.
    model = writeModel({
      input: { tensor_type: 'NV12', valid_shape: [1, 3, 64, 96] },
      output: { tensor_type: 'F32', valid_shape: [1, 100, 1, 1] },
      timing: { core_ms: 0.05 },
    });
  });
  after(cleanupModels);

  const raw = (scenario: string) => {
    const r = runProgram('raw_contract', [model, scenario]);
    return { json: r.json as Json, stderr: r.stderr };
  };

  it('the canonical flow gives each frame its own logits and leaves nothing behind', () => {
    const { json } = raw('correct');
    assert.deepEqual(json.rc, [0, 0]);
    assert.equal(json.a_differs_from_b, true, 'the two test frames must have different logits');
    assert.equal(json.frame_a_right, true);
    assert.equal(json.frame_b_right, true);
    assert.equal(json.after_release.live_tasks, 0);
    assert.equal(json.after_release.live_mem_blocks, 0);
    assert.equal(json.after_release.api_misuse, 0);
  });

  it('without the CLEAN flush the device computes on the previous frame', () => {
    const { json } = raw('no-clean');
    assert.deepEqual(json.rc, [0, 0]);
    assert.equal(json.frame_b_right, false);
    assert.equal(json.frame_b_got_frame_a, true);
    assert.equal(json.after_release.stale_input_submits, 1);
  });

  it('without the INVALIDATE flush the CPU reads the previous frame\'s logits', () => {
    const { json } = raw('no-invalidate');
    assert.deepEqual(json.rc, [0, 0]);
    assert.equal(json.frame_b_right, false);
    assert.equal(json.frame_b_got_frame_a, true);
  });

  it('without hbDNNReleaseTask the 33rd task fails and hbDNNRelease reports the leak', () => {
    const { json, stderr } = raw('no-release');
    assert.equal(json.first_failing_frame, 33);
    assert.equal(json.failure_code, HB_DNN_TASK_NUM_EXCEED_LIMIT);
    assert.equal((json.before_release as Record<string, number>).live_tasks, 32);
    assert.equal(json.after_release.leaked_tasks_reported, 32);
    assert.equal(json.after_release.live_tasks, 0);
    assert.match(stderr, /LEAK at hbDNNRelease: 32 task\(s\) .* never released with hbDNNReleaseTask/);
  });

  it('memory never freed is reported at the last hbDNNRelease', () => {
    const { json, stderr } = raw('leak-memory');
    assert.equal(json.after_release.leaked_mem_blocks_reported, 3);
    assert.equal(json.after_release.live_mem_blocks, 3);
    assert.match(stderr, /LEAK at the last hbDNNRelease: 3 hbSysMem block\(s\)/);
  });

  it('a tensor smaller than alignedByteSize is refused with an invalid-argument code', () => {
    const { json, stderr } = raw('small-buffer');
    assert.equal(json.infer_rc, HB_DNN_INVALID_ARGUMENT);
    assert.equal(json.task_is_null, true);
    assert.match(stderr, /smaller than its alignedByteSize 9216/);
  });

  it('released tasks, freed memory and a non-null task handle are refused', () => {
    const { json } = raw('stale-handles');
    assert.equal(json.first, 0);
    assert.equal(json.not_reset, HB_DNN_INVALID_ARGUMENT);
    assert.equal(json.release, 0);
    assert.equal(json.wait_released, HB_DNN_INVALID_TASK_HANDLE);
    assert.equal(json.release_twice, HB_DNN_INVALID_TASK_HANDLE);
    assert.equal(json.flush_freed, HB_SYS_INVALID_ARGUMENT);
    assert.equal(json.free_twice, HB_SYS_INVALID_ARGUMENT);
    assert.equal(json.infer_freed, HB_DNN_INVALID_ARGUMENT);
    assert.equal(json.after_release.api_misuse, 6);
  });

  it('a task slower than the wait times out, is cancelled on release, and the next frame is right', () => {
    const { json } = raw('timeout');
    assert.equal(json.infer, 0);
    assert.equal(json.wait, HB_DNN_TIMEOUT);
    assert.equal(json.release, 0);
    assert.equal(json.next, 0);
    assert.equal(json.next_right, true);
    assert.equal(json.after_release.tasks_cancelled, 1);
    assert.equal(json.after_release.wait_timeouts, 1);
  });
});
