export { CpuEngine, MAX_THREADS, type CpuEngineConfig, type TransferStats } from './engine';
export { ModelRunner, type RunnerOptions, type ModelInfo } from './runner';
export { classProbabilities, fillInput, topK } from './contract';
