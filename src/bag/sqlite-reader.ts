// rosbag2 sqlite3 storage (Humble's default), opened read-only. The Humble schema is
// topics(id, name, type, serialization_format, offered_qos_profiles) and
// messages(id, topic_id, timestamp, data); Iron/Jazzy add columns (type_description_hash) and
// tables (message_definitions, schema, metadata) that are ignored here. Foxy's topics table has no
// offered_qos_profiles column.
import Database from 'better-sqlite3';
import type { BagInfo, BagMessage, BagTopic, ReadOptions, StorageReader } from './types';

interface TopicRow {
  id: number;
  name: string;
  type: string;
  serialization_format: string;
  offered_qos_profiles: string;
}

class SqliteBag implements StorageReader {
  constructor(
    readonly info: BagInfo,
    private readonly db: Database.Database,
    private readonly byId: Map<number, BagTopic>,
  ) {}

  async *messages(opts: ReadOptions = {}): AsyncGenerator<BagMessage, void, void> {
    const ids = [...this.byId].filter(([, t]) => !opts.topics || opts.topics.includes(t.name)).map(([id]) => id);
    if (ids.length === 0) return;
    // Ordered by receive time (indexed in Humble), ties by insertion order; rows are fetched one at
    // a time, never the whole table.
    const stmt = this.db
      .prepare(`SELECT topic_id, timestamp, data FROM messages WHERE topic_id IN (${ids.map(() => '?').join(',')}) ORDER BY timestamp, id`)
      .safeIntegers(true);
    const it = stmt.iterate(...ids) as IterableIterator<{ topic_id: bigint; timestamp: bigint; data: Buffer | null }>;
    try {
      for (const row of it) {
        const t = this.byId.get(Number(row.topic_id))!;
        yield { topic: t.name, type: t.type, logTime: row.timestamp, data: row.data ?? new Uint8Array(0) };
      }
    } finally {
      it.return?.();
    }
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

export async function openSqlite(file: string): Promise<StorageReader> {
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new Error(`${file}: cannot open as SQLite: ${(err as Error).message}`);
  }
  try {
    const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name));
    for (const t of ['topics', 'messages']) {
      if (!tables.has(t)) throw new Error(`${file}: not a rosbag2 sqlite3 bag (no '${t}' table)`);
    }
    const cols = new Set((db.prepare('PRAGMA table_info(topics)').all() as { name: string }[]).map((r) => r.name));
    const qosCol = cols.has('offered_qos_profiles') ? 'offered_qos_profiles' : "'' AS offered_qos_profiles";
    const rows = db.prepare(`SELECT id, name, type, serialization_format, ${qosCol} FROM topics ORDER BY id`).all() as TopicRow[];
    const counts = new Map<number, number>(
      (db.prepare('SELECT topic_id, COUNT(*) AS n FROM messages GROUP BY topic_id').all() as { topic_id: number; n: number }[]).map((r) => [r.topic_id, r.n]),
    );
    const byId = new Map<number, BagTopic>();
    for (const r of rows) {
      byId.set(r.id, {
        name: r.name,
        type: r.type,
        serializationFormat: r.serialization_format,
        offeredQosProfiles: r.offered_qos_profiles ?? '',
        messageCount: counts.get(r.id) ?? 0,
      });
    }
    const span = db.prepare('SELECT MIN(timestamp) AS s, MAX(timestamp) AS e, COUNT(*) AS n FROM messages').safeIntegers(true).get() as {
      s: bigint | null;
      e: bigint | null;
      n: bigint;
    };
    // Topics merged by name: a bag may hold one topic under several ids (re-declared types).
    const topics = new Map<string, BagTopic>();
    for (const t of byId.values()) {
      const prev = topics.get(t.name);
      if (prev) prev.messageCount += t.messageCount;
      else topics.set(t.name, { ...t });
    }
    const info: BagInfo = {
      storage: 'sqlite3',
      files: [file],
      topics: [...topics.values()],
      messageCount: Number(span.n),
      startTime: span.s ?? 0n,
      endTime: span.e ?? 0n,
    };
    return new SqliteBag(info, db, byId);
  } catch (err) {
    db.close();
    throw err;
  }
}
