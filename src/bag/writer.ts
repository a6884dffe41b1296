// rosbag2 writers: MCAP (ros2 profile, `ros2msg` schemas, `cdr` messages, chunked, with a
// Statistics record and full indexes, uncompressed like Humble's default) and Humble-layout
// sqlite3. A path ending in .mcap or .db3 gets a single storage file; any other path becomes a bag
// folder `<path>/<name>_0.<ext>` with a metadata.yaml (version 5) beside it.
import * as fs from 'fs';
import * as path from 'path';
import Database from 'better-sqlite3';
import { McapWriter } from '@mcap/core';
import { messageDefinition } from '../cdr/definitions';
import { formatMetadataV5, METADATA_FILE, type MetadataTopic } from './metadata';
import { QOS_DEFAULT, qosProfileYaml } from './qos';
import type { StorageKind } from './open';

export interface TopicSpec {
  name: string;
  type: string; // pkg/msg/Type
  /** ros2msg text embedded as the MCAP schema; defaults to this package's definition of `type`. */
  definition?: string;
  /** offered_qos_profiles YAML; defaults to reliable/volatile depth 10. */
  qos?: string;
}

export interface BagWriter {
  readonly path: string; // the file, or the folder when a folder was written
  addTopic(spec: TopicSpec): Promise<void>;
  /** Messages must be written in non-decreasing logTime per file for ordered playback. */
  write(topic: string, logTime: bigint, data: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

interface Tally {
  count: number;
  start: bigint;
  end: bigint;
}

class FileWritable {
  private pos = 0n;
  constructor(private readonly fh: fs.promises.FileHandle) {}
  async write(buffer: Uint8Array): Promise<void> {
    let done = 0;
    while (done < buffer.length) {
      const { bytesWritten } = await this.fh.write(buffer, done, buffer.length - done);
      done += bytesWritten;
    }
    this.pos += BigInt(buffer.length);
  }
  position(): bigint {
    return this.pos;
  }
}

abstract class StorageWriter {
  protected readonly topics = new Map<string, { spec: Required<TopicSpec>; count: number }>();
  protected readonly tally: Tally = { count: 0, start: 0n, end: 0n };

  protected note(topic: string, logTime: bigint): void {
    const t = this.topics.get(topic);
    if (!t) throw new Error(`write to topic ${topic} before addTopic()`);
    t.count++;
    if (this.tally.count === 0 || logTime < this.tally.start) this.tally.start = logTime;
    if (this.tally.count === 0 || logTime > this.tally.end) this.tally.end = logTime;
    this.tally.count++;
  }

  protected resolve(spec: TopicSpec): Required<TopicSpec> {
    if (this.topics.has(spec.name)) throw new Error(`topic ${spec.name} added twice`);
    return {
      name: spec.name,
      type: spec.type,
      definition: spec.definition ?? messageDefinition(spec.type),
      qos: spec.qos ?? qosProfileYaml(QOS_DEFAULT),
    };
  }

  metadataTopics(): MetadataTopic[] {
    return [...this.topics.values()].map((t) => ({
      name: t.spec.name,
      type: t.spec.type,
      serializationFormat: 'cdr',
      offeredQosProfiles: t.spec.qos,
      messageCount: t.count,
    }));
  }

  summary(): Tally {
    return { ...this.tally };
  }
}

class McapStorageWriter extends StorageWriter {
  private readonly channels = new Map<string, number>();
  private readonly sequences = new Map<string, number>();
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(private readonly fh: fs.promises.FileHandle, private readonly writer: McapWriter) {
    super();
  }

  static async create(file: string): Promise<McapStorageWriter> {
    const fh = await fs.promises.open(file, 'w');
    const writer = new McapWriter({
      writable: new FileWritable(fh),
      useStatistics: true, // Humble's reader requires it
      useChunks: true,
      useChunkIndex: true,
      useMessageIndex: true,
      useSummaryOffsets: true,
      useAttachmentIndex: true,
      useMetadataIndex: true,
      repeatSchemas: true,
      repeatChannels: true,
      chunkSize: 1024 * 1024,
    });
    const w = new McapStorageWriter(fh, writer);
    await writer.start({ profile: 'ros2', library: 'mobilenetv4_classifier' });
    return w;
  }

  // McapWriter corrupts its output if calls overlap; serialise them.
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  addTopic(spec: TopicSpec): Promise<void> {
    return this.serial(async () => {
      const s = this.resolve(spec);
      const schemaId = await this.writer.registerSchema({ name: s.type, encoding: 'ros2msg', data: Buffer.from(s.definition, 'utf8') });
      const channelId = await this.writer.registerChannel({
        topic: s.name,
        schemaId,
        messageEncoding: 'cdr',
        metadata: new Map([['offered_qos_profiles', s.qos]]),
      });
      this.topics.set(s.name, { spec: s, count: 0 });
      this.channels.set(s.name, channelId);
    });
  }

  write(topic: string, logTime: bigint, data: Uint8Array): Promise<void> {
    return this.serial(async () => {
      this.note(topic, logTime);
      const seq = this.sequences.get(topic) ?? 0;
      this.sequences.set(topic, seq + 1);
      await this.writer.addMessage({ channelId: this.channels.get(topic)!, sequence: seq, logTime, publishTime: logTime, data });
    });
  }

  close(): Promise<void> {
    return this.serial(async () => {
      try {
        await this.writer.end();
      } finally {
        await this.fh.close();
      }
    });
  }
}

// Humble's sqlite_storage.cpp schema (schema_version 3), including its metadata table.
const HUMBLE_DDL = [
  'CREATE TABLE schema(schema_version INTEGER PRIMARY KEY,ros_distro TEXT NOT NULL);',
  'CREATE TABLE metadata(id INTEGER PRIMARY KEY,metadata_version INTEGER NOT NULL,metadata TEXT NOT NULL);',
  'CREATE TABLE topics(id INTEGER PRIMARY KEY,name TEXT NOT NULL,type TEXT NOT NULL,serialization_format TEXT NOT NULL,offered_qos_profiles TEXT NOT NULL);',
  'CREATE TABLE messages(id INTEGER PRIMARY KEY,topic_id INTEGER NOT NULL,timestamp INTEGER NOT NULL, data BLOB NOT NULL);',
  'CREATE INDEX timestamp_idx ON messages (timestamp ASC);',
];

class SqliteStorageWriter extends StorageWriter {
  private readonly ids = new Map<string, number>();
  private readonly insert: Database.Statement;
  private pending = 0;

  constructor(private readonly db: Database.Database) {
    super();
    this.insert = db.prepare('INSERT INTO messages (topic_id, timestamp, data) VALUES (?, ?, ?)');
  }

  static create(file: string): SqliteStorageWriter {
    if (fs.existsSync(file)) fs.unlinkSync(file);
    const db = new Database(file);
    db.pragma('journal_mode = MEMORY');
    db.pragma('synchronous = OFF');
    for (const sql of HUMBLE_DDL) db.exec(sql);
    db.prepare('INSERT INTO schema (schema_version, ros_distro) VALUES (3, ?)').run('humble');
    return new SqliteStorageWriter(db);
  }

  async addTopic(spec: TopicSpec): Promise<void> {
    const s = this.resolve(spec);
    const id = this.ids.size + 1;
    this.db.prepare('INSERT INTO topics (id, name, type, serialization_format, offered_qos_profiles) VALUES (?, ?, ?, ?, ?)').run(id, s.name, s.type, 'cdr', s.qos);
    this.ids.set(s.name, id);
    this.topics.set(s.name, { spec: s, count: 0 });
  }

  async write(topic: string, logTime: bigint, data: Uint8Array): Promise<void> {
    this.note(topic, logTime);
    // Batches of inserts in one transaction: one fsync-free commit per 256 messages.
    if (this.pending === 0) this.db.exec('BEGIN');
    this.insert.run(this.ids.get(topic)!, logTime, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    if (++this.pending >= 256) this.flush();
  }

  private flush(): void {
    if (this.pending > 0) this.db.exec('COMMIT');
    this.pending = 0;
  }

  writeMetadata(yaml: string): void {
    this.flush();
    this.db.prepare('INSERT INTO metadata (metadata_version, metadata) VALUES (5, ?)').run(yaml);
  }

  async close(): Promise<void> {
    this.flush();
    this.db.close();
  }
}

class FolderOrFileWriter implements BagWriter {
  constructor(
    readonly path: string,
    private readonly storage: StorageKind,
    private readonly inner: McapStorageWriter | SqliteStorageWriter,
    private readonly storageFile: string,
    private readonly folder: boolean,
  ) {}

  addTopic(spec: TopicSpec): Promise<void> {
    return this.inner.addTopic(spec);
  }

  write(topic: string, logTime: bigint, data: Uint8Array): Promise<void> {
    return this.inner.write(topic, logTime, data);
  }

  async close(): Promise<void> {
    const t = this.inner.summary();
    const yaml = formatMetadataV5(this.storage, this.inner.metadataTopics(), [
      { path: path.basename(this.storageFile), startTime: t.start, endTime: t.end, messageCount: t.count },
    ]);
    if (this.inner instanceof SqliteStorageWriter) this.inner.writeMetadata(yaml);
    await this.inner.close();
    if (this.folder) fs.writeFileSync(path.join(this.path, METADATA_FILE), yaml);
  }
}

/**
 * Creates a bag at `target`: `x.mcap`/`x.db3` is a single file (storage from the extension);
 * otherwise a folder (storage from `opts.storage`, MCAP by default). Existing output is replaced.
 */
export async function createBagWriter(target: string, opts: { storage?: StorageKind } = {}): Promise<BagWriter> {
  const ext = path.extname(target).toLowerCase();
  const folder = ext !== '.mcap' && ext !== '.db3';
  const storage: StorageKind = folder ? (opts.storage ?? 'mcap') : ext === '.mcap' ? 'mcap' : 'sqlite3';
  let file = target;
  if (folder) {
    if (fs.existsSync(target)) {
      if (!fs.statSync(target).isDirectory()) throw new Error(`${target} exists and is not a folder`);
      const left = fs.readdirSync(target).filter((f) => f !== METADATA_FILE && !/\.(mcap|db3)$/.test(f));
      if (left.length) throw new Error(`${target} exists and holds other files (${left.slice(0, 3).join(', ')}); choose a new folder`);
      for (const f of fs.readdirSync(target)) fs.unlinkSync(path.join(target, f));
    }
    fs.mkdirSync(target, { recursive: true });
    file = path.join(target, `${path.basename(path.resolve(target))}_0.${storage === 'mcap' ? 'mcap' : 'db3'}`);
  } else {
    fs.mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
  }
  const inner = storage === 'mcap' ? await McapStorageWriter.create(file) : SqliteStorageWriter.create(file);
  return new FolderOrFileWriter(target, storage, inner, file, folder);
}
