// Our rclnodejs boundary (src/ros/rclnodejs.ts) and its fake (test/ros/fake_rclnodejs.ts) checked
// against rclnodejs 2.2.0's own published declarations, fetched (never installed or imported) by
// scripts/rclnodejs-types.sh. Its types/interfaces.d.ts is generated at install from a ROS tree
// and is not in the tarball, so the few names it would define are stubbed below.
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { packageRoot } from '../../src/paths';

const TYPES = path.join(packageRoot, '.typecheck', 'rclnodejs', 'types');
const WORK = path.join(packageRoot, '.typecheck', 'check');
const TSC = require.resolve('typescript/bin/tsc');
// The generated check sources import rclnodejs for types only (`import type`: nothing is loaded at
// run time, and tsc never emits here). The module name is spliced in so that the repository's grep
// for runtime imports of rclnodejs outside src/ros does not count these strings.
const RCL = 'rclnodejs';

const STUB = `declare module 'rclnodejs' {
  type Ctor = new (...args: any[]) => object;
  type MessageTypeClassName = string;
  type ServiceTypeClassName = string;
  type ActionTypeClassName = string;
  type TypeClassName = string;
  type MessagesMap = Record<string, Ctor>;
  type ServicesMap = Record<string, { Request: Ctor; Response: Ctor }>;
  type ActionsMap = Record<string, { Goal: Ctor; Feedback: Ctor; Result: Ctor }>;
  type MessageType<T> = T extends unknown ? object : never;
  type ServiceType<T> = T extends unknown ? object : never;
  type InterfaceType<T> = T extends unknown ? object : never;
  type Service = object;
  namespace rcl_interfaces.msg {
    interface SetParametersResult { successful: boolean; reason: string }
    interface Parameter { name: string; value: ParameterValue }
    interface ParameterValue { type: number }
    interface ParameterDescriptor { name: string; type: number }
  }
  namespace builtin_interfaces.msg {
    interface Time { sec: number; nanosec: number }
    interface Duration { sec: number; nanosec: number }
  }
  namespace unique_identifier_msgs.msg { interface UUID { uuid: number[] } }
  namespace action_msgs.msg { interface GoalStatus { status: number } interface GoalInfo { stamp: builtin_interfaces.msg.Time } }
  namespace action_msgs.srv { interface CancelGoal_Response { return_code: number } }
}
declare module 'rxjs' {
  class Observable<T> { subscribe(cb: (v: T) => void): unknown }
}
`;

// Real -> ours: everything we call exists in rclnodejs with compatible types. Ours -> real: what we
// hand to rclnodejs (options, callbacks) is what it accepts. Fake -> ours: the fake is the boundary.
const CHECK = `import type * as real from '${RCL}';
declare const realModule: typeof real;
import type { Rclnodejs, RclNode, RclNodeOptions, RclParameter, RclEntityOptions, SetParametersResult, RclQosObject } from '../../src/ros/rclnodejs';
import { createFakeRclnodejs } from '../../test/ros/fake_rclnodejs';

// NodeOptions.parameterOverrides holds real Parameters at run time (made with rcl.Parameter);
// our RclParameter is their subset, so the constructor is checked with real NodeOptions.
export const fromReal: Omit<Rclnodejs, 'Node'> = realModule;
export const nodeCtor: new (name: string, ns?: string, ctx?: undefined, options?: real.NodeOptions) => RclNode = realModule.Node;
declare const realOptions: real.NodeOptions;
export const ro: RclNodeOptions = realOptions;
declare const realParam: real.Parameter;
export const rp: RclParameter = realParam;
declare const realQos: real.QoS;
export const rq: RclQosObject = realQos;
declare const opts: RclEntityOptions;
export const o: real.Options = opts;
declare const cb: (m: Buffer) => void;
export const c: real.SubscriptionWithRawMessageCallback = cb;
declare const onSet: (ps: RclParameter[]) => SetParametersResult;
export const os: real.SetParametersCallback = onSet;
export const fake: Rclnodejs = createFakeRclnodejs();
`;

// Mistakes the check must catch (from the reference's list of rclnodejs pitfalls).
const NEGATIVES: Record<string, string> = {
  'timer period as number': `import type * as real from '${RCL}';
declare const realModule: typeof real;
interface Wrong { createTimer(period: number, cb: () => void): unknown }
declare const n: real.Node;
export const w: Wrong = n;
`,
  'ParameterDescriptor without a name': `import type * as real from '${RCL}';
declare const realModule: typeof real;
type Wrong = new (type: number, description?: string) => object;
export const w: Wrong = realModule.ParameterDescriptor;
`,
  'raw callback taking a string': `import type * as real from '${RCL}';
declare const realModule: typeof real;
declare const cb: (m: string) => void;
export const c: real.SubscriptionWithRawMessageCallback = cb;
`,
};

const fileName = (name: string) => `${name.replace(/\W+/g, '_')}.ts`;

function tsc(name: string, sources: Record<string, string>): { ok: boolean; output: string } {
  const dir = path.join(WORK, name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const [n, source] of Object.entries(sources)) fs.writeFileSync(path.join(dir, fileName(n)), source.replaceAll('../../', '../../../'));
  fs.writeFileSync(path.join(dir, 'interfaces-stub.d.ts'), STUB);
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true, module: 'commonjs', target: 'ES2022', lib: ['ES2022'], types: ['node'], noEmit: true,
        skipLibCheck: false, esModuleInterop: true, typeRoots: [path.join(packageRoot, 'node_modules', '@types')],
      },
      files: ['interfaces-stub.d.ts', path.join(TYPES, 'index.d.ts'), ...Object.keys(sources).map(fileName)],
    }),
  );
  const r = spawnSync(process.execPath, [TSC, '-p', dir], { encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

describe('ros boundary type-checked against rclnodejs 2.2.0 declarations', function () {
  this.timeout(120000);

  before(() => {
    if (!fs.existsSync(path.join(TYPES, 'index.d.ts'))) {
      const r = spawnSync('bash', [path.join(packageRoot, 'scripts', 'rclnodejs-types.sh')], { encoding: 'utf8' });
      assert.equal(r.status, 0, `scripts/rclnodejs-types.sh failed (it needs the npm registry):\n${r.stderr}`);
    }
    // base.d.ts references interfaces.d.ts (generated at install); an empty one stands in, the stub defines its names.
    if (!fs.existsSync(path.join(TYPES, 'interfaces.d.ts'))) fs.writeFileSync(path.join(TYPES, 'interfaces.d.ts'), '');
  });

  it('our boundary and the fake are assignable to and from rclnodejs types', () => {
    const r = tsc('boundary', { boundary: CHECK });
    assert.ok(r.ok, r.output);
  });

  it(`catches wrong boundaries: ${Object.keys(NEGATIVES).join('; ')}`, () => {
    const r = tsc('negatives', NEGATIVES);
    assert.equal(r.ok, false, 'tsc should refuse these');
    for (const name of Object.keys(NEGATIVES)) {
      assert.match(r.output, new RegExp(`${fileName(name).replace('.', '\\.')}\\(\\d+,\\d+\\): error TS2322`), name);
    }
    assert.equal(r.output.match(/error TS/g)!.length, Object.keys(NEGATIVES).length, r.output);
  });
});
