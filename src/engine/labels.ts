// Label files: one name a line. The engine always reports ImageNet-1k indices 0..999 in timm order,
// so a 1001-line list (TensorFlow/Coral style, line 1 "background") is mapped by dropping that line.
import * as fs from 'fs';
import { ModelError } from '../errors';

export const IMAGENET_CLASSES = 1000;

/**
 * Reads a label file and returns exactly `numClasses` names, index = class index.
 * `classOffset` lines are skipped first (1 for a background-first list); without it a list one
 * longer than expected whose first line is "background" is recognised as such.
 */
export function loadLabels(file: string, numClasses = IMAGENET_CLASSES, classOffset?: number): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ModelError(`cannot read the label file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseLabels(text, file, numClasses, classOffset);
}

export function parseLabels(text: string, source: string, numClasses = IMAGENET_CLASSES, classOffset?: number): string[] {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  let offset = classOffset;
  if (offset === undefined) {
    offset = lines.length === numClasses + 1 && /^background$/i.test(lines[0].trim()) ? 1 : 0;
  }
  const names = lines.slice(offset).map((l) => l.trim());
  if (names.length !== numClasses) {
    throw new ModelError(
      `label file ${source} has ${lines.length} lines; expected ${numClasses}` +
        (offset ? ` after skipping ${offset} leading line(s)` : '') +
        ' (one class name a line, or 1001 lines with "background" first)',
    );
  }
  const empty = names.findIndex((n) => n === '');
  if (empty >= 0) throw new ModelError(`label file ${source}: class ${empty} (line ${empty + offset + 1}) is empty`);
  return names;
}
