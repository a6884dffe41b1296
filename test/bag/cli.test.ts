import { strict as assert } from 'assert';
import { parseReplayArgs, run } from '../../src/cli/replay';

describe('mnv4 replay arguments', () => {
  it('has the documented defaults: block policy, conv_small, auto backend, stretch/area, top-5', () => {
    const o = parseReplayArgs(['bag', '--out', 'r.mcap']);
    assert.notEqual(o, 'help');
    if (o === 'help') return;
    assert.equal(o.rate, undefined);
    assert.equal(o.model, 'conv_small');
    assert.equal(o.backend, 'auto');
    assert.equal(o.resizeMode, 'stretch');
    assert.equal(o.filter, 'area');
    assert.equal(o.topK, 5);
    assert.equal(o.tolerance, 0.02);
  });

  it('takes repeated --topic and the other options', () => {
    const o = parseReplayArgs(['b', '--out', 'o', '--topic', '/a', '--topic', '/b', '--rate', '0.5', '--backend', 'bpu-sim', '--resize-mode', 'letterbox', '--top-k', '3', '--threads', '4', '--json']);
    if (o === 'help') throw new Error('help?');
    assert.deepEqual(o.topics, ['/a', '/b']);
    assert.equal(o.rate, 0.5);
    assert.equal(o.backend, 'bpu-sim');
    assert.equal(o.resizeMode, 'letterbox');
    assert.equal(o.topK, 3);
    assert.equal(o.threads, 4);
    assert.equal(o.json, true);
  });

  it('refuses bad usage with a reason and exit code 2', async () => {
    assert.throws(() => parseReplayArgs(['bag']), /--out RESULTS.mcap is required/);
    assert.throws(() => parseReplayArgs(['--out', 'x']), /which bag\?/);
    assert.throws(() => parseReplayArgs(['b', '--out', 'x', '--backend', 'gpu']), /--backend must be one of auto, bpu, bpu-sim, cpu, got 'gpu'/);
    assert.throws(() => parseReplayArgs(['b', '--out', 'x', '--rate', '2', '--as-fast-as-possible']), /exclude each other/);
    assert.throws(() => parseReplayArgs(['b', '--out', 'x', '--top-k', '0']), /--top-k must be an integer in 1..1000/);
    const err = console.error;
    const lines: string[] = [];
    console.error = (s: string) => lines.push(s);
    try {
      assert.equal(await run(['b', '--out', 'x', '--rate', 'fast']), 2);
      assert.equal(await run(['/no/such/bag', '--out', '/tmp/never.mcap']), 2);
    } finally {
      console.error = err;
    }
    assert.match(lines[0], /--rate must be a number/);
    assert.match(lines[1], /bag \/no\/such\/bag does not exist/);
  });
});
