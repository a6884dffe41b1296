// Runs the BPU simulator's C++ test programs (native/bpu_sim/tests, built by `make -C native/bpu_sim`)
// and writes simulator model files for them. MNV4_BPU_SIM_LIB pointing into build-asan selects the
// AddressSanitizer build of the programs and the library (scripts/test-asan.sh).
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { configDir, packageRoot } from '../../src/paths';

export const simLib: string =
  process.env.MNV4_BPU_SIM_LIB ?? path.join(packageRoot, 'native', 'bpu_sim', 'build', 'libhbdnn_sim.so');
export const isAsan: boolean = simLib.includes('build-asan');
const programsDir = path.join(path.dirname(simLib), 'tests');
export const shippedModels = {
  conv_small: path.join(configDir, 'bpu_sim', 'mobilenetv4_conv_small.sim.json'),
  conv_medium: path.join(configDir, 'bpu_sim', 'mobilenetv4_conv_medium.sim.json'),
};

export interface ProgramResult {
  stdout: string;
  stderr: string;
  json: Record<string, unknown>;
}

function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  // The programs are instrumented executables: they need no preloaded runtime, and here leak
  // checking is on (unlike in node, which is not instrumented).
  delete env.LD_PRELOAD;
  if (isAsan) env.ASAN_OPTIONS = 'detect_leaks=1:halt_on_error=1:detect_odr_violation=0';
  return env;
}

export function runProgram(name: string, args: string[]): ProgramResult {
  const exe = path.join(programsDir, name);
  assert.ok(fs.existsSync(exe), `${exe} is missing: build it with \`make -C native/bpu_sim${isAsan ? ' ASAN=1' : ''}\``);
  const r = spawnSync(exe, args, { encoding: 'utf8', env: childEnv(), timeout: 300_000 });
  assert.equal(r.error, undefined, `${name} did not run: ${String(r.error)}`);
  assert.doesNotMatch(r.stderr, /Sanitizer/, `${name} ${args.join(' ')}: sanitizer report\n${r.stderr}`);
  assert.equal(r.status, 0, `${name} ${args.join(' ')} exited with ${r.status}\n${r.stderr}`);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw new Error(`${name} printed no JSON: ${r.stdout}\n${r.stderr}`);
  }
  return { stdout: r.stdout, stderr: r.stderr, json };
}

export interface TensorSpec {
  tensor_type: string;
  layout?: string;
  valid_shape: number[];
  aligned_shape?: number[];
  stride?: number[];
  aligned_byte_size?: number;
  quanti_type?: 'NONE' | 'SCALE' | 'SHIFT';
  quantize_axis?: number;
  scale?: number[];
  zero_point?: number[];
  shift?: number[];
}

export interface ModelSpec {
  model_name?: string;
  input?: TensorSpec;
  output?: TensorSpec;
  timing?: { core_ms: number; submit_overhead_ms?: number; complete_overhead_ms?: number };
  seed?: number;
  faults?: { kind: string; nth: number; code?: number; extra_ms?: number; count?: number }[];
}

let tmpDir: string | undefined;
let counter = 0;

// A model file with fast timing (the tests are about behaviour, not speed).
export function writeModel(spec: ModelSpec): string {
  tmpDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'mnv4-bpu-sim-'));
  const file = path.join(tmpDir, `model${counter++}.sim.json`);
  const doc = {
    format: 'mnv4-bpu-sim-model/1',
    model_name: spec.model_name ?? 'test_model',
    input: spec.input ?? { tensor_type: 'NV12', layout: 'NCHW', valid_shape: [1, 3, 224, 224] },
    output: spec.output ?? { tensor_type: 'F32', layout: 'NCHW', valid_shape: [1, 1000, 1, 1] },
    timing: spec.timing ?? { core_ms: 0.02 },
    seed: spec.seed ?? 7,
    faults: spec.faults ?? [],
  };
  fs.writeFileSync(file, JSON.stringify(doc));
  return file;
}

export function writeRawFile(text: string): string {
  tmpDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'mnv4-bpu-sim-'));
  const file = path.join(tmpDir, `raw${counter++}.sim.json`);
  fs.writeFileSync(file, text);
  return file;
}

export function cleanupModels(): void {
  if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
  tmpDir = undefined;
}

export interface DriverError {
  thread: number;
  frame: number;
  error: string;
}

export interface DriverResult {
  ok: boolean;
  error?: string;
  info?: { width: number; height: number; classes: number; description: string };
  frames_ok: number;
  frames_failed: number;
  session_failures: number;
  mismatches: number;
  max_abs_diff: number;
  errors: DriverError[];
  diagnostics: Record<string, unknown> & { simulator?: Record<string, unknown> };
  accounting_after_unload: Record<string, number>;
}

export interface DriverOptions {
  lib?: string;
  threads?: number;
  frames?: number;
  timeoutMs?: number;
  expectedClasses?: number;
  faults?: string[]; // KIND:NTH:CODE:EXTRA_MS:COUNT
  sessionRetries?: number;
  double?: boolean; // two sessions per thread: the next frame is written while the other task runs
}

export function runDriver(model: string, o: DriverOptions = {}): DriverResult {
  const args = ['--lib', o.lib ?? simLib, '--model', model];
  if (o.threads !== undefined) args.push('--threads', String(o.threads));
  if (o.frames !== undefined) args.push('--frames', String(o.frames));
  if (o.timeoutMs !== undefined) args.push('--timeout', String(o.timeoutMs));
  if (o.expectedClasses !== undefined) args.push('--expected-classes', String(o.expectedClasses));
  if (o.sessionRetries !== undefined) args.push('--session-retries', String(o.sessionRetries));
  for (const f of o.faults ?? []) args.push('--fault', f);
  if (o.double) args.push('--double');
  return runProgram('backend_driver', args).json as unknown as DriverResult;
}

// The accounting counters that must be zero after a clean run and unload.
export const cleanAfterUnload = [
  'live_tasks',
  'live_mem_blocks',
  'live_mem_bytes',
  'loaded_models',
  'leaked_tasks_reported',
  'leaked_mem_blocks_reported',
  'stale_input_submits',
  'uninvalidated_outputs',
  'api_misuse',
];

export function assertCleanUnload(r: DriverResult): void {
  for (const key of cleanAfterUnload) {
    assert.equal(r.accounting_after_unload[key], 0, `${key} after unload: ${JSON.stringify(r.accounting_after_unload)}`);
  }
}
