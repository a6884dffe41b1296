import { strict as assert } from 'assert';
import { PARAMS, defaultParams, validateParam, validateParams } from '../../src/params/schema';
import { keySpecificity, nodeKeyMatches, overridesFromArgv, parseParamsFile, parseRosArgs, parseScalar, resolveOverrides } from '../../src/params/overrides';
import { typedOverrides, buildDescriptor } from '../../src/params/rcl';
import { createFakeRclnodejs, FakeIntegerRange, FakeFloatingPointRange, FakeParameterDescriptor } from './fake_rclnodejs';

describe('params: schema and validation', () => {
  it('has defaults that pass their own validation', () => {
    const r = validateParams({});
    assert.ok(r.ok, r.ok ? '' : r.reasons.join('; '));
    assert.deepEqual(r.params, defaultParams());
  });

  it('refuses bad values with a reason that names the parameter, the limit and the value', () => {
    const cases: [string, unknown, RegExp][] = [
      ['num_threads', 0n, /num_threads must be from 1 to 8 \(got 0\)/],
      ['num_threads', 9n, /num_threads must be from 1 to 8 \(got 9\)/],
      ['num_threads', 2.5, /num_threads must be an integer \(got 2\.5\)/],
      ['backend', 'gpu', /backend must be one of auto, bpu, cpu, bpu-sim \(got 'gpu'\)/],
      ['drop_policy', 'newest', /drop_policy must be one of drop_oldest, drop_newest, block/],
      ['top_k', 101n, /top_k must be from 1 to 100 \(got 101\)/],
      ['score_threshold', 1.5, /score_threshold must be from 0 to 1 \(got 1\.5\)/],
      ['score_threshold', 'high', /score_threshold must be a double \(got 'high'\)/],
      ['model_variant', '../../etc/passwd', /model_variant must be a registry name/],
      ['resize_mode', 'crop', /resize_mode must be one of stretch, center_crop, letterbox/],
      ['in_order', 'yes', /in_order must be true or false/],
      ['qos.depth', 0n, /qos\.depth must be from 1 to 1000/],
      ['no_such_parameter', 1n, /unknown parameter 'no_such_parameter'/],
    ];
    for (const [name, value, re] of cases) {
      const r = validateParam(name, value);
      assert.equal(r.ok, false, `${name}=${String(value)} should be refused`);
      assert.match(r.ok ? '' : r.reason, re);
    }
  });

  it('accepts good values, integers as bigint, and integers for doubles', () => {
    assert.deepEqual(validateParam('num_threads', 8n), { ok: true, value: 8 });
    assert.deepEqual(validateParam('score_threshold', 1n), { ok: true, value: 1 });
    assert.deepEqual(validateParam('backend', 'bpu-sim'), { ok: true, value: 'bpu-sim' });
    assert.deepEqual(validateParam('model_variant', 'reference-mobilenetv2'), { ok: true, value: 'reference-mobilenetv2' });
  });

  it('builds descriptors with bigint integer ranges and read-only flags', () => {
    const rcl = createFakeRclnodejs();
    const byName = new Map(PARAMS.map((p) => [p.name, buildDescriptor(rcl, p) as FakeParameterDescriptor]));
    const threads = byName.get('num_threads')!;
    assert.ok(threads.range instanceof FakeIntegerRange);
    assert.equal(threads.range.fromValue as unknown, 1n);
    assert.equal(threads.range.toValue as unknown, 8n);
    assert.equal(threads.type, 2);
    assert.equal(threads.readOnly, false);
    assert.ok(byName.get('score_threshold')!.range instanceof FakeFloatingPointRange);
    assert.equal(byName.get('input_transport')!.readOnly, true);
    assert.equal(byName.get('qos.depth')!.readOnly, true);
    assert.equal(byName.get('top_k')!.readOnly, false);
    assert.match(byName.get('backend')!.additionalConstraints, /one of: auto, bpu, cpu, bpu-sim/);
  });
});

