// rosbag2 reading/writing and offline replay (no ROS needed).
export { openBag, sniffStorage, type StorageKind } from './open';
export { createBagWriter, type BagWriter, type TopicSpec } from './writer';
export { parseMetadata, readMetadata, formatMetadataV5, type BagMetadata } from './metadata';
export { qosProfileYaml, QOS_DEFAULT, QOS_LATCHED, QOS_SENSOR_DATA, type QosSpec } from './qos';
export { replay, selectTopics, summaryJson, RESULT_TOPICS, ReplayInvariantError } from './replay';
export type { FrameRecord, PipelineLike, ReplayError, ReplayOptions, ReplayResult } from './replay';
export { compareGolden, formatGolden, readResults, frameKey, type GoldenReport, type ResultFrame } from './golden';
export { renderReport, type ReportInput, type Thumbnail } from './report';
export type { BagInfo, BagMessage, BagTopic, ReadOptions, StorageReader } from './types';
