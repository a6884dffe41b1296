// The ROS package files checked against what the node declares and against ROS conventions:
// package.xml (REP 149 format 3), CMakeLists install layout, the ros2 run wrapper, the launch files
// and config/params.yaml. No ROS is installed here, so structure is checked in TypeScript.
import { strict as assert } from 'assert';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { packageRoot } from '../../src/paths';
import { parseParamsFile } from '../../src/params/overrides';
import { BUILTIN_PARAMS, PARAMS, validateParam } from '../../src/params/schema';
import { ClassifierNode } from '../../src/ros/classifier_node';
import { createFakeRclnodejs } from './fake_rclnodejs';
import { stubDeps } from './stubs';
import { parseXml, XmlError, type XmlElement } from './xml';

const read = (f: string) => fs.readFileSync(path.join(packageRoot, f), 'utf8');
const PKG = 'mobilenetv4_classifier';
/** What a running node declares (read off the fake rclnodejs after start), with the values it got. */
const DECLARED = new Set<string>();
const DEFAULTS = new Map<string, unknown>();

async function readDeclared(): Promise<void> {
  if (DECLARED.size) return;
  const rcl = createFakeRclnodejs();
  await rcl.init(undefined, ['mnv4']);
  const cls = await ClassifierNode.start({ argv: [], rcl, deps: stubDeps() });
  const node = rcl.state.nodes[0];
  for (const [name, p] of node.parameters) {
    DECLARED.add(name);
    DEFAULTS.set(name, typeof p.value === 'bigint' ? Number(p.value) : p.value);
  }
  await cls.shutdown();
  // The schema and the node agree, and rclnodejs' own use_sim_time is there too.
  assert.deepEqual([...DECLARED].sort(), [...PARAMS.map((p) => p.name), ...BUILTIN_PARAMS].sort());
}
/** Launch arguments that are not parameters. */
const LAUNCH_ONLY = new Set(['namespace', 'image_topic', 'params_file']);
const REQUIRED_ARGS = ['model_variant', 'backend', 'num_threads', 'image_topic', 'namespace', 'params_file', 'use_sim_time'];

function children(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}

describe('ros package: xml reader used by these tests', () => {
  it('refuses malformed XML', () => {
    for (const bad of ['<a><b></a>', '<a x="1" x="2"/>', '<a>&nope;</a>', '<a/><b/>', '<a x=1/>', '<a>', 'text<a/>', '<a>&</a>']) {
      assert.throws(() => parseXml(bad), XmlError, bad);
    }
    assert.deepEqual(parseXml('<?xml version="1.0"?><!-- c --><a k="&lt;v&gt;"><b/>t&amp;u</a>'), {
      name: 'a', attrs: { k: '<v>' }, text: 't&u', children: [{ name: 'b', attrs: {}, children: [], text: '' }],
    });
  });
});

describe('ros package: package.xml (REP 149 format 3)', () => {
  const root = parseXml(read('package.xml'));

  it('is a format 3 package with the required elements in schema order', () => {
    assert.equal(root.name, 'package');
    assert.equal(root.attrs.format, '3');
    const order = root.children.map((c) => c.name);
    const head = ['name', 'version', 'description'];
    assert.deepEqual(order.slice(0, 3), head);
    const rest = order.slice(3);
    const firstDep = rest.findIndex((n) => !['maintainer', 'license', 'url', 'author'].includes(n));
    const people = rest.slice(0, firstDep);
    assert.ok(people.includes('maintainer') && people.includes('license'), 'at least one maintainer and license');
    assert.ok(people.indexOf('license') > people.lastIndexOf('maintainer'), 'licenses follow maintainers');
    assert.equal(order.at(-1), 'export', 'export comes last');
    const depTags = new Set(['buildtool_depend', 'build_depend', 'build_export_depend', 'buildtool_export_depend', 'exec_depend', 'depend', 'doc_depend', 'test_depend', 'conflict', 'replace', 'group_depend', 'member_of_group']);
    for (const n of rest.slice(firstDep, -1)) assert.ok(depTags.has(n), `unexpected element <${n}>`);
  });

  it('names the package as CMake and npm do, with a valid version and maintainer email', () => {
    const pkgJson = JSON.parse(read('package.json')) as { name: string; version: string };
    assert.equal(children(root, 'name')[0].text, PKG);
    assert.match(PKG, /^[a-z][a-z0-9_]*$/);
    assert.equal(children(root, 'name')[0].text, pkgJson.name);
    assert.equal(children(root, 'version')[0].text, pkgJson.version);
    assert.match(children(root, 'version')[0].text, /^\d+\.\d+\.\d+$/);
    assert.match(children(root, 'maintainer')[0].attrs.email, /^[^@\s]+@[^@\s]+\.[a-z]+$/);
    assert.match(read('CMakeLists.txt'), new RegExp(`project\\(${PKG}\\)`));
  });

  it('builds with ament_cmake, generates its message with rosidl, and depends on what it uses', () => {
    const texts = (tag: string) => children(root, tag).map((c) => c.text.trim());
    assert.ok(texts('buildtool_depend').includes('ament_cmake'));
    assert.ok([...texts('buildtool_depend'), ...texts('build_depend')].includes('rosidl_default_generators'));
    assert.ok(texts('exec_depend').includes('rosidl_default_runtime'));
    for (const d of ['sensor_msgs', 'vision_msgs', 'diagnostic_msgs', 'std_msgs', 'builtin_interfaces', 'nodejs']) {
      assert.ok(texts('exec_depend').includes(d), `exec_depend ${d}`);
    }
    assert.deepEqual(texts('member_of_group'), ['rosidl_interface_packages']);
    assert.equal(children(children(root, 'export')[0], 'build_type')[0].text, 'ament_cmake');
  });
});