describe('params: ROS command line', () => {
  it('reads remaps, params and params files from --ros-args sections only', () => {
    const a = parseRosArgs(['node', '--foo', '--ros-args', '-r', '__node:=cls', '-r', '__ns:=/robot1/', '-p', 'top_k:=3', '--params-file', 'a.yaml', '--', '--bar', '--ros-args', '--log-level', 'debug', '--params-file', 'b.yaml']);
    assert.equal(a.nodeName, 'cls');
    assert.equal(a.namespace, '/robot1');
    assert.deepEqual(a.paramFiles, ['a.yaml', 'b.yaml']);
    assert.deepEqual(a.params, [{ name: 'top_k', value: 3n }]);
    assert.deepEqual(a.nonRosArgs, ['node', '--foo', '--bar']);
  });

  it('applies node-targeted remaps only to this node', () => {
    assert.equal(parseRosArgs(['--ros-args', '-r', 'other:__node:=x']).nodeName, 'mobilenetv4_classifier');
    assert.equal(parseRosArgs(['--ros-args', '-r', 'mobilenetv4_classifier:__node:=x']).nodeName, 'x');
    assert.equal(parseRosArgs(['--ros-args', '-r', '__ns:=cam']).namespace, '/cam');
  });

  it('refuses unknown ROS arguments and rules without :=', () => {
    assert.throws(() => parseRosArgs(['--ros-args', '--frobnicate']), /unknown ROS argument '--frobnicate'/);
    assert.throws(() => parseRosArgs(['--ros-args', '-p', 'top_k=3']), /not name:=value/);
    assert.throws(() => parseRosArgs(['--ros-args', '-p']), /needs a value/);
  });

  it('types -p values as rcl does', () => {
    assert.equal(parseScalar('3'), 3n);
    assert.equal(parseScalar('0.5'), 0.5);
    assert.equal(parseScalar('true'), true);
    assert.equal(parseScalar('conv_medium'), 'conv_medium');
    assert.equal(parseScalar("'5'"), '5');
  });
});

