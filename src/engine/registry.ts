// The model registry (config/models.yaml plus an optional user file): which file a model name means
// on each backend, where to look for it, where to download it, and the ONNX input contract.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import YAML from 'yaml';
import { z } from 'zod';
import { ModelError } from '../errors';
import { configDir } from '../paths';
import type { BackendKind } from './types';

// ---- input contracts ------------------------------------------------------------------------------

/** How an ONNX classifier wants its input and how to read its output. */
export interface InputContract {
  input: {
    name: string;
    layout: 'nchw' | 'nhwc';
    dtype: 'float32' | 'uint8';
    /** float32 only, on the 0..1 scale: x = (v/255 - mean) / std. */
    mean: [number, number, number];
    std: [number, number, number];
  };
  output: {
    name: string;
    kind: 'logits' | 'probs';
    classes: number;
    /** Output index of ImageNet-1k class 0 (1 for background-first models). */
    classOffset: number;
  };
}

/** timm's ONNX export (onnx_export.py): `input0` float NCHW ImageNet-normalised, `output0` logits. */
export const TIMM_CONTRACT: InputContract = {
  input: { name: 'input0', layout: 'nchw', dtype: 'float32', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  output: { name: 'output0', kind: 'logits', classes: 1000, classOffset: 0 },
};

const triple = z.tuple([z.number(), z.number(), z.number()]);
const contractObject = z.strictObject({
  input: z.strictObject({
    name: z.string().min(1),
    layout: z.enum(['nchw', 'nhwc']),
    dtype: z.enum(['float32', 'uint8']),
    mean: triple.optional(),
    std: triple.refine((s) => s.every((v) => v > 0), 'std values must be > 0').optional(),
  }),
  output: z.strictObject({
    name: z.string().min(1),
    kind: z.enum(['logits', 'probs']).default('logits'),
    classes: z.number().int().min(1000).max(1001),
    class_offset: z.number().int().min(0).max(1).default(0),
  }),
});
const contractSchema = z.union([z.literal('timm'), contractObject]);

function toContract(c: z.infer<typeof contractSchema>): InputContract {
  if (c === 'timm') return TIMM_CONTRACT;
  if (c.output.classes - c.output.class_offset !== 1000) {
    throw new ModelError(`output.classes ${c.output.classes} with class_offset ${c.output.class_offset} does not give the 1000 ImageNet classes`);
  }
  return {
    input: {
      name: c.input.name,
      layout: c.input.layout,
      dtype: c.input.dtype,
      mean: c.input.mean ?? TIMM_CONTRACT.input.mean,
      std: c.input.std ?? TIMM_CONTRACT.input.std,
    },
    output: { name: c.output.name, kind: c.output.kind, classes: c.output.classes, classOffset: c.output.class_offset },
  };
}

// ---- registry file schema ---------------------------------------------------------------------------

const evenSide = z.number().int().min(2).max(4096).refine((v) => v % 2 === 0, 'must be even');
const fileSpec = {
  file: z.string().min(1),
  search_dirs: z.array(z.string().min(1)).default([]),
};
const entrySchema = z.strictObject({
  description: z.string().default(''),
  input: z.strictObject({ width: evenSide, height: evenSide }).default({ width: 224, height: 224 }),
  labels: z.string().min(1),
  bpu: z
    .strictObject({
      ...fileSpec,
      url: z.url({ protocol: /^https?$/ }).optional(),
      size: z.number().int().positive().optional(),
      sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex digits').optional(),
    })
    .optional(),
  bpu_sim: z.strictObject({ file: z.string().min(1) }).optional(),
  cpu: z.strictObject({ ...fileSpec, contract: contractSchema.default('timm'), missing_hint: z.string().optional() }).optional(),
});
const registrySchema = z.strictObject({
  models: z.record(z.string(), entrySchema),
});

export interface ModelEntry {
  name: string;
  description: string;
  inputWidth: number;
  inputHeight: number;
  labelsPath: string;
  /** The registry file this entry came from (relative paths resolve against its directory). */
  source: string;
  bpu?: { file: string; url?: string; size?: number; sha256?: string; searchDirs: string[] };
  bpuSim?: { file: string };
  cpu?: { file: string; searchDirs: string[]; contract: InputContract; missingHint?: string };
}

export type Registry = Map<string, ModelEntry>;

export const DEFAULT_REGISTRY_FILE = path.join(configDir, 'models.yaml');

/** The download cache and first search directory for bare file names. */
export function modelCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.MNV4_MODEL_DIR || path.join(os.homedir(), '.cache', 'mobilenetv4_classifier', 'models');
}

