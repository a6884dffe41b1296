import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import Database from 'better-sqlite3';
import { McapIndexedReader } from '@mcap/core';
import { MessageReader } from '@foxglove/rosmsg2-serialization';
import { parse as parseMsg } from '@foxglove/rosmsg';
import { openBag } from '../../src/bag/open';
import { parseMetadata } from '../../src/bag/metadata';
import { createBagWriter } from '../../src/bag/writer';
import type { BagMessage, StorageReader } from '../../src/bag/types';
import { fgImage, fgString, writeDb3Folder, writeMcap, type RawMsg } from './independent';

const T0 = 1_700_000_000_000_000_000n; // beyond 2^53: must survive YAML and SQLite as exact integers

function sample(): RawMsg[] {
  const msgs: RawMsg[] = [];
  for (let i = 0; i < 6; i++) {
    const t = T0 + BigInt(i) * 33_333_333n;
    const data = new Uint8Array(4 * 2 * 3).fill(i);
    msgs.push({
      topic: '/camera/image_raw',
      type: 'sensor_msgs/msg/Image',
      logTime: t,
      data: fgImage({ header: { stamp: { sec: 1_700_000_000, nanosec: i }, frame_id: 'cam' }, width: 4, height: 2, encoding: 'rgb8', step: 12, data }),
    });
    // Interleaved topic, its receive times between the images'.
    msgs.push({ topic: '/chatter', type: 'std_msgs/msg/String', logTime: t + 10n, data: fgString(`hello ${i}`) });
  }
  return msgs;
}

async function all(bag: StorageReader, topics?: string[]): Promise<BagMessage[]> {
  const out: BagMessage[] = [];
  for await (const m of bag.messages({ topics })) out.push(m);
  return out;
}

function assertSame(got: BagMessage[], want: RawMsg[]): void {
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) {
    assert.equal(got[i].topic, want[i].topic, `message ${i} topic`);
    assert.equal(got[i].type, want[i].type, `message ${i} type`);
    assert.equal(got[i].logTime, want[i].logTime, `message ${i} logTime`);
    assert.deepEqual(Buffer.from(got[i].data), Buffer.from(want[i].data), `message ${i} data`);
  }
}

