// Bags written WITHOUT this package's code: Foxglove's CDR serializer, @mcap/core's writer used
// directly, and a Humble-layout sqlite3 file made with plain SQL. They are the independent input
// the readers and the replay are checked against.
import * as fs from 'fs';
import * as path from 'path';
import Database from 'better-sqlite3';
import { McapWriter } from '@mcap/core';
import { MessageWriter } from '@foxglove/rosmsg2-serialization';
import { ros2humble } from '@foxglove/rosmsg-msgs-common';

export interface RawMsg {
  topic: string;
  type: string;
  logTime: bigint;
  data: Uint8Array;
}

const defs = ros2humble as unknown as Record<string, ConstructorParameters<typeof MessageWriter>[0][number]>;
const deps = [defs['std_msgs/Header'], defs['builtin_interfaces/Time']];
const imageWriter = new MessageWriter([defs['sensor_msgs/Image'], ...deps]);
const compressedWriter = new MessageWriter([defs['sensor_msgs/CompressedImage'], ...deps]);
const stringWriter = new MessageWriter([defs['std_msgs/String']]);

export interface HeaderIn {
  stamp: { sec: number; nanosec: number };
  frame_id: string;
}

export function fgImage(m: { header: HeaderIn; width: number; height: number; encoding: string; step: number; data: Uint8Array }): Uint8Array {
  return imageWriter.writeMessage({ ...m, is_bigendian: 0 });
}

export function fgCompressed(m: { header: HeaderIn; format: string; data: Uint8Array }): Uint8Array {
  return compressedWriter.writeMessage(m);
}

export function fgString(s: string): Uint8Array {
  return stringWriter.writeMessage({ data: s });
}

// Hand-written Humble .msg texts (not this package's definitions.ts).
const RULE = '='.repeat(80);
const HEADER_TXT = `${RULE}\nMSG: std_msgs/Header\nbuiltin_interfaces/Time stamp\nstring frame_id\n${RULE}\nMSG: builtin_interfaces/Time\nint32 sec\nuint32 nanosec\n`;
export const SCHEMA_TEXT: Record<string, string> = {
  'sensor_msgs/msg/Image': `std_msgs/Header header\nuint32 height\nuint32 width\nstring encoding\nuint8 is_bigendian\nuint32 step\nuint8[] data\n${HEADER_TXT}`,
  'sensor_msgs/msg/CompressedImage': `std_msgs/Header header\nstring format\nuint8[] data\n${HEADER_TXT}`,
  'std_msgs/msg/String': 'string data\n',
};

const QOS = '- history: 3\n  depth: 0\n  reliability: 1\n  durability: 2\n  deadline:\n    sec: 9223372036\n    nsec: 854775807\n  lifespan:\n    sec: 9223372036\n    nsec: 854775807\n  liveliness: 1\n  liveliness_lease_duration:\n    sec: 9223372036\n    nsec: 854775807\n  avoid_ros_namespace_conventions: false';

class BufWritable {
  chunks: Uint8Array[] = [];
  private pos = 0n;
  async write(b: Uint8Array): Promise<void> {
    this.chunks.push(b.slice());
    this.pos += BigInt(b.length);
  }
  position(): bigint {
    return this.pos;
  }
}

/** An MCAP file as rosbag2's MCAP plugin lays it out; `indexed: false` leaves out chunks and summary. */
export async function writeMcap(file: string, msgs: RawMsg[], opts: { indexed?: boolean } = {}): Promise<void> {
  const indexed = opts.indexed ?? true;
  const out = new BufWritable();
  const w = new McapWriter({
    writable: out,
    useStatistics: indexed,
    useChunks: indexed,
    useChunkIndex: indexed,
    useMessageIndex: indexed,
    useSummaryOffsets: indexed,
    useAttachmentIndex: indexed,
    useMetadataIndex: indexed,
    repeatChannels: indexed,
    repeatSchemas: indexed,
    chunkSize: 64 * 1024,
  });
  await w.start({ profile: 'ros2', library: 'independent-test-writer' });
  const channels = new Map<string, number>();
  const seq = new Map<string, number>();
  for (const m of msgs) {
    if (!channels.has(m.topic)) {
      const schemaId = await w.registerSchema({ name: m.type, encoding: 'ros2msg', data: Buffer.from(SCHEMA_TEXT[m.type]) });
      channels.set(m.topic, await w.registerChannel({ topic: m.topic, schemaId, messageEncoding: 'cdr', metadata: new Map([['offered_qos_profiles', QOS]]) }));
    }
    const s = seq.get(m.topic) ?? 0;
    seq.set(m.topic, s + 1);
    await w.addMessage({ channelId: channels.get(m.topic)!, sequence: s, logTime: m.logTime, publishTime: m.logTime, data: m.data });
  }
  await w.end();
  let bytes = Buffer.concat(out.chunks);
  // Unindexed: also cut off the footer and trailing magic, as a recording killed mid-way leaves it.
  if (!indexed) bytes = bytes.subarray(0, bytes.length - 37);
  fs.writeFileSync(file, bytes);
}