/** Parses one registry file; errors name the file and the offending key. */
export function parseRegistry(text: string, source: string): Registry {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    throw new ModelError(`model registry ${source} is not valid YAML: ${(err as Error).message}`);
  }
  const parsed = registrySchema.safeParse(doc);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw new ModelError(`model registry ${source} is invalid:\n${issues.join('\n')}`);
  }
  const badName = Object.keys(parsed.data.models).find((n) => !/^[A-Za-z0-9._-]+$/.test(n));
  if (badName !== undefined) {
    throw new ModelError(`model registry ${source} is invalid:\n  models.${badName}: model names use letters, digits, ".", "_" and "-"`);
  }
  const base = path.dirname(path.resolve(source));
  const at = (p: string) => (path.isAbsolute(p) ? p : path.resolve(base, p));
  // Bare names ("x.onnx") are searched for; anything with a directory part is a path.
  const keepBare = (p: string) => (p.includes('/') || p.includes(path.sep) ? at(p) : p);
  const out: Registry = new Map();
  for (const [name, e] of Object.entries(parsed.data.models)) {
    let contract: InputContract | undefined;
    try {
      contract = e.cpu ? toContract(e.cpu.contract) : undefined;
    } catch (err) {
      throw new ModelError(`model registry ${source} is invalid:\n  models.${name}.cpu.contract: ${(err as Error).message}`);
    }
    out.set(name, {
      name,
      description: e.description,
      inputWidth: e.input.width,
      inputHeight: e.input.height,
      labelsPath: at(e.labels),
      source,
      bpu: e.bpu && { file: keepBare(e.bpu.file), url: e.bpu.url, size: e.bpu.size, sha256: e.bpu.sha256?.toLowerCase(), searchDirs: e.bpu.search_dirs.map(at) },
      bpuSim: e.bpu_sim && { file: at(e.bpu_sim.file) },
      cpu: e.cpu && contract && { file: keepBare(e.cpu.file), searchDirs: e.cpu.search_dirs.map(at), contract, missingHint: e.cpu.missing_hint },
    });
  }
  return out;
}

