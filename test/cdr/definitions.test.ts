// The codec tests build Foxglove's reader/writer from our definitions, so a wrong field there
// would fool both sides. Here the definitions themselves are checked against independent
// sources: Foxglove's pre-parsed Humble definitions (@foxglove/rosmsg-msgs-common), field lists
// of vision_msgs 4.1 and of msg/ClassificationLatency.msg written out by hand, and rosbag2's
// concatenation algorithm re-implemented from its description.
import { strict as assert } from 'assert';
import type { MessageDefinition } from '@foxglove/message-definition';
import { parse } from '@foxglove/rosmsg';
import { ros2humble } from '@foxglove/rosmsg-msgs-common';
import { MESSAGE_DEFINITIONS, messageDefinition } from '../../src/cdr/definitions';
import { TYPES } from '../../src/pipeline/types';

const RULE = '='.repeat(80);

function shortName(rosType: string): string {
  return rosType.replace('/msg/', '/');
}

/** Parsed definitions of a bundle keyed by `pkg/Type` (the root included). */
function parsedByName(typeName: string): Map<string, MessageDefinition> {
  const defs = parse(messageDefinition(typeName), { ros2: true });
  return new Map(defs.map((d, i) => [i === 0 ? shortName(typeName) : (d.name ?? ''), d]));
}

function fields(d: MessageDefinition): string[] {
  return d.definitions.map((f) =>
    f.isConstant ? `const ${f.type} ${f.name}=${String(f.value)}` : `${f.type}${f.isArray ? '[]' : ''} ${f.name}`,
  );
}

const HAND_WRITTEN: Record<string, string[]> = {
  'vision_msgs/Classification': ['std_msgs/Header header', 'vision_msgs/ObjectHypothesis[] results'],
  'vision_msgs/ObjectHypothesis': ['string class_id', 'float64 score'],
  'vision_msgs/LabelInfo': ['std_msgs/Header header', 'vision_msgs/VisionClass[] class_map', 'float32 threshold'],
  'vision_msgs/VisionClass': ['uint16 class_id', 'string class_name'],
  'mobilenetv4_classifier/ClassificationLatency': [
    'std_msgs/Header header', 'uint64 sequence', 'string model_variant', 'string backend',
    'float64 decode_ms', 'float64 queue_ms', 'float64 preprocess_ms', 'float64 inference_ms',
    'float64 postprocess_ms', 'float64 total_ms', 'uint64 dropped_frames', 'uint32 queue_depth',
  ],
};

describe('cdr: message definitions', () => {
  it('every type in every bundle matches Foxglove Humble definitions or the hand-written vision_msgs lists', () => {
    const humble = ros2humble as Record<string, MessageDefinition>;
    let checked = 0;
    for (const typeName of Object.values(TYPES)) {
      for (const [name, def] of parsedByName(typeName)) {
        const ref = humble[name] ? fields(humble[name]) : HAND_WRITTEN[name];
        assert.ok(ref, `no reference for ${name}`);
        assert.deepEqual(fields(def), ref, name);
        checked++;
      }
    }
    assert.ok(checked >= 20);
  });

  it('bundles are what rosbag2 would write: dependencies depth-first in sorted order after 80 "="', () => {
    for (const typeName of Object.values(TYPES)) {
      const full = messageDefinition(typeName);
      const parts = full.split(`\n${RULE}\nMSG: `);
      const texts = new Map<string, string>([[shortName(typeName), parts[0]]]);
      for (const p of parts.slice(1)) {
        const nl = p.indexOf('\n');
        texts.set(p.slice(0, nl), p.slice(nl + 1));
      }
      // rosbag2_storage_mcap's get_full_text: field types from each text (primitives skipped,
      // unqualified names take the package of the text), recursively, std::set order.
      const primitives = new Set(['bool', 'byte', 'char', 'float32', 'float64', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'string']);
      const seen = new Set([shortName(typeName)]);
      let rebuilt = '';
      const visit = (name: string) => {
        const text = texts.get(name);
        assert.ok(text !== undefined, `${typeName}: dependency ${name} missing`);
        if (rebuilt !== '') rebuilt += `\n${RULE}\nMSG: ${name}\n`;
        rebuilt += text;
        const pkg = name.split('/')[0];
        const deps = new Set<string>();
        for (const m of text.matchAll(/(?:^|\n)\s*([a-zA-Z0-9_/]+)(?:\[[^\]]*\])?\s+/g)) {
          if (primitives.has(m[1])) continue;
          deps.add(m[1].includes('/') ? m[1] : `${pkg}/${m[1]}`);
        }
        for (const d of [...deps].sort()) {
          if (!seen.has(d)) {
            seen.add(d);
            visit(d);
          }
        }
      };
      visit(shortName(typeName));
      assert.equal(rebuilt, full, typeName);
      assert.equal(texts.size, seen.size, `${typeName}: no extra sections`);
      for (const t of texts.values()) assert.ok(t.endsWith('\n'), 'each .msg text ends in a newline');
    }
  });

  it('lists exactly the six types and refuses others by name', () => {
    assert.deepEqual(Object.keys(MESSAGE_DEFINITIONS).sort(), Object.values(TYPES).sort());
    assert.throws(() => messageDefinition('std_msgs/msg/String'), /no message definition for std_msgs\/msg\/String/);
  });
});
