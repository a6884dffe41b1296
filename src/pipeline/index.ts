export { ClassifierPipeline, type PipelineOptions, type LiveOptions } from './pipeline';
export { PipelineStats, FRAME_ERROR_CODES, ENGINE_FAILURE_CODES, percentile } from './stats';
export * from './types';
