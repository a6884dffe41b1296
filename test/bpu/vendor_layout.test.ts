// hb_dnn_vendor_check.cc compares our libdnn declarations with the vendor header where one is
// installed (on the board). Here a stand-in header written from the documented X5 layout takes its
// place: the check must pass for the documented layout and stop the build for a different one.
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { packageRoot } from '../../src/paths';

function compile(defines: string[]): { status: number | null; stderr: string } {
  const r = spawnSync(
    process.env.CXX ?? 'g++',
    [
      '-std=c++17',
      '-fsyntax-only',
      '-Wall',
      '-Wextra',
      '-Werror',
      ...defines,
      `-I${path.join(packageRoot, 'native', 'src')}`,
      `-I${path.join(__dirname, 'fixtures', 'fake_vendor')}`,
      path.join(packageRoot, 'native', 'src', 'bpu', 'hb_dnn_vendor_check.cc'),
    ],
    { encoding: 'utf8' },
  );
  return { status: r.status, stderr: r.stderr };
}

describe('[native] BPU declarations against a vendor header', () => {
  it('compile when the vendor header has the documented X5 layout', () => {
    const r = compile([]);
    assert.equal(r.status, 0, r.stderr);
  });

  it('stop the build, naming the struct, when the vendor layout differs', () => {
    const r = compile(['-DFAKE_VENDOR_MISMATCH']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /vendor layout differs: sizeof hbDNNTensorShape/);
    assert.match(r.stderr, /vendor layout differs: sizeof hbDNNTensorProperties/);
  });
});
