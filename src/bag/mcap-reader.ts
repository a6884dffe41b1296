// rosbag2 MCAP storage: the indexed reader over a file handle (reads chunk by chunk, in log-time
// order), or a streaming pass over the file when it has no summary/index (e.g. a recording that
// was cut short). Compressed chunks are refused with a clear message: this package carries no
// zstd/lz4 decoder (Humble's writer does not compress by default).
import * as fs from 'fs';
import { McapIndexedReader, McapStreamReader, hasMcapPrefix } from '@mcap/core';
import type { McapTypes } from '@mcap/core';
import type { BagInfo, BagMessage, BagTopic, ReadOptions, StorageReader } from './types';

class NotMcap extends Error {}

class FileReadable {
  constructor(private readonly fh: fs.promises.FileHandle, private readonly bytes: bigint) {}
  async size(): Promise<bigint> {
    return this.bytes;
  }
  async read(offset: bigint, size: bigint): Promise<Uint8Array> {
    if (offset + size > this.bytes) throw new Error(`read past the end of the file (${offset}+${size} > ${this.bytes})`);
    const buf = Buffer.allocUnsafe(Number(size));
    let done = 0;
    while (done < buf.length) {
      const { bytesRead } = await this.fh.read(buf, done, buf.length - done, Number(offset) + done);
      if (bytesRead === 0) throw new Error('unexpected end of file');
      done += bytesRead;
    }
    return buf;
  }
}

function noDecompress(file: string): McapTypes.DecompressHandlers {
  const refuse = (kind: string) => (): Uint8Array => {
    throw new Error(`${file}: chunks are ${kind}-compressed; decompress the bag first (\`mcap recover\` or \`ros2 bag convert\`) – this tool reads uncompressed MCAP`);
  };
  return { zstd: refuse('zstd'), lz4: refuse('lz4'), bz2: refuse('bz2') };
}

function topicsOf(
  channels: ReadonlyMap<number, McapTypes.Channel>,
  schemas: ReadonlyMap<number, McapTypes.Schema>,
  counts: Map<number, bigint> | undefined,
): Map<number, BagTopic> {
  const out = new Map<number, BagTopic>();
  for (const [id, ch] of channels) {
    out.set(id, {
      name: ch.topic,
      type: schemas.get(ch.schemaId)?.name ?? '',
      serializationFormat: ch.messageEncoding,
      offeredQosProfiles: ch.metadata.get('offered_qos_profiles') ?? '',
      messageCount: Number(counts?.get(id) ?? 0n),
    });
  }
  return out;
}

/** The topic list merged by name (rosbag2 may declare one topic on several channels). */
function mergeTopics(byChannel: Map<number, BagTopic>): BagTopic[] {
  const byName = new Map<string, BagTopic>();
  for (const t of byChannel.values()) {
    const prev = byName.get(t.name);
    if (prev) prev.messageCount += t.messageCount;
    else byName.set(t.name, { ...t });
  }
  return [...byName.values()];
}

class IndexedMcap implements StorageReader {
  constructor(
    readonly info: BagInfo,
    private readonly fh: fs.promises.FileHandle,
    private readonly reader: McapIndexedReader,
    private readonly channels: Map<number, BagTopic>,
  ) {}

