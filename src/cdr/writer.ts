// Plain CDR (XCDR1) little-endian writer, the counterpart of reader.ts. An encoder is a function
// over a CdrSink; it runs once over a SizeSink to get the exact length, then once over a
// BufferSink into a buffer of that length, so no buffer ever grows or is copied.

const HEADER_BYTES = 4;

export interface CdrSink {
  uint8(v: number, field: string): void;
  uint16(v: number, field: string): void;
  int32(v: number, field: string): void;
  uint32(v: number, field: string): void;
  uint64(v: number | bigint, field: string): void;
  float32(v: number, field: string): void;
  float64(v: number, field: string): void;
  string(v: string, field: string): void;
  /** uint8[] with its uint32 length */
  bytes(v: Uint8Array, field: string): void;
}

function pad(pos: number, size: number): number {
  const rel = pos - HEADER_BYTES;
  return (size - (rel % size)) % size;
}

class SizeSink implements CdrSink {
  pos = HEADER_BYTES;
  uint8(): void {
    this.pos += 1;
  }
  uint16(): void {
    this.pos += pad(this.pos, 2) + 2;
  }
  int32(): void {
    this.pos += pad(this.pos, 4) + 4;
  }
  uint32(): void {
    this.pos += pad(this.pos, 4) + 4;
  }
  uint64(): void {
    this.pos += pad(this.pos, 8) + 8;
  }
  float32(): void {
    this.pos += pad(this.pos, 4) + 4;
  }
  float64(): void {
    this.pos += pad(this.pos, 8) + 8;
  }
  string(v: string): void {
    this.pos += pad(this.pos, 4) + 4 + Buffer.byteLength(v, 'utf8') + 1;
  }
  bytes(v: Uint8Array): void {
    this.pos += pad(this.pos, 4) + 4 + v.byteLength;
  }
}

const encoder = new TextEncoder();

function checkInt(v: number, lo: number, hi: number, field: string, type: string): void {
  if (!Number.isInteger(v) || v < lo || v > hi) {
    throw new RangeError(`${field}: ${String(v)} is not a valid ${type}`);
  }
}

class BufferSink implements CdrSink {
  pos = HEADER_BYTES;
  readonly out: Uint8Array;
  private readonly view: DataView;

  constructor(size: number) {
    this.out = new Uint8Array(size);
    this.view = new DataView(this.out.buffer, 0, size);
    this.out[1] = 0x01; // CDR_LE encapsulation; options 0
  }

  private align(size: number): void {
    // The buffer is zero-filled, so padding bytes need no writing.
    this.pos += pad(this.pos, size);
  }
  uint8(v: number, field: string): void {
    checkInt(v, 0, 0xff, field, 'uint8');
    this.out[this.pos++] = v;
  }
  uint16(v: number, field: string): void {
    checkInt(v, 0, 0xffff, field, 'uint16');
    this.align(2);
    this.view.setUint16(this.pos, v, true);
    this.pos += 2;
  }
  int32(v: number, field: string): void {
    checkInt(v, -0x80000000, 0x7fffffff, field, 'int32');
    this.align(4);
    this.view.setInt32(this.pos, v, true);
    this.pos += 4;
  }
  uint32(v: number, field: string): void {
    checkInt(v, 0, 0xffffffff, field, 'uint32');
    this.align(4);
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
  }
  uint64(v: number | bigint, field: string): void {
    let b: bigint;
    if (typeof v === 'bigint') {
      b = v;
    } else {
      checkInt(v, 0, Number.MAX_SAFE_INTEGER, field, 'uint64 (as a safe integer number)');
      b = BigInt(v);
    }
    if (b < 0n || b > 0xffffffffffffffffn) throw new RangeError(`${field}: ${b} is not a valid uint64`);
    this.align(8);
    this.view.setBigUint64(this.pos, b, true);
    this.pos += 8;
  }
  float32(v: number, field: string): void {
    if (typeof v !== 'number') throw new TypeError(`${field}: expected a number`);
    this.align(4);
    this.view.setFloat32(this.pos, v, true);
    this.pos += 4;
  }
  float64(v: number, field: string): void {
    if (typeof v !== 'number') throw new TypeError(`${field}: expected a number`);
    this.align(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }
  string(v: string, field: string): void {
    if (typeof v !== 'string') throw new TypeError(`${field}: expected a string`);
    this.align(4);
    const lenPos = this.pos;
    this.pos += 4;
    const { written } = encoder.encodeInto(v, this.out.subarray(this.pos));
    this.view.setUint32(lenPos, written + 1, true);
    this.pos += written + 1; // the NUL is already 0
  }
  bytes(v: Uint8Array, field: string): void {
    this.uint32(v.byteLength, `${field} length`);
    this.out.set(v, this.pos);
    this.pos += v.byteLength;
  }
}

/** Runs `body` to size the message, then writes it into a buffer of exactly that size (CDR_LE). */
export function encodeCdr(body: (sink: CdrSink) => void): Uint8Array {
  const sizer = new SizeSink();
  body(sizer);
  const sink = new BufferSink(sizer.pos);
  body(sink);
  if (sink.pos !== sizer.pos) {
    // Only possible if `body` wrote different fields on its two runs.
    throw new Error(`CDR encoder wrote ${sink.pos} bytes after sizing ${sizer.pos}`);
  }
  return sink.out;
}
