import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { packageRoot } from '../../src/paths';
import { loadRclnodejs, rosEnvironmentProblem, RosUnavailableError } from '../../src/ros/load';
import { createFakeRclnodejs } from './fake_rclnodejs';

const ROS_ENV = { ROS_DISTRO: 'humble', AMENT_PREFIX_PATH: '/opt/ros/humble' };

describe('ros: loading rclnodejs and `mnv4 node` without ROS', function () {
  this.timeout(60000);
  it('says what to source when ROS 2 is not sourced, and never requires rclnodejs then', () => {
    const problem = rosEnvironmentProblem({});
    assert.match(problem!, /ROS_DISTRO and AMENT_PREFIX_PATH not set/);
    assert.match(problem!, /source \/opt\/ros\/humble\/setup\.bash/);
    assert.match(problem!, /source \/opt\/tros\/humble\/setup\.bash/);
    assert.match(problem!, /npm install --no-save rclnodejs@2\.2\.0/);
    assert.equal(rosEnvironmentProblem(ROS_ENV), undefined);
    let required = false;
    assert.throws(() => loadRclnodejs({ ROS_DISTRO: 'humble' }, () => (required = true)), (e: unknown) => e instanceof RosUnavailableError && /AMENT_PREFIX_PATH not set/.test((e as Error).message));
    assert.equal(required, false);
  });

  it('reports a missing or broken rclnodejs clearly, and takes the CommonJS or the default export', () => {
    const notFound = () => {
      throw Object.assign(new Error("Cannot find module 'rclnodejs'"), { code: 'MODULE_NOT_FOUND' });
    };
    assert.throws(() => loadRclnodejs(ROS_ENV, notFound), /rclnodejs is not installed \(ROS_DISTRO=humble\)/);
    assert.throws(() => loadRclnodejs(ROS_ENV, () => {
      throw new Error('librcl.so: cannot open shared object file');
    }), /rclnodejs failed to load: librcl\.so/);
    const fake = createFakeRclnodejs();
    assert.equal(loadRclnodejs(ROS_ENV, () => fake), fake);
    assert.equal(loadRclnodejs(ROS_ENV, () => ({ default: fake })), fake);
  });

  it('`mnv4 node` exits non-zero at once without a sourced ROS 2, saying what to source', () => {
    const env = { ...process.env };
    delete env.ROS_DISTRO;
    delete env.AMENT_PREFIX_PATH;
    const r = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', "require('./src/cli/main').main(process.argv.slice(1)).then((c) => { process.exitCode = c; })", 'node', '--ros-args', '-p', 'top_k:=3'], {
      cwd: packageRoot,
      env,
      encoding: 'utf8',
      timeout: 60000,
    });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /mnv4 node: no ROS 2 environment/);
    assert.match(r.stderr, /source \/opt\/ros\/humble\/setup\.bash/);
    assert.equal(r.stdout, '');
    // With ROS "sourced" but rclnodejs absent (it is never installed here): also a clear exit 2.
    const r2 = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', "require('./src/cli/main').main(['node']).then((c) => { process.exitCode = c; })"], {
      cwd: packageRoot,
      env: { ...env, ...ROS_ENV },
      encoding: 'utf8',
      timeout: 60000,
    });
    assert.equal(r2.status, 2, r2.stderr);
    assert.match(r2.stderr, /rclnodejs is not installed/);
  });

  it('`mnv4 node --help` documents the node without needing ROS', () => {
    const r = spawnSync(process.execPath, [path.join(packageRoot, 'bin', 'mnv4.js'), 'node', '--help'], { encoding: 'utf8', env: { ...process.env, ROS_DISTRO: '' } });
    if (r.status !== 0 && /dist.*missing/.test(r.stderr)) throw new Error('run `bash scripts/setup.sh` first (dist/ is missing)');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /usage: mnv4 node \[--ros-args/);
    assert.match(r.stdout, /image_raw\/compressed/);
  });

  it('only src/ros/load.ts loads rclnodejs, and only with require() inside a function', () => {
    const hits: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith('.ts')) {
          const code = fs.readFileSync(p, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
          if (/\(\s*['"]rclnodejs['"]\s*\)|from\s+['"]rclnodejs['"]/.test(code)) hits.push(path.relative(packageRoot, p));
        }
      }
    };
    walk(path.join(packageRoot, 'src'));
    assert.deepEqual(hits, ['src/ros/load.ts']);
    const load = fs.readFileSync(path.join(packageRoot, 'src', 'ros', 'load.ts'), 'utf8');
    assert.doesNotMatch(load, /^import[^\n]*['"]rclnodejs['"]/m, 'no top-level import');
    assert.match(load, /^\s+mod = req\('rclnodejs'\);$/m);
  });
});