  async *messages(opts: ReadOptions = {}): AsyncGenerator<BagMessage, void, void> {
    for await (const m of this.reader.readMessages({ topics: opts.topics })) {
      const t = this.channels.get(m.channelId);
      if (!t) continue;
      yield { topic: t.name, type: t.type, logTime: m.logTime, data: m.data };
    }
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

/**
 * Unindexed file: one streaming pass, messages in file order (rosbag2 writes in receive order).
 * The summary is unknown up front, so `info` is filled by a first counting pass.
 */
class StreamedMcap implements StorageReader {
  constructor(readonly info: BagInfo, private readonly file: string) {}

  async *messages(opts: ReadOptions = {}): AsyncGenerator<BagMessage, void, void> {
    const want = opts.topics ? new Set(opts.topics) : undefined;
    const schemas = new Map<number, McapTypes.Schema>();
    const channels = new Map<number, McapTypes.Channel>();
    for await (const rec of streamRecords(this.file)) {
      if (rec.type === 'Schema') schemas.set(rec.id, rec);
      else if (rec.type === 'Channel') channels.set(rec.id, rec);
      else if (rec.type === 'Message') {
        const ch = channels.get(rec.channelId);
        if (!ch || (want && !want.has(ch.topic))) continue;
        yield { topic: ch.topic, type: schemas.get(ch.schemaId)?.name ?? '', logTime: rec.logTime, data: rec.data };
      }
    }
  }

  async close(): Promise<void> {}
}

async function* streamRecords(file: string): AsyncGenerator<McapTypes.TypedMcapRecord, void, void> {
  const reader = new McapStreamReader({ decompressHandlers: noDecompress(file) });
  const stream = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream) {
      reader.append(chunk as Buffer);
      for (let rec; (rec = reader.nextRecord()); ) yield rec;
    }
  } finally {
    stream.destroy();
  }
  if (!reader.done() && reader.bytesRemaining() > 0) {
    // A truncated recording: everything complete before the cut has been yielded.
    process.emitWarning(`${file}: the MCAP file ends mid-record (${reader.bytesRemaining()} bytes left over); it was probably cut short`);
  }
}

async function scanUnindexed(file: string): Promise<BagInfo> {
  const schemas = new Map<number, McapTypes.Schema>();
  const channels = new Map<number, McapTypes.Channel>();
  const counts = new Map<number, bigint>();
  let start: bigint | undefined;
  let end = 0n;
  let total = 0;
  for await (const rec of streamRecords(file)) {
    if (rec.type === 'Schema') schemas.set(rec.id, rec);
    else if (rec.type === 'Channel') channels.set(rec.id, rec);
    else if (rec.type === 'Message') {
      counts.set(rec.channelId, (counts.get(rec.channelId) ?? 0n) + 1n);
      if (start === undefined || rec.logTime < start) start = rec.logTime;
      if (rec.logTime > end) end = rec.logTime;
      total++;
    }
  }
  const topics = mergeTopics(topicsOf(channels, schemas, counts));
  return { storage: 'mcap', files: [file], topics, messageCount: total, startTime: start ?? 0n, endTime: end };
}

export async function openMcap(file: string): Promise<StorageReader> {
  const fh = await fs.promises.open(file, 'r');
  let reader: McapIndexedReader;
  try {
    const { size } = await fh.stat();
    const head = Buffer.alloc(8);
    await fh.read(head, 0, 8, 0);
    if (!hasMcapPrefix(new DataView(head.buffer, head.byteOffset, 8))) throw new NotMcap();
    reader = await McapIndexedReader.Initialize({ readable: new FileReadable(fh, BigInt(size)), decompressHandlers: noDecompress(file) });
  } catch (err) {
    await fh.close();
    if (err instanceof NotMcap) throw new Error(`${file}: not an MCAP file (no MCAP magic at the start)`);
    // No usable summary (cut short or written without index): fall back to a streaming read.
    return new StreamedMcap(await scanUnindexed(file), file);
  }
  const stats = reader.statistics;
  let counts = stats?.channelMessageCounts;
  let total = Number(stats?.messageCount ?? 0n);
  let start = stats?.messageStartTime ?? 0n;
  let end = stats?.messageEndTime ?? 0n;
  if (!stats) {
    // Indexed but without Statistics: derive counts from the chunk indexes' message index
    // offsets would need extra reads; one counting pass over the messages is simpler.
    counts = new Map();
    total = 0;
    let first: bigint | undefined;
    for await (const m of reader.readMessages()) {
      counts.set(m.channelId, (counts.get(m.channelId) ?? 0n) + 1n);
      if (first === undefined) first = m.logTime;
      end = m.logTime;
      total++;
    }
    start = first ?? 0n;
  }
  const channels = topicsOf(reader.channelsById, reader.schemasById, counts);
  const info: BagInfo = { storage: 'mcap', files: [file], topics: mergeTopics(channels), messageCount: total, startTime: start, endTime: end };
  return new IndexedMcap(info, fh, reader, channels);
}
