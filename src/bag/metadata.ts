// rosbag2 metadata.yaml, versions 5 (Humble) to 9 (Jazzy). Unknown extra keys are tolerated, so a
// newer minor addition does not stop a replay; missing required keys are reported by name.
import * as fs from 'fs';
import { parse, stringify } from 'yaml';
import { z } from 'zod';

export const METADATA_FILE = 'metadata.yaml';
export const MIN_METADATA_VERSION = 5;
export const MAX_METADATA_VERSION = 9;

// Nanosecond counts exceed 2^53, so the YAML is parsed with intAsBigInt and numbers are widened.
const ns = z.union([z.bigint(), z.number().int()]).transform((v) => BigInt(v));
const count = z.union([z.bigint(), z.number().int()]).transform((v) => Number(v));

// Humble..Iron write the QoS profiles as one YAML string; accept a parsed list too and keep a string.
const qos = z
  .union([z.string(), z.array(z.unknown()), z.null()])
  .optional()
  .transform((v) => (v == null ? '' : typeof v === 'string' ? v : stringify(v)));

const topicMetadata = z.looseObject({
  name: z.string(),
  type: z.string(),
  serialization_format: z.string(),
  offered_qos_profiles: qos,
  type_description_hash: z.string().optional(),
});

const fileInfo = z.looseObject({
  path: z.string(),
  starting_time: z.object({ nanoseconds_since_epoch: ns }),
  duration: z.object({ nanoseconds: ns }),
  message_count: count,
});

const info = z.looseObject({
  version: z.number().int().min(MIN_METADATA_VERSION).max(MAX_METADATA_VERSION),
  storage_identifier: z.string(),
  duration: z.object({ nanoseconds: ns }),
  starting_time: z.object({ nanoseconds_since_epoch: ns }),
  message_count: count,
  topics_with_message_count: z
    .array(z.looseObject({ topic_metadata: topicMetadata, message_count: count }))
    .nullish()
    .transform((v) => v ?? []),
  compression_format: z.string().nullish().transform((v) => v ?? ''),
  compression_mode: z.string().nullish().transform((v) => v ?? ''),
  relative_file_paths: z.array(z.string()),
  files: z.array(fileInfo).nullish().transform((v) => v ?? []),
  custom_data: z.unknown().optional(),
  ros_distro: z.string().optional(),
});

const root = z.object({ rosbag2_bagfile_information: info });

export type BagMetadata = z.output<typeof info>;

/** Parses metadata.yaml text; throws an Error naming the file and the offending keys. */
export function parseMetadata(text: string, source = METADATA_FILE): BagMetadata {
  let doc: unknown;
  try {
    doc = parse(text, { intAsBigInt: true });
  } catch (err) {
    throw new Error(`${source}: not valid YAML: ${(err as Error).message}`);
  }
  // `version` is compared as a number; intAsBigInt made it a bigint.
  const raw = doc as { rosbag2_bagfile_information?: { version?: unknown } } | null;
  const v = raw?.rosbag2_bagfile_information?.version;
  if (typeof v === 'bigint') raw!.rosbag2_bagfile_information!.version = Number(v);
  const res = root.safeParse(doc);
  if (!res.success) {
    const issues = res.error.issues
      .slice(0, 5)
      .map((i) => `${['rosbag2_bagfile_information', ...i.path.slice(1).map(String)].join('.')}: ${i.message}`)
      .join('; ');
    const ver = typeof v === 'bigint' || typeof v === 'number' ? ` (version ${v}; this reader supports ${MIN_METADATA_VERSION} to ${MAX_METADATA_VERSION})` : '';
    throw new Error(`${source}: not a rosbag2 metadata file${ver}: ${issues}`);
  }
  return res.data.rosbag2_bagfile_information;
}

export function readMetadata(file: string): BagMetadata {
  return parseMetadata(fs.readFileSync(file, 'utf8'), file);
}

export interface MetadataTopic {
  name: string;
  type: string;
  serializationFormat: string;
  offeredQosProfiles: string;
  messageCount: number;
}

export interface MetadataFile {
  path: string; // relative to the bag folder
  startTime: bigint;
  endTime: bigint;
  messageCount: number;
}

/** metadata.yaml version 5 (Humble's; Iron and Jazzy read it too) for a finished bag. */
export function formatMetadataV5(storage: 'mcap' | 'sqlite3', topics: MetadataTopic[], files: MetadataFile[]): string {
  const nonEmpty = files.filter((f) => f.messageCount > 0);
  const start = nonEmpty.length ? nonEmpty.reduce((m, f) => (f.startTime < m ? f.startTime : m), nonEmpty[0].startTime) : 0n;
  const end = nonEmpty.length ? nonEmpty.reduce((m, f) => (f.endTime > m ? f.endTime : m), nonEmpty[0].endTime) : 0n;
  const total = files.reduce((n, f) => n + f.messageCount, 0);
  const q = (s: string) => JSON.stringify(s); // a JSON string is a valid YAML double-quoted scalar
  const lines = [
    'rosbag2_bagfile_information:',
    '  version: 5',
    `  storage_identifier: ${storage}`,
    '  duration:',
    `    nanoseconds: ${end - start}`,
    '  starting_time:',
    `    nanoseconds_since_epoch: ${start}`,
    `  message_count: ${total}`,
    `  topics_with_message_count:${topics.length ? '' : ' []'}`,
  ];
  for (const t of topics) {
    lines.push(
      '    - topic_metadata:',
      `        name: ${q(t.name)}`,
      `        type: ${q(t.type)}`,
      `        serialization_format: ${q(t.serializationFormat)}`,
      `        offered_qos_profiles: ${q(t.offeredQosProfiles)}`,
      `      message_count: ${t.messageCount}`,
    );
  }
  lines.push('  compression_format: ""', '  compression_mode: ""', '  relative_file_paths:');
  for (const f of files) lines.push(`    - ${q(f.path)}`);
  lines.push('  files:');
  for (const f of files) {
    const fs0 = f.messageCount ? f.startTime : 0n;
    lines.push(
      `    - path: ${q(f.path)}`,
      '      starting_time:',
      `        nanoseconds_since_epoch: ${fs0}`,
      '      duration:',
      `        nanoseconds: ${f.messageCount ? f.endTime - f.startTime : 0n}`,
      `      message_count: ${f.messageCount}`,
    );
  }
  return lines.join('\n') + '\n';
}