describe('ros package: CMakeLists.txt and the ros2 run wrapper', () => {
  const cmake = read('CMakeLists.txt').replace(/#.*$/gm, '');

  it('generates every message in msg/ and ends with ament_package()', () => {
    const block = /rosidl_generate_interfaces\(([\s\S]*?)\)/.exec(cmake)![1];
    for (const f of fs.readdirSync(path.join(packageRoot, 'msg'))) assert.ok(block.includes(`"msg/${f}"`), `msg/${f} is generated`);
    assert.match(cmake.trim(), /ament_package\(\)$/);
  });

  it('installs the app outside lib/<pkg> and share/<pkg>, the wrapper in lib/<pkg>, launch and config in share', () => {
    const installs = [...cmake.matchAll(/install\(([\s\S]*?)\)\n/g)].map((m) => m[1].replace(/\s+/g, ' '));
    const dest = (i: string) => /DESTINATION (\S+)/.exec(i)![1].replace('${APP_DIR}', `opt/${PKG}`).replace('${PROJECT_NAME}', PKG);
    for (const what of ['package.json', '/bin', '/dist', '/config', 'build/Release', '/node_modules']) {
      const i = installs.find((x) => x.includes(what) && x.includes('APP_DIR'));
      assert.ok(i, `${what} is installed with the app`);
      assert.match(dest(i), new RegExp(`^opt/${PKG}(/|$)`), `${what} goes under opt/${PKG}`);
    }
    assert.match(cmake, new RegExp(`set\\(APP_DIR opt/\\$\\{PROJECT_NAME\\}\\)`));
    const wrapper = installs.find((x) => x.startsWith('PROGRAMS'))!;
    assert.equal(wrapper, 'PROGRAMS scripts/classifier_node DESTINATION lib/${PROJECT_NAME}');
    const share = installs.find((x) => x.startsWith('DIRECTORY launch'))!;
    assert.equal(dest(share), `share/${PKG}`);
    assert.ok(installs.filter((x) => dest(x).startsWith(`lib/${PKG}`)).length === 1, 'nothing else under lib/<pkg>');
  });

  it('the wrapper execs node on the installed app with every argument', () => {
    const wrapper = path.join(packageRoot, 'scripts', 'classifier_node');
    assert.ok(fs.statSync(wrapper).mode & 0o111, 'executable');
    const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'mnv4-prefix-'));
    try {
      fs.mkdirSync(path.join(prefix, 'lib', PKG), { recursive: true });
      fs.mkdirSync(path.join(prefix, 'opt', PKG, 'bin'), { recursive: true });
      fs.copyFileSync(wrapper, path.join(prefix, 'lib', PKG, 'classifier_node'));
      fs.chmodSync(path.join(prefix, 'lib', PKG, 'classifier_node'), 0o755);
      fs.writeFileSync(path.join(prefix, 'opt', PKG, 'bin', 'mnv4.js'), 'console.log(JSON.stringify({ script: __filename, args: process.argv.slice(2) }));\n');
      const out = execFileSync(path.join(prefix, 'lib', PKG, 'classifier_node'), ['--ros-args', '-r', '__ns:=/a b', '-p', 'top_k:=3'], { encoding: 'utf8', env: { ...process.env, NODE: process.execPath } });
      const got = JSON.parse(out) as { script: string; args: string[] };
      assert.equal(fs.realpathSync(got.script), fs.realpathSync(path.join(prefix, 'opt', PKG, 'bin', 'mnv4.js')));
      assert.deepEqual(got.args, ['node', '--ros-args', '-r', '__ns:=/a b', '-p', 'top_k:=3']);
      fs.rmSync(path.join(prefix, 'opt'), { recursive: true });
      const r = spawnSync(path.join(prefix, 'lib', PKG, 'classifier_node'), [], { encoding: 'utf8' });
      assert.equal(r.status, 2);
      assert.match(r.stderr, /mnv4\.js not found; rebuild with colcon build/);
    } finally {
      fs.rmSync(prefix, { recursive: true, force: true });
    }
  });
});

describe('ros package: config/params.yaml', () => {
  before(readDeclared);
  const blocks = parseParamsFile(read('config/params.yaml'), 'config/params.yaml');

  it('is keyed /** and holds every declared parameter at its default, and nothing else', () => {
    assert.deepEqual(blocks.map((b) => b.nodeKey), ['/**']);
    const p = blocks[0].params;
    assert.deepEqual([...p.keys()].sort(), [...DECLARED].sort());
    for (const [name, v] of p) {
      if (name === 'use_sim_time') {
        assert.equal(v, false);
        continue;
      }
      const r = validateParam(name, v);
      assert.ok(r.ok, `${name}: ${r.ok ? '' : r.reason}`);
      assert.equal(r.value, DEFAULTS.get(name), `${name} default`);
    }
  });
});

