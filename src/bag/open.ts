// Opens a rosbag2 bag given its folder (with or without metadata.yaml), its metadata.yaml, or a
// single .mcap/.db3 file (recognised by content, not by name). A split bag's files are merged in
// receive-time order.
import * as fs from 'fs';
import * as path from 'path';
import { METADATA_FILE, readMetadata, type BagMetadata } from './metadata';
import { openMcap } from './mcap-reader';
import { openSqlite } from './sqlite-reader';
import type { BagInfo, BagMessage, BagTopic, ReadOptions, StorageReader } from './types';

export type StorageKind = 'mcap' | 'sqlite3';

const MCAP_MAGIC = Buffer.from([0x89, 0x4d, 0x43, 0x41, 0x50, 0x30, 0x0d, 0x0a]);
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

export function sniffStorage(file: string): StorageKind | undefined {
  const head = Buffer.alloc(16);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, head, 0, 16, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (head.subarray(0, 8).equals(MCAP_MAGIC)) return 'mcap';
  if (head.equals(SQLITE_MAGIC)) return 'sqlite3';
  return undefined;
}

async function openStorage(file: string): Promise<StorageReader> {
  if (!fs.existsSync(file)) throw new Error(`bag file ${file} does not exist`);
  const kind = sniffStorage(file);
  if (kind === 'mcap') return openMcap(file);
  if (kind === 'sqlite3') return openSqlite(file);
  if (/\.(zstd|zst)$/.test(file)) throw new Error(`${file} is zstd-compressed (rosbag2 file compression); decompress it first (\`zstd -d\`)`);
  throw new Error(`${file} is neither an MCAP nor a SQLite (rosbag2 sqlite3) file`);
}

class MultiFileBag implements StorageReader {
  constructor(readonly info: BagInfo, private readonly parts: StorageReader[]) {}

  async *messages(opts: ReadOptions = {}): AsyncGenerator<BagMessage, void, void> {
    if (this.parts.length === 1) {
      yield* this.parts[0].messages(opts);
      return;
    }
    // k-way merge of already-ordered files; ties go to the earlier file.
    const its = this.parts.map((p) => p.messages(opts));
    const heads: (BagMessage | undefined)[] = await Promise.all(its.map(async (it) => (await it.next()).value ?? undefined));
    try {
      for (;;) {
        let best = -1;
        for (let i = 0; i < heads.length; i++) {
          const h = heads[i];
          if (h && (best < 0 || h.logTime < heads[best]!.logTime)) best = i;
        }
        if (best < 0) return;
        yield heads[best]!;
        heads[best] = (await its[best].next()).value ?? undefined;
      }
    } finally {
      await Promise.all(its.map((it) => it.return(undefined)));
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.parts.map((p) => p.close()));
  }
}

function mergeInfos(infos: BagInfo[], meta?: BagMetadata): BagInfo {
  const topics = new Map<string, BagTopic>();
  for (const info of infos) {
    for (const t of info.topics) {
      const prev = topics.get(t.name);
      if (prev) prev.messageCount += t.messageCount;
      else topics.set(t.name, { ...t });
    }
  }
  const nonEmpty = infos.filter((i) => i.messageCount > 0);
  return {
    storage: infos[0].storage,
    files: infos.flatMap((i) => i.files),
    topics: [...topics.values()],
    messageCount: infos.reduce((n, i) => n + i.messageCount, 0),
    startTime: nonEmpty.length ? nonEmpty.map((i) => i.startTime).reduce((a, b) => (b < a ? b : a)) : 0n,
    endTime: nonEmpty.length ? nonEmpty.map((i) => i.endTime).reduce((a, b) => (b > a ? b : a)) : 0n,
    metadataVersion: meta?.version,
  };
}

function filesOfFolder(dir: string): { files: string[]; meta?: BagMetadata } {
  const metaFile = path.join(dir, METADATA_FILE);
  if (fs.existsSync(metaFile)) {
    const meta = readMetadata(metaFile);
    if (meta.compression_format !== '' && meta.compression_mode !== '' && meta.compression_mode.toLowerCase() !== 'none') {
      throw new Error(
        `${dir}: the bag is ${meta.compression_format}-compressed (mode ${meta.compression_mode}); decompress it first (\`ros2 bag convert\`) – this tool reads uncompressed bags`,
      );
    }
    if (meta.relative_file_paths.length === 0) throw new Error(`${metaFile}: lists no storage files`);
    return { files: meta.relative_file_paths.map((f) => path.resolve(dir, f)), meta };
  }
  // Humble's reader also opens a folder without metadata.yaml: take its storage files in name order.
  const files = fs
    .readdirSync(dir)
    .filter((f) => /\.(mcap|db3)$/.test(f))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .map((f) => path.join(dir, f));
  if (files.length === 0) throw new Error(`${dir}: no metadata.yaml and no .mcap or .db3 file; is this a rosbag2 bag folder?`);
  return { files };
}

/** Opens a bag folder, its metadata.yaml, or a single storage file. */
export async function openBag(bagPath: string): Promise<StorageReader> {
  if (!fs.existsSync(bagPath)) throw new Error(`bag ${bagPath} does not exist`);
  let target = path.resolve(bagPath);
  if (path.basename(target) === METADATA_FILE && fs.statSync(target).isFile()) target = path.dirname(target);
  const { files, meta } = fs.statSync(target).isDirectory() ? filesOfFolder(target) : { files: [target], meta: undefined };
  const parts: StorageReader[] = [];
  try {
    for (const f of files) parts.push(await openStorage(f));
  } catch (err) {
    await Promise.all(parts.map((p) => p.close()));
    throw err;
  }
  return new MultiFileBag(mergeInfos(parts.map((p) => p.info), meta), parts);
}