/**
 * A Humble-layout sqlite3 bag folder (rosbag2 sqlite_storage.cpp, schema_version 3) with a
 * metadata.yaml version 5. `jazzy: true` adds Jazzy's extra column and table and writes version 9.
 */
export function writeDb3Folder(dir: string, msgs: RawMsg[], opts: { jazzy?: boolean } = {}): string {
  fs.mkdirSync(dir, { recursive: true });
  const name = `${path.basename(dir)}_0.db3`;
  const db = new Database(path.join(dir, name));
  db.exec('CREATE TABLE schema(schema_version INTEGER PRIMARY KEY,ros_distro TEXT NOT NULL);');
  db.exec('CREATE TABLE metadata(id INTEGER PRIMARY KEY,metadata_version INTEGER NOT NULL,metadata TEXT NOT NULL);');
  db.exec(
    'CREATE TABLE topics(id INTEGER PRIMARY KEY,name TEXT NOT NULL,type TEXT NOT NULL,serialization_format TEXT NOT NULL,offered_qos_profiles TEXT NOT NULL' +
      (opts.jazzy ? ',type_description_hash TEXT NOT NULL' : '') +
      ');',
  );
  db.exec('CREATE TABLE messages(id INTEGER PRIMARY KEY,topic_id INTEGER NOT NULL,timestamp INTEGER NOT NULL, data BLOB NOT NULL);');
  db.exec('CREATE INDEX timestamp_idx ON messages (timestamp ASC);');
  if (opts.jazzy) db.exec('CREATE TABLE message_definitions(id INTEGER PRIMARY KEY,topic_type TEXT NOT NULL,encoding TEXT NOT NULL,encoded_message_definition TEXT NOT NULL,type_description_hash TEXT NOT NULL);');
  db.prepare('INSERT INTO schema VALUES (?, ?)').run(opts.jazzy ? 4 : 3, opts.jazzy ? 'jazzy' : 'humble');
  const ids = new Map<string, number>();
  const counts = new Map<string, number>();
  for (const m of msgs) {
    if (!ids.has(m.topic)) {
      ids.set(m.topic, ids.size + 1);
      if (opts.jazzy) {
        db.prepare('INSERT INTO topics VALUES (?, ?, ?, ?, ?, ?)').run(ids.get(m.topic), m.topic, m.type, 'cdr', QOS, 'RIHS01_' + '0'.repeat(64));
        db.prepare('INSERT INTO message_definitions (topic_type, encoding, encoded_message_definition, type_description_hash) VALUES (?, ?, ?, ?)').run(m.type, 'ros2msg', SCHEMA_TEXT[m.type], 'RIHS01_' + '0'.repeat(64));
      } else {
        db.prepare('INSERT INTO topics VALUES (?, ?, ?, ?, ?)').run(ids.get(m.topic), m.topic, m.type, 'cdr', QOS);
      }
    }
    counts.set(m.topic, (counts.get(m.topic) ?? 0) + 1);
    db.prepare('INSERT INTO messages (topic_id, timestamp, data) VALUES (?, ?, ?)').run(ids.get(m.topic), m.logTime, Buffer.from(m.data));
  }
  db.close();
  const times = msgs.map((m) => m.logTime);
  const start = times.reduce((a, b) => (b < a ? b : a));
  const end = times.reduce((a, b) => (b > a ? b : a));
  const topicTypes = new Map(msgs.map((m) => [m.topic, m.type]));
  const topicYaml = [...ids.keys()]
    .map(
      (t) =>
        `    - topic_metadata:\n        name: ${t}\n        type: ${topicTypes.get(t)}\n        serialization_format: cdr\n` +
        (opts.jazzy
          ? `        offered_qos_profiles:\n          - history: keep_last\n            depth: 5\n            reliability: reliable\n        type_description_hash: RIHS01_${'0'.repeat(64)}\n`
          : `        offered_qos_profiles: ${JSON.stringify(QOS)}\n`) +
        `      message_count: ${counts.get(t)}`,
    )
    .join('\n');
  const yaml = `rosbag2_bagfile_information:
  version: ${opts.jazzy ? 9 : 5}
  storage_identifier: sqlite3
  duration:
    nanoseconds: ${end - start}
  starting_time:
    nanoseconds_since_epoch: ${start}
  message_count: ${msgs.length}
  topics_with_message_count:
${topicYaml}
  compression_format: ""
  compression_mode: ""
  relative_file_paths:
    - ${name}
  files:
    - path: ${name}
      starting_time:
        nanoseconds_since_epoch: ${start}
      duration:
        nanoseconds: ${end - start}
      message_count: ${msgs.length}
${opts.jazzy ? '  custom_data: ~\n  ros_distro: jazzy\n' : ''}`;
  fs.writeFileSync(path.join(dir, 'metadata.yaml'), yaml);
  return path.join(dir, name);
}