export function readRegistryFile(file: string): Registry {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ModelError(`cannot read the model registry ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseRegistry(text, file);
}

/** The package registry, plus the user's (`userFile`, else $MNV4_MODEL_REGISTRY) on top. */
export function loadRegistry(userFile?: string, env: NodeJS.ProcessEnv = process.env): Registry {
  const reg = readRegistryFile(DEFAULT_REGISTRY_FILE);
  const extra = userFile ?? env.MNV4_MODEL_REGISTRY;
  if (extra) for (const [k, v] of readRegistryFile(extra)) reg.set(k, v);
  return reg;
}

// ---- resolution ---------------------------------------------------------------------------------

export interface ResolvedModel {
  /** Registry name, or the file path when a path was given. */
  name: string;
  backend: BackendKind;
  /** The file to load when it exists; otherwise the first place it was looked for. */
  modelPath: string;
  exists: boolean;
  /** Every place looked at, in order. */
  searched: string[];
  inputWidth: number;
  inputHeight: number;
  labelsPath: string;
  contract?: InputContract;
  entry?: ModelEntry;
  /** What to do when the file is missing. */
  hint: string;
}

export interface ResolveOptions {
  registry?: Registry;
  env?: NodeJS.ProcessEnv;
  /** Contract for a bare .onnx path (default timm). */
  contract?: InputContract;
}

const DEFAULT_LABELS = path.join(configDir, 'labels', 'imagenet1k_labels.txt');

function looksLikePath(s: string): boolean {
  return s.includes('/') || s.includes(path.sep) || /\.(onnx|bin|json)$/i.test(s);
}

function search(file: string, dirs: string[]): { found?: string; searched: string[] } {
  if (path.isAbsolute(file)) return { found: fs.existsSync(file) ? file : undefined, searched: [file] };
  const searched = dirs.map((d) => path.join(d, file));
  return { found: searched.find((p) => fs.existsSync(p)), searched };
}

/**
 * What to load for `nameOrPath` on `backend`. A registry name is looked up; a file path is taken
 * as is (.onnx for cpu with the timm contract unless `contract` is given, .bin for bpu, a
 * simulator .json for bpu-sim). Throws ModelError when the name is unknown or has no file for
 * that backend; a file that is merely absent comes back with exists=false and a hint.
 */
export function resolveModel(nameOrPath: string, backend: BackendKind, opts: ResolveOptions = {}): ResolvedModel {
  const env = opts.env ?? process.env;
  const registry = opts.registry ?? loadRegistry(undefined, env);
  const entry = registry.get(nameOrPath);
  if (!entry) {
    if (!looksLikePath(nameOrPath)) {
      throw new ModelError(`unknown model '${nameOrPath}'; known: ${[...registry.keys()].join(', ')} (or give a path to a .onnx/.bin file)`);
    }
    return resolvePath(nameOrPath, backend, opts.contract);
  }
  const cache = modelCacheDir(env);
  const base = {
    name: entry.name,
    backend,
    inputWidth: entry.inputWidth,
    inputHeight: entry.inputHeight,
    labelsPath: entry.labelsPath,
    entry,
  };
  if (backend === 'cpu') {
    if (!entry.cpu) throw new ModelError(`model '${entry.name}' has no ONNX file for the cpu backend in ${entry.source}`);
    const r = search(entry.cpu.file, [...entry.cpu.searchDirs, cache]);
    const hint = entry.cpu.missingHint ?? `put ${path.basename(entry.cpu.file)} in ${cache} (or set MNV4_MODEL_DIR), or pass --model PATH.onnx`;
    return { ...base, modelPath: r.found ?? r.searched[0], exists: !!r.found, searched: r.searched, contract: entry.cpu.contract, hint };
  }
  if (backend === 'bpu') {
    if (!entry.bpu) throw new ModelError(`model '${entry.name}' has no .bin for the BPU in ${entry.source}`);
    const r = search(entry.bpu.file, [...entry.bpu.searchDirs, cache]);
    const hint = entry.bpu.url
      ? `run \`mnv4 models download ${entry.name}\` (fetches ${entry.bpu.url} into ${cache})`
      : `put ${path.basename(entry.bpu.file)} in ${cache} (or set MNV4_MODEL_DIR)`;
    return { ...base, modelPath: r.found ?? r.searched[0], exists: !!r.found, searched: r.searched, hint };
  }
  if (!entry.bpuSim) throw new ModelError(`model '${entry.name}' has no simulator model file for bpu-sim in ${entry.source}`);
  const exists = fs.existsSync(entry.bpuSim.file);
  return {
    ...base,
    modelPath: entry.bpuSim.file,
    exists,
    searched: [entry.bpuSim.file],
    hint: `the simulator model file ${entry.bpuSim.file} ships with the package; rebuild or reinstall it`,
  };
}

function resolvePath(p: string, backend: BackendKind, contract?: InputContract): ResolvedModel {
  const file = path.resolve(p);
  const ext = path.extname(file).toLowerCase();
  const wanted: Record<BackendKind, string> = { cpu: '.onnx', bpu: '.bin', 'bpu-sim': '.json' };
  if (ext !== wanted[backend]) {
    throw new ModelError(`model file ${p} is not a ${wanted[backend]} file, which the ${backend} backend needs`);
  }
  return {
    name: p,
    backend,
    modelPath: file,
    exists: fs.existsSync(file),
    searched: [file],
    inputWidth: 224,
    inputHeight: 224,
    labelsPath: DEFAULT_LABELS,
    contract: backend === 'cpu' ? (contract ?? TIMM_CONTRACT) : undefined,
    hint: `check the path ${file}`,
  };
}

/** The backend a model file path implies, if any. */
export function backendForPath(p: string): BackendKind | undefined {
  const ext = path.extname(p).toLowerCase();
  if (ext === '.onnx') return 'cpu';
  if (ext === '.bin') return 'bpu';
  if (p.toLowerCase().endsWith('.sim.json')) return 'bpu-sim';
  return undefined;
}