interface LaunchArg {
  name: string;
  default: string;
}

function pythonLaunch(): { args: LaunchArg[]; params: string[]; remaps: string[]; node: Record<string, string> } {
  const py = read('launch/classifier.launch.py');
  const args = [...py.matchAll(/DeclareLaunchArgument\(\s*'([^']+)',\s*(?:default_value=(?:'([^']*)'|(PathJoinSubstitution\(\s*\[[^\]]*\]\s*\))))?/g)].map((m) => ({ name: m[1], default: m[2] ?? m[3] ?? '' }));
  const dict = /\{\s*([\s\S]*?)\s*\},\s*\]/.exec(py)![1];
  const params = [...dict.matchAll(/'([^']+)':/g)].map((m) => m[1]);
  const remapBlock = /remappings=\[([\s\S]*?)\n\s*\]/.exec(py)![1];
  const remaps = [...remapBlock.matchAll(/\('([^']+)', /g)].map((m) => m[1]);
  const node = Object.fromEntries([...py.matchAll(/\b(package|executable|name)='([^']+)'/g)].map((m) => [m[1], m[2]]));
  return { args, params, remaps, node };
}

function xmlLaunch() {
  const root = parseXml(read('launch/classifier.launch.xml'));
  const args = children(root, 'arg').map((a) => ({ name: a.attrs.name, default: a.attrs.default }));
  const node = children(root, 'node')[0];
  const params = children(node, 'param').filter((p) => p.attrs.name).map((p) => ({ name: p.attrs.name, value: p.attrs.value }));
  const from = children(node, 'param').filter((p) => p.attrs.from).map((p) => p.attrs.from);
  const remaps = children(node, 'remap').map((r) => [r.attrs.from, r.attrs.to]);
  return { root, args, node, params, from, remaps };
}

function checkArgsAgainstSchema(args: LaunchArg[], kind: string) {
  const names = args.map((a) => a.name);
  for (const r of REQUIRED_ARGS) assert.ok(names.includes(r), `${kind}: launch argument ${r}`);
  for (const a of args) {
    if (LAUNCH_ONLY.has(a.name)) continue;
    assert.ok(DECLARED.has(a.name), `${kind}: launch argument ${a.name} is not a parameter the node declares`);
    const def = DEFAULTS.get(a.name);
    assert.equal(a.default, String(def), `${kind}: default of ${a.name} matches the parameter's`);
  }
}

describe('ros package: launch files against the declared parameters', () => {
  before(readDeclared);
  it('classifier.launch.py compiles and its arguments are declared parameters with the same defaults', () => {
    const r = spawnSync('/usr/bin/python3', ['-c', 'import sys, ast; ast.parse(open(sys.argv[1]).read())', path.join(packageRoot, 'launch/classifier.launch.py')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const l = pythonLaunch();
    checkArgsAgainstSchema(l.args, 'launch.py');
    for (const p of l.params) assert.ok(DECLARED.has(p), `launch.py sets undeclared parameter ${p}`);
    for (const a of l.args.filter((x) => !LAUNCH_ONLY.has(x.name))) assert.ok(l.params.includes(a.name), `launch.py passes ${a.name} to the node`);
    assert.deepEqual(l.node, { package: PKG, executable: 'classifier_node', name: PKG });
    assert.deepEqual(l.remaps, ['image_raw', 'image_raw/compressed']);
    assert.match(l.args.find((a) => a.name === 'params_file')!.default, /FindPackageShare\('mobilenetv4_classifier'\), 'config', 'params\.yaml'/);
  });

  it('classifier.launch.xml is well-formed and mirrors the Python file', () => {
    const x = xmlLaunch();
    assert.equal(x.root.name, 'launch');
    checkArgsAgainstSchema(x.args, 'launch.xml');
    assert.deepEqual(x.args.map((a) => a.name).sort(), pythonLaunch().args.map((a) => a.name).sort());
    for (const p of x.params) assert.ok(DECLARED.has(p.name), `launch.xml sets undeclared parameter ${p.name}`);
    assert.deepEqual(x.params.map((p) => p.name).sort(), pythonLaunch().params.sort());
    for (const p of x.params) assert.equal(p.value, `$(var ${p.name})`);
    assert.deepEqual(x.from, ['$(var params_file)']);
    assert.deepEqual(x.node.attrs, { pkg: PKG, exec: 'classifier_node', name: PKG, namespace: '$(var namespace)', output: 'screen' });
    assert.deepEqual(x.remaps, [['image_raw', '$(var image_topic)'], ['image_raw/compressed', '$(var image_topic)/compressed']]);
    assert.equal(x.args.find((a) => a.name === 'params_file')!.default, '$(find-pkg-share mobilenetv4_classifier)/config/params.yaml');
  });
});