describe('params: override resolution as rclcpp does it', () => {
  const yaml = `
/**:
  ros__parameters:
    top_k: 1
    num_threads: 1
    backend: cpu
    qos:
      depth: 7
mobilenetv4_classifier:
  ros__parameters:
    top_k: 2
/robot1/*:
  ros__parameters:
    num_threads: 3
/robot1/mobilenetv4_classifier:
  ros__parameters:
    top_k: 4
/robot2/mobilenetv4_classifier:
  ros__parameters:
    top_k: 99
robot3:
  mobilenetv4_classifier:
    ros__parameters:
      top_k: 6
`;
  const blocks = parseParamsFile(yaml, 'p.yaml');
  const value = (ns: string, name = 'mobilenetv4_classifier') => {
    const m = resolveOverrides(blocks, [], name, ns);
    return Object.fromEntries([...m].map(([k, v]) => [k, v.value]));
  };

  it('flattens nested parameter maps with dots and nested node keys with slashes', () => {
    assert.deepEqual(blocks.map((b) => b.nodeKey), ['/**', 'mobilenetv4_classifier', '/robot1/*', '/robot1/mobilenetv4_classifier', '/robot2/mobilenetv4_classifier', 'robot3/mobilenetv4_classifier']);
    assert.equal(blocks[0].params.get('qos.depth'), 7n);
  });

  it('/** applies to every node; the bare name applies in the root namespace', () => {
    assert.deepEqual(value('/'), { top_k: 2n, num_threads: 1n, backend: 'cpu', 'qos.depth': 7n });
    assert.deepEqual(value('/', 'other'), { top_k: 1n, num_threads: 1n, backend: 'cpu', 'qos.depth': 7n });
  });

  it('/ns/node beats /ns/* beats /**, and other namespaces do not leak in', () => {
    assert.deepEqual(value('/robot1'), { top_k: 4n, num_threads: 3n, backend: 'cpu', 'qos.depth': 7n });
    assert.deepEqual(value('/robot3'), { top_k: 6n, num_threads: 1n, backend: 'cpu', 'qos.depth': 7n });
    assert.deepEqual(value('/robot4'), { top_k: 1n, num_threads: 1n, backend: 'cpu', 'qos.depth': 7n });
  });

  it('matches wildcards by name tokens', () => {
    assert.ok(nodeKeyMatches('/**', '/a/b/c'));
    assert.ok(nodeKeyMatches('/**/c', '/a/b/c'));
    assert.ok(nodeKeyMatches('/**/c', '/c'));
    assert.ok(nodeKeyMatches('/a/*', '/a/b'));
    assert.ok(!nodeKeyMatches('/a/*', '/a/b/c'));
    assert.ok(!nodeKeyMatches('/a/*', '/a'));
    assert.ok(nodeKeyMatches('c', '/c'));
    assert.ok(!nodeKeyMatches('c', '/a/c'));
    assert.deepEqual(['/**', '/a/*', '/a/c', 'c'].map(keySpecificity), [0, 1, 2, 2]);
  });

  it('puts -p after every params file, later rules winning', () => {
    const params = [
      { name: 'top_k', value: 10n },
      { node: 'other', name: 'top_k', value: 20n },
      { node: 'mobilenetv4_classifier', name: 'num_threads', value: 8n },
    ];
    const m = resolveOverrides(blocks, params, 'mobilenetv4_classifier', '/robot1');
    assert.equal(m.get('top_k')!.value, 10n);
    assert.equal(m.get('top_k')!.source, '-p top_k');
    assert.equal(m.get('num_threads')!.value, 8n);
  });

  it('reads params files named in argv, later files winning at equal specificity', () => {
    const files: Record<string, string> = {
      'a.yaml': '/**:\n  ros__parameters:\n    top_k: 3\n    backend: cpu\n',
      'b.yaml': '/**:\n  ros__parameters:\n    top_k: 4\n',
    };
    const { args, overrides } = overridesFromArgv(['--ros-args', '--params-file', 'a.yaml', '--params-file', 'b.yaml', '-r', '__ns:=/x'], (f) => files[f]);
    assert.equal(args.namespace, '/x');
    assert.equal(overrides.get('top_k')!.value, 4n);
    assert.equal(overrides.get('backend')!.value, 'cpu');
    assert.throws(() => overridesFromArgv(['--ros-args', '--params-file', 'missing.yaml'], () => {
      throw Object.assign(new Error('nope'), { code: 'ENOENT' });
    }), /cannot read params file missing.yaml: ENOENT/);
  });

  it('refuses malformed params files with the file name', () => {
    assert.throws(() => parseParamsFile('a: [1, 2', 'bad.yaml'), /params file bad.yaml is not valid YAML/);
    assert.throws(() => parseParamsFile('ros__parameters:\n  a: 1\n', 'top.yaml'), /needs a node name above it/);
    assert.throws(() => parseParamsFile('/**:\n  ros__parameters: 3\n', 'x.yaml'), /must be a map/);
  });

  it('types overrides for rclnodejs, coercing integers for doubles and naming the source of bad ones', () => {
    const rcl = createFakeRclnodejs();
    const m = resolveOverrides(parseParamsFile('/**:\n  ros__parameters:\n    score_threshold: 0\n    top_k: 500\n    use_sim_time: true\n', 'f.yaml'), [], 'n', '/');
    const t = typedOverrides(rcl, m);
    assert.deepEqual(t.errors, ["top_k must be from 1 to 100 (got 500) (from f.yaml, key '/**')"]);
    const byName = new Map(t.parameters.map((p) => [p.name, p]));
    assert.equal(byName.get('score_threshold')!.type, 3);
    assert.equal(byName.get('score_threshold')!.value, 0);
    assert.equal(byName.get('use_sim_time')!.type, 1);
    assert.equal(byName.get('use_sim_time')!.value, true);
  });
});
