// The BPU backend refuses what it cannot run, at load, with a reason a user can act on.
import { strict as assert } from 'assert';
import * as path from 'path';
import { cleanupModels, runDriver, writeModel, writeRawFile } from './sim_harness';

describe('[native] BPU backend: model and runtime validation', () => {
  after(cleanupModels);

  const loadError = (model: string, opts: Parameters<typeof runDriver>[1] = {}): string => {
    const r = runDriver(model, { frames: 0, ...opts });
    assert.equal(r.ok, false, `expected a load failure, got ${JSON.stringify(r).slice(0, 300)}`);
    return r.error ?? '';
  };

  it('accepts a valid model and reports its size and classes', () => {
    const r = runDriver(writeModel({ input: { tensor_type: 'NV12', valid_shape: [1, 3, 128, 160] } }), { frames: 1 });
    assert.equal(r.ok, true, r.error);
    assert.deepEqual([r.info?.width, r.info?.height, r.info?.classes], [160, 128, 1000]);
  });

  it('refuses an input that is not NV12', () => {
    const err = loadError(writeModel({ input: { tensor_type: 'RGB', layout: 'NCHW', valid_shape: [1, 3, 224, 224] } }));
    assert.match(err, /input type is RGB \(4\); an NV12 input \(HB_DNN_IMG_TYPE_NV12\) is expected/);
  });

  it('refuses an NV12 input of odd size', () => {
    const err = loadError(writeModel({ input: { tensor_type: 'NV12', valid_shape: [1, 3, 224, 223] } }));
    assert.match(err, /NV12 input is 223x224; NV12 needs an even width and height/);
  });

  it('refuses an NV12 input with a padded row stride', () => {
    const err = loadError(
      writeModel({ input: { tensor_type: 'NV12', valid_shape: [1, 3, 100, 100], aligned_shape: [1, 3, 100, 112] } }),
    );
    assert.match(err, /padded row stride \(112 for width 100\)/);
  });

  it('refuses a class count that does not match the labels', () => {
    const err = loadError(writeModel({ output: { tensor_type: 'F32', valid_shape: [1, 1001, 1, 1] } }), {
      expectedClasses: 1000,
    });
    assert.match(err, /outputs 1001 classes \(shape \(1,1001,1,1\)\) but the labels have 1000/);
  });

  it('names a missing model file', () => {
    const err = loadError('/nonexistent/MobileNetV4_conv_small_224x224_nv12.bin');
    assert.equal(err, "bpu: model file not found or not readable: '/nonexistent/MobileNetV4_conv_small_224x224_nv12.bin'");
  });

  it('passes on the runtime\'s reason for a model it cannot load', () => {
    const err = loadError(writeRawFile('{"format": "mnv4-bpu-sim-model/1", "input": 3}'));
    assert.match(err, /cannot load model '.*': hbDNNInitializeFromFiles failed: \[bpu_sim\] HB_DNN_INVALID_MODEL: invalid model \(-6000002\)/);
  });

  it('names a runtime library that does not load', () => {
    const lib = path.join('/nonexistent', 'libdnn.so');
    const err = loadError(writeModel({}), { lib });
    assert.match(err, /^bpu: cannot load the BPU runtime library '\/nonexistent\/libdnn.so': .*No such file/);
  });

  it('names the first symbol a library lacks', () => {
    const err = loadError(writeModel({}), { lib: 'libm.so.6' });
    assert.match(err, /^bpu: the BPU runtime library 'libm.so.6' does not export hbDNNGetVersion/);
  });
});
