// Opens an engine for a model name or path on a backend, `auto` choosing the BPU where it can run.
import * as fs from 'fs';
import { ModelError } from '../errors';
import { CpuEngine } from './cpu/engine';
import { loadLabels } from './labels';
import { BACKEND_KINDS, type BackendKind, type Engine, type EngineOptions } from './types';
import { backendForPath, loadRegistry, resolveModel, type InputContract, type Registry, type ResolvedModel } from './registry';

export type BackendChoice = 'auto' | BackendKind;
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', ...BACKEND_KINDS];

export interface OpenEngineRequest {
  /** A registry name or a model file path. */
  model: string;
  backend: BackendChoice;
  options: EngineOptions;
  /** The registry to use (default: the package's plus $MNV4_MODEL_REGISTRY), or a user registry file. */
  registry?: Registry | string;
  /** libdnn for the BPU (default $MNV4_LIBDNN, else libdnn.so on the loader path). */
  libPath?: string;
  /** Contract for a bare .onnx path (default timm). */
  contract?: InputContract;
  env?: NodeJS.ProcessEnv;
}

export interface ResolvedEngine {
  backend: BackendKind;
  model: ResolvedModel;
  /** Why this backend: the `auto` decision, or "requested". */
  reason: string;
  /** 1000 ImageNet-1k names, index = class index. */
  labels: string[];
}

/** The slice of src/engine/native.ts used here (the native pool engine, BPU or simulator). */
interface NativeModule {
  NativeEngine: {
    open(config: EngineOptions & { backend: 'bpu' | 'bpu-sim'; modelPath: string; libPath?: string; modelName: string; expectedClasses?: number }): Promise<Engine>;
  };
}

/** Whether the dynamic loader can open libdnn (without calling into it). */
export function probeLibdnn(libPath: string): { ok: boolean; reason: string } {
  // process.dlopen runs dlopen(); a library that opens but is not a Node addon then fails with
  // "did not self-register" (or "no module registered"), which still means it loaded.
  const mod = { exports: {} };
  try {
    process.dlopen(mod, libPath);
    return { ok: true, reason: `${libPath} loads` };
  } catch (err) {
    const msg = (err as Error).message;
    if (/self-register|Module did not|no module|napi_register_module/i.test(msg)) return { ok: true, reason: `${libPath} loads` };
    return { ok: false, reason: `${libPath} does not load (${msg.split('\n')[0]})` };
  }
}

/** Picks the backend and the model file without opening anything. */
export function resolveEngine(req: Omit<OpenEngineRequest, 'options'>): ResolvedEngine {
  const env = req.env ?? process.env;
  const registry = typeof req.registry === 'string' || req.registry === undefined ? loadRegistry(req.registry, env) : req.registry;
  const ropts = { registry, env, contract: req.contract };
  let backend: BackendKind;
  let model: ResolvedModel;
  let reason: string;
  if (req.backend === 'auto') {
    const implied = registry.has(req.model) ? undefined : backendForPath(req.model);
    if (implied) {
      backend = implied;
      model = resolveModel(req.model, backend, ropts);
      reason = `auto: the file type ${req.model} implies ${backend}`;
    } else {
      const entry = registry.get(req.model);
      if (!entry) throw new ModelError(`unknown model '${req.model}'; known: ${[...registry.keys()].join(', ')} (or give a path to a .onnx/.bin file)`);
      const lib = req.libPath ?? env.MNV4_LIBDNN ?? 'libdnn.so';
      let why: string;
      if (!entry.bpu) {
        why = `model '${req.model}' has no BPU .bin`;
      } else {
        const bin = resolveModel(req.model, 'bpu', ropts);
        if (!bin.exists) {
          why = `no ${bin.modelPath.split('/').pop()} (looked in ${bin.searched.join(', ')})`;
        } else {
          const probe = probeLibdnn(lib);
          if (probe.ok) {
            return { backend: 'bpu', model: bin, reason: `auto: BPU (${probe.reason}, ${bin.modelPath} exists)`, labels: loadLabels(bin.labelsPath) };
          }
          why = probe.reason;
        }
      }
      backend = 'cpu';
      reason = `auto: CPU because ${why}`;
      try {
        model = resolveModel(req.model, 'cpu', ropts);
      } catch (err) {
        throw new ModelError(`${(err as Error).message} [${reason}]`);
      }
    }
  } else {
    backend = req.backend;
    model = resolveModel(req.model, backend, ropts);
    reason = `requested ${backend}`;
  }
  return { backend, model, reason, labels: loadLabels(model.labelsPath) };
}

/**
 * Opens the engine. A missing or unloadable model file rejects with a ModelError that says what
 * to do; nothing here crashes the process.
 */
export async function openEngine(req: OpenEngineRequest): Promise<{ engine: Engine; resolved: ResolvedEngine }> {
  const resolved = resolveEngine(req);
  const { model, backend } = resolved;
  if (!model.exists) {
    const why = req.backend === 'auto' ? ` [${resolved.reason}]` : '';
    throw new ModelError(`model '${model.name}' for the ${backend} backend not found (looked in ${model.searched.join(', ')})${why}. ${model.hint}`);
  }
  if (!fs.statSync(model.modelPath).isFile()) throw new ModelError(`model path ${model.modelPath} is not a file`);
  const options: EngineOptions = {
    ...req.options,
    preprocess: { ...req.options.preprocess, width: model.inputWidth, height: model.inputHeight },
  };
  if (backend === 'cpu') {
    if (!model.contract) throw new ModelError(`model '${model.name}' has no input contract for the cpu backend`);
    const engine = await CpuEngine.open({ ...options, modelPath: model.modelPath, modelName: model.name, contract: model.contract });
    return { engine, resolved };
  }
  let native: NativeModule;
  try {
    native = require('./native') as NativeModule;
  } catch (err) {
    throw new Error(`the native engine is not available in this build (${(err as Error).message.split('\n')[0]})`);
  }
  const libPath = backend === 'bpu' ? (req.libPath ?? (req.env ?? process.env).MNV4_LIBDNN) : undefined;
  const engine = await native.NativeEngine.open({
    ...options,
    backend,
    modelPath: model.modelPath,
    modelName: model.name,
    expectedClasses: resolved.labels.length,
    ...(libPath ? { libPath } : {}),
  });
  return { engine, resolved };
}

export { CpuEngine } from './cpu/engine';
export { loadLabels } from './labels';
export { loadRegistry, resolveModel, TIMM_CONTRACT, type InputContract, type ResolvedModel } from './registry';