describe('bag readers (bags from independent writers)', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mnv4-bag-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads an indexed MCAP file in receive-time order, whatever the write order', async () => {
    const msgs = sample();
    const shuffled = [...msgs].reverse();
    const file = path.join(dir, 'indexed.mcap');
    await writeMcap(file, shuffled);
    const bag = await openBag(file);
    try {
      assert.equal(bag.info.storage, 'mcap');
      assert.equal(bag.info.messageCount, 12);
      assert.equal(bag.info.startTime, T0);
      const img = bag.info.topics.find((t) => t.name === '/camera/image_raw')!;
      assert.equal(img.type, 'sensor_msgs/msg/Image');
      assert.equal(img.messageCount, 6);
      assert.match(img.offeredQosProfiles, /reliability: 1/);
      assertSame(await all(bag), msgs);
      assertSame(await all(bag, ['/chatter']), msgs.filter((m) => m.topic === '/chatter'));
    } finally {
      await bag.close();
    }
  });

  it('falls back to a streaming read for an MCAP file without summary or footer', async () => {
    const msgs = sample();
    const file = path.join(dir, 'cut.mcap');
    await writeMcap(file, msgs, { indexed: false });
    await assert.rejects(McapIndexedReader.Initialize({ readable: { size: async () => BigInt(fs.statSync(file).size), read: async (o, s) => fs.readFileSync(file).subarray(Number(o), Number(o + s)) } }));
    const bag = await openBag(file);
    try {
      assert.equal(bag.info.messageCount, 12);
      assertSame(await all(bag), msgs);
      assertSame(await all(bag, ['/camera/image_raw']), msgs.filter((m) => m.topic === '/camera/image_raw'));
    } finally {
      await bag.close();
    }
  });

  it('reads a Humble-layout .db3 bag folder with metadata.yaml v5, its metadata.yaml, or the bare .db3', async () => {
    const msgs = sample();
    const folder = path.join(dir, 'humble_bag');
    const db3 = writeDb3Folder(folder, msgs);
    for (const target of [folder, path.join(folder, 'metadata.yaml'), db3]) {
      const bag = await openBag(target);
      try {
        assert.equal(bag.info.storage, 'sqlite3');
        assert.equal(bag.info.metadataVersion, target === db3 ? undefined : 5);
        assert.equal(bag.info.endTime, T0 + 5n * 33_333_333n + 10n);
        assertSame(await all(bag), msgs);
      } finally {
        await bag.close();
      }
    }
  });

  it('tolerates Jazzy extras: type_description_hash column, message_definitions table, metadata v9', async () => {
    const msgs = sample();
    const folder = path.join(dir, 'jazzy_bag');
    writeDb3Folder(folder, msgs, { jazzy: true });
    const bag = await openBag(folder);
    try {
      assert.equal(bag.info.metadataVersion, 9);
      assertSame(await all(bag, ['/camera/image_raw']), msgs.filter((m) => m.topic === '/camera/image_raw'));
    } finally {
      await bag.close();
    }
  });

  it('refuses compressed chunks and compressed bags with a message that says what to do', async () => {
    const file = path.join(dir, 'zstd.mcap');
    const { McapWriter } = await import('@mcap/core');
    const chunks: Uint8Array[] = [];
    let pos = 0n;
    const w = new McapWriter({
      writable: { write: async (b: Uint8Array) => { chunks.push(b.slice()); pos += BigInt(b.length); }, position: () => pos },
      useStatistics: true,
      useChunks: true,
      useChunkIndex: true,
      // Labelled zstd (the bytes are not really compressed): the reader must refuse, not misread.
      compressChunk: (data) => ({ compression: 'zstd', compressedData: data }),
    });
    await w.start({ profile: 'ros2', library: 'test' });
    const schemaId = await w.registerSchema({ name: 'std_msgs/msg/String', encoding: 'ros2msg', data: Buffer.from('string data') });
    const channelId = await w.registerChannel({ topic: '/chatter', schemaId, messageEncoding: 'cdr', metadata: new Map() });
    await w.addMessage({ channelId, sequence: 0, logTime: T0, publishTime: T0, data: fgString('x') });
    await w.end();
    fs.writeFileSync(file, Buffer.concat(chunks));
    const bag = await openBag(file);
    try {
      await assert.rejects(all(bag), /zstd-compressed; decompress the bag first/);
    } finally {
      await bag.close();
    }

    const folder = path.join(dir, 'compressed_bag');
    writeDb3Folder(folder, sample());
    const meta = path.join(folder, 'metadata.yaml');
    fs.writeFileSync(meta, fs.readFileSync(meta, 'utf8').replace('compression_format: ""', 'compression_format: zstd').replace('compression_mode: ""', 'compression_mode: FILE'));
    await assert.rejects(openBag(folder), /zstd-compressed \(mode FILE\); decompress it first/);
  });

  it('names the problem for a non-bag, a missing file and an unsupported metadata version', async () => {
    const junk = path.join(dir, 'junk.mcap');
    fs.writeFileSync(junk, 'not a bag at all, just text');
    await assert.rejects(openBag(junk), /neither an MCAP nor a SQLite/);
    await assert.rejects(openBag(path.join(dir, 'nope')), /does not exist/);
    const empty = path.join(dir, 'empty_folder');
    fs.mkdirSync(empty);
    await assert.rejects(openBag(empty), /no metadata.yaml and no .mcap or .db3/);
    assert.throws(
      () => parseMetadata('rosbag2_bagfile_information:\n  version: 4\n  storage_identifier: sqlite3\n'),
      /version 4; this reader supports 5 to 9/,
    );
    assert.throws(() => parseMetadata('rosbag2_bagfile_information:\n  version: 5\n'), /storage_identifier/);
  });
});

