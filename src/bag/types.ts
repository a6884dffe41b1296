// What every rosbag2 reader yields, whatever the storage (MCAP or sqlite3).

/** One topic as the bag declares it. */
export interface BagTopic {
  name: string;
  type: string; // e.g. sensor_msgs/msg/Image
  serializationFormat: string; // cdr
  offeredQosProfiles: string; // YAML text as rosbag2 records it ('' when unknown)
  messageCount: number;
}

/** One recorded message: `data` is the rmw serialized message (CDR with its 4-byte encapsulation header). */
export interface BagMessage {
  topic: string;
  type: string;
  /** Receive time in nanoseconds since the recorder clock's epoch (rosbag2 `timestamp` / MCAP logTime). */
  logTime: bigint;
  data: Uint8Array;
}

export interface BagInfo {
  storage: 'mcap' | 'sqlite3';
  files: string[]; // absolute paths of the storage files, in the bag's order
  topics: BagTopic[];
  messageCount: number;
  startTime: bigint; // ns, 0n when the bag is empty
  endTime: bigint; // ns of the last message
  metadataVersion?: number; // when a metadata.yaml was read
}

export interface ReadOptions {
  /** Only these topics; all when absent. */
  topics?: readonly string[];
}

/** A storage file reader: messages in receive-time order, read lazily (never the whole file at once). */
export interface StorageReader {
  readonly info: BagInfo;
  messages(opts?: ReadOptions): AsyncGenerator<BagMessage, void, void>;
  close(): Promise<void>;
}

export const NS_PER_S = 1_000_000_000n;

export function stampToNs(stamp: { sec: number; nanosec: number }): bigint {
  return BigInt(stamp.sec) * NS_PER_S + BigInt(stamp.nanosec);
}

export function nsToStamp(ns: bigint): { sec: number; nanosec: number } {
  return { sec: Number(ns / NS_PER_S), nanosec: Number(ns % NS_PER_S) };
}
