// Configures, builds and installs the package with the real ament_cmake (Debian's ament-cmake;
// skipped when it is absent) and stand-ins for the ROS message packages that Debian lacks
// (rosidl_default_generators records its arguments instead of generating). Then checks the
// installed tree the way ros2cli and launch_ros look at it, and runs the installed wrapper.
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { packageRoot } from '../../src/paths';

const PKG = 'mobilenetv4_classifier';
const AMENT = '/usr/share/ament_cmake/cmake/ament_cmakeConfig.cmake';

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    // os.walk does not follow symlinked directories by default.
    if (e.isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

describe('ros package: colcon-style ament_cmake install', function () {
  this.timeout(120000);
  let tmp: string;
  let prefix: string;

  before(function () {
    if (!fs.existsSync(AMENT) || spawnSync('cmake', ['--version']).status !== 0) {
      console.log('      (skipped: needs cmake and Debian ament-cmake: apt-get install ament-cmake)');
      this.skip();
    }
    if (!fs.existsSync(path.join(packageRoot, 'dist', 'src', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `bash scripts/setup.sh` first');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mnv4-ament-'));
    prefix = path.join(tmp, 'install');
    const stubs = path.join(tmp, 'stubs', 'share');
    for (const p of ['std_msgs', 'builtin_interfaces']) {
      fs.mkdirSync(path.join(stubs, p, 'cmake'), { recursive: true });
      fs.writeFileSync(path.join(stubs, p, 'cmake', `${p}Config.cmake`), `set(${p}_FOUND TRUE)\n`);
    }
    fs.mkdirSync(path.join(stubs, 'rosidl_default_generators', 'cmake'), { recursive: true });
    fs.writeFileSync(
      path.join(stubs, 'rosidl_default_generators', 'cmake', 'rosidl_default_generatorsConfig.cmake'),
      'set(rosidl_default_generators_FOUND TRUE)\nfunction(rosidl_generate_interfaces target)\n  file(WRITE "${CMAKE_BINARY_DIR}/rosidl.args" "${target};${ARGN}")\nendfunction()\n',
    );
    const build = path.join(tmp, 'build');
    const run = (args: string[]) => {
      const r = spawnSync('cmake', args, { encoding: 'utf8', maxBuffer: 64 << 20 });
      assert.equal(r.status, 0, `cmake ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
      return r;
    };
    const cfg = run(['-S', packageRoot, '-B', build, `-DCMAKE_PREFIX_PATH=${path.join(tmp, 'stubs')}`, `-DCMAKE_INSTALL_PREFIX=${prefix}`, '-DPython3_EXECUTABLE=/usr/bin/python3', '-DMNV4_INSTALL_NODE_MODULES=OFF']);
    assert.doesNotMatch(cfg.stderr, /CMake Warning/, cfg.stderr);
    run(['--build', build]);
    run(['--install', build]);
    // node_modules (hundreds of MB) is linked rather than installed here; the option defaults to ON.
    fs.symlinkSync(path.join(packageRoot, 'node_modules'), path.join(prefix, 'opt', PKG, 'node_modules'));
    assert.equal(fs.readFileSync(path.join(build, 'rosidl.args'), 'utf8'), `${PKG};msg/ClassificationLatency.msg;DEPENDENCIES;std_msgs;builtin_interfaces`);
  });

  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('registers the package in the ament index', () => {
    assert.ok(fs.existsSync(path.join(prefix, 'share', 'ament_index', 'resource_index', 'packages', PKG)));
    assert.ok(fs.existsSync(path.join(prefix, 'share', PKG, 'package.xml')));
  });

  it('`ros2 run` sees exactly one executable in lib/<pkg>: classifier_node', () => {
    // ros2pkg get_executable_paths: os.walk(lib/<pkg>), files with the executable bit.
    const exes = walk(path.join(prefix, 'lib', PKG)).filter((f) => fs.statSync(f).mode & 0o111);
    assert.deepEqual(exes.map((f) => path.relative(prefix, f)), [`lib/${PKG}/classifier_node`]);
  });

  it('`ros2 launch` finds each launch file once in share/<pkg>, with config/params.yaml beside it', () => {
    const files = walk(path.join(prefix, 'share', PKG)).map((f) => path.relative(path.join(prefix, 'share', PKG), f));
    for (const name of ['classifier.launch.py', 'classifier.launch.xml']) {
      assert.deepEqual(files.filter((f) => path.basename(f) === name), [`launch/${name}`]);
    }
    assert.ok(files.includes('config/params.yaml'));
    assert.ok(!files.some((f) => f.includes('node_modules')), 'no node_modules under share/<pkg>');
  });

  it('installs the app under opt/<pkg>, and the installed wrapper runs it', () => {
    const app = path.join(prefix, 'opt', PKG);
    for (const f of ['package.json', 'bin/mnv4.js', 'dist/src/cli/main.js', 'config/models.yaml', 'config/labels/imagenet1k_labels.txt', 'build/Release/mnv4_native.node', 'test/fixtures/models/mobilenet_v2_1.0_224_quant.onnx']) {
      assert.ok(fs.existsSync(path.join(app, f)), `${f} installed`);
    }
    assert.ok(fs.existsSync(path.join(app, 'node_modules')));
    const wrapper = path.join(prefix, 'lib', PKG, 'classifier_node');
    const help = spawnSync(wrapper, ['--help'], { encoding: 'utf8', env: { ...process.env, NODE: process.execPath } });
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /usage: mnv4 node/);
    const env: NodeJS.ProcessEnv = { ...process.env, NODE: process.execPath };
    delete env.ROS_DISTRO;
    delete env.AMENT_PREFIX_PATH;
    const noRos = spawnSync(wrapper, ['--ros-args', '-p', 'top_k:=3'], { encoding: 'utf8', env });
    assert.equal(noRos.status, 2);
    assert.match(noRos.stderr, /source \/opt\/ros\/humble\/setup\.bash/);
  });
});