describe('bag writers (checked with independent readers)', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mnv4-bagw-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function writeSample(target: string, opts: { storage?: 'mcap' | 'sqlite3' } = {}): Promise<RawMsg[]> {
    const msgs = sample().filter((m) => m.topic === '/camera/image_raw');
    const w = await createBagWriter(target, opts);
    await w.addTopic({ name: '/camera/image_raw', type: 'sensor_msgs/msg/Image' });
    for (const m of msgs) await w.write(m.topic, m.logTime, m.data);
    await w.close();
    return msgs;
  }

  it('writes an indexed ros2-profile MCAP with a Statistics record and ros2msg schemas Foxglove can decode', async () => {
    const file = path.join(dir, 'out.mcap');
    const msgs = await writeSample(file);
    const bytes = fs.readFileSync(file);
    const reader = await McapIndexedReader.Initialize({ readable: { size: async () => BigInt(bytes.length), read: async (o, s) => bytes.subarray(Number(o), Number(o + s)) } });
    assert.equal(reader.header.profile, 'ros2');
    assert.ok(reader.statistics, 'Statistics record present');
    assert.equal(reader.statistics!.messageCount, 6n);
    assert.equal(reader.statistics!.messageStartTime, T0);
    assert.ok(reader.chunkIndexes.length >= 1, 'chunked');
    const [schema] = [...reader.schemasById.values()];
    assert.equal(schema.encoding, 'ros2msg');
    assert.equal(schema.name, 'sensor_msgs/msg/Image');
    const [channel] = [...reader.channelsById.values()];
    assert.equal(channel.messageEncoding, 'cdr');
    assert.match(channel.metadata.get('offered_qos_profiles')!, /durability: 2/);
    const fg = new MessageReader(parseMsg(new TextDecoder().decode(schema.data), { ros2: true }));
    let i = 0;
    for await (const m of reader.readMessages()) {
      const msg = fg.readMessage<{ header: { stamp: { sec: number; nanosec: number }; frame_id: string }; width: number }>(m.data);
      assert.deepEqual(msg.header, { stamp: { sec: 1_700_000_000, nanosec: i }, frame_id: 'cam' });
      assert.equal(msg.width, 4);
      assert.equal(m.logTime, msgs[i].logTime);
      i++;
    }
    assert.equal(i, 6);
  });

  it('writes a Humble-layout .db3 folder with metadata.yaml v5 that plain SQL and our reader agree on', async () => {
    const folder = path.join(dir, 'sq');
    const msgs = await writeSample(folder, { storage: 'sqlite3' });
    const db = new Database(path.join(folder, 'sq_0.db3'), { readonly: true });
    const schema = db.prepare('SELECT schema_version, ros_distro FROM schema').get();
    assert.deepEqual(schema, { schema_version: 3, ros_distro: 'humble' });
    const rows = db.prepare('SELECT timestamp, data FROM messages ORDER BY id').safeIntegers(true).all() as { timestamp: bigint; data: Buffer }[];
    assert.deepEqual(rows.map((r) => r.timestamp), msgs.map((m) => m.logTime));
    const meta = db.prepare('SELECT metadata_version, metadata FROM metadata').get() as { metadata_version: number; metadata: string };
    db.close();
    assert.equal(meta.metadata_version, 5);
    const parsed = parseMetadata(fs.readFileSync(path.join(folder, 'metadata.yaml'), 'utf8'));
    assert.equal(parsed.version, 5);
    assert.equal(parsed.storage_identifier, 'sqlite3');
    assert.equal(parsed.message_count, 6);
    assert.equal(parsed.starting_time.nanoseconds_since_epoch, T0);
    assert.deepEqual(parsed.relative_file_paths, ['sq_0.db3']);
    assert.equal(parsed.topics_with_message_count[0].topic_metadata.type, 'sensor_msgs/msg/Image');
    const bag = await openBag(folder);
    try {
      assertSame(await all(bag), msgs);
    } finally {
      await bag.close();
    }
  });

  it('writes an MCAP bag folder with metadata.yaml beside it', async () => {
    const folder = path.join(dir, 'mc');
    const msgs = await writeSample(folder);
    assert.ok(fs.existsSync(path.join(folder, 'mc_0.mcap')));
    const parsed = parseMetadata(fs.readFileSync(path.join(folder, 'metadata.yaml'), 'utf8'));
    assert.equal(parsed.storage_identifier, 'mcap');
    assert.equal(parsed.files[0].message_count, 6);
    const bag = await openBag(folder);
    try {
      assertSame(await all(bag), msgs);
    } finally {
      await bag.close();
    }
  });
});
