// A strict little XML reader for the package's own XML files (package.xml, the launch XML): enough
// to prove well-formedness (one root, matched tags, quoted unique attributes, known entities) and to
// walk the tree. No DTD, no namespaces.

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

export class XmlError extends Error {}

const NAME = /^[A-Za-z_][\w.:-]*/;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(s: string, at: number): string {
  return s.replace(/&([^;\s]*);?/g, (m, ent: string) => {
    if (!m.endsWith(';')) throw new XmlError(`bare '&' near offset ${at}`);
    if (ent in ENTITIES) return ENTITIES[ent];
    if (/^#\d+$/.test(ent)) return String.fromCodePoint(Number(ent.slice(1)));
    if (/^#x[0-9a-f]+$/i.test(ent)) return String.fromCodePoint(parseInt(ent.slice(2), 16));
    throw new XmlError(`unknown entity &${ent}; near offset ${at}`);
  });
}

export function parseXml(src: string): XmlElement {
  let i = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const skipMisc = () => {
    for (;;) {
      const ws = /^\s*/.exec(src.slice(i))![0].length;
      i += ws;
      if (src.startsWith('<!--', i)) {
        const end = src.indexOf('-->', i + 4);
        if (end < 0) throw new XmlError('unterminated comment');
        if (src.slice(i + 4, end).includes('--')) throw new XmlError(`'--' inside a comment at offset ${i}`);
        i = end + 3;
      } else if (src.startsWith('<?', i)) {
        const end = src.indexOf('?>', i);
        if (end < 0) throw new XmlError('unterminated processing instruction');
        i = end + 2;
      } else return;
    }
  };
  if (src.startsWith('<?xml') && !src.startsWith('<?xml ')) throw new XmlError('bad XML declaration');
  skipMisc();
  while (i < src.length) {
    if (src.startsWith('<!--', i) || src.startsWith('<?', i)) {
      skipMisc();
      continue;
    }
    if (src.startsWith('</', i)) {
      const m = NAME.exec(src.slice(i + 2));
      if (!m) throw new XmlError(`bad closing tag at offset ${i}`);
      const top = stack.pop();
      if (!top || top.name !== m[0]) throw new XmlError(`</${m[0]}> at offset ${i} does not close <${top?.name ?? '(nothing)'}>`);
      i += 2 + m[0].length;
      const ws = /^\s*>/.exec(src.slice(i));
      if (!ws) throw new XmlError(`bad closing tag </${m[0]}>`);
      i += ws[0].length;
      if (stack.length === 0) {
        skipMisc();
        if (i < src.length) throw new XmlError(`content after the root element at offset ${i}`);
      }
      continue;
    }
    if (src[i] === '<') {
      const m = NAME.exec(src.slice(i + 1));
      if (!m) throw new XmlError(`bad tag at offset ${i}`);
      if (!stack.length && root) throw new XmlError('more than one root element');
      const el: XmlElement = { name: m[0], attrs: {}, children: [], text: '' };
      i += 1 + m[0].length;
      for (;;) {
        const ws = /^\s*/.exec(src.slice(i))![0].length;
        i += ws;
        if (src.startsWith('/>', i) || src[i] === '>') break;
        if (!ws) throw new XmlError(`missing space before attribute in <${el.name}>`);
        const a = /^([A-Za-z_][\w.:-]*)\s*=\s*("([^"<]*)"|'([^'<]*)')/.exec(src.slice(i));
        if (!a) throw new XmlError(`bad attribute in <${el.name}> at offset ${i}`);
        if (a[1] in el.attrs) throw new XmlError(`duplicate attribute ${a[1]} in <${el.name}>`);
        el.attrs[a[1]] = decode(a[3] ?? a[4], i);
        i += a[0].length;
      }
      if (stack.length) stack[stack.length - 1].children.push(el);
      else root = el;
      if (src.startsWith('/>', i)) {
        i += 2;
        if (!stack.length) {
          skipMisc();
          if (i < src.length) throw new XmlError('content after the root element');
        }
      } else {
        i += 1;
        stack.push(el);
      }
      continue;
    }
    const next = src.indexOf('<', i);
    const text = src.slice(i, next < 0 ? src.length : next);
    if (!stack.length) throw new XmlError(`text outside the root element at offset ${i}`);
    stack[stack.length - 1].text += decode(text, i);
    i = next < 0 ? src.length : next;
  }
  if (stack.length) throw new XmlError(`<${stack[stack.length - 1].name}> is never closed`);
  if (!root) throw new XmlError('no root element');
  return root;
}
