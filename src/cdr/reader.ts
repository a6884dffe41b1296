// A bounds-checked reader for plain CDR (XCDR1) as ROS 2 middlewares write it: a 4-byte
// encapsulation header (CDR_BE `00 00 ..` or CDR_LE `00 01 ..`), then the fields with natural
// alignment counted from the byte after that header (8-byte types align to 8 in XCDR1).
// Every read checks the remaining length first, so a short or garbled message becomes a
// FrameError naming the field, never an out-of-bounds read or a RangeError.
import { FrameError } from '../errors';

/** Encapsulation kinds of the RTPS serialized payload header that plain CDR readers accept. */
export const CDR_BE = 0x0000;
export const CDR_LE = 0x0001;

const HEADER_BYTES = 4;

const utf8 = new TextDecoder('utf-8', { fatal: false });

export class CdrReader {
  readonly buf: Uint8Array;
  readonly littleEndian: boolean;
  private readonly view: DataView;
  private pos = HEADER_BYTES;

  /** @param what the message type, for error messages (e.g. `sensor_msgs/msg/Image`) */
  constructor(buf: Uint8Array, readonly what: string) {
    if (!(buf instanceof Uint8Array)) {
      throw new FrameError('bad_cdr', `${what}: expected the serialized message as a Uint8Array/Buffer`);
    }
    if (buf.byteLength < HEADER_BYTES) {
      throw new FrameError(
        'truncated_cdr',
        `${what}: ${buf.byteLength} bytes is shorter than the 4-byte CDR encapsulation header`,
      );
    }
    const kind = (buf[0] << 8) | buf[1];
    if (kind !== CDR_BE && kind !== CDR_LE) {
      throw new FrameError(
        'bad_cdr',
        `${what}: unsupported CDR encapsulation 0x${hex2(buf[0])}${hex2(buf[1])} ` +
          `(expected 0x0000 CDR_BE or 0x0001 CDR_LE, as ROS 2 middlewares write)`,
      );
    }
    this.buf = buf;
    this.littleEndian = kind === CDR_LE;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** Offset in bytes from the start of the buffer (header included). */
  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.buf.byteLength - this.pos;
  }

  private align(size: number, field: string): void {
    const rel = this.pos - HEADER_BYTES;
    const pad = (size - (rel % size)) % size;
    if (pad > 0) {
      this.need(pad, field, 'alignment padding');
      this.pos += pad;
    }
  }

  private need(n: number, field: string, what: string): void {
    const have = this.buf.byteLength - this.pos;
    if (n > have) {
      throw new FrameError(
        'truncated_cdr',
        `${this.what}: truncated at ${field} (${what}): needs ${n} bytes at offset ${this.pos}, ` +
          `${have} remain (${n - have} missing; message is ${this.buf.byteLength} bytes)`,
      );
    }
  }

  uint8(field: string): number {
    this.need(1, field, 'uint8');
    return this.buf[this.pos++];
  }

  uint16(field: string): number {
    this.align(2, field);
    this.need(2, field, 'uint16');
    const v = this.view.getUint16(this.pos, this.littleEndian);
    this.pos += 2;
    return v;
  }

  int32(field: string): number {
    this.align(4, field);
    this.need(4, field, 'int32');
    const v = this.view.getInt32(this.pos, this.littleEndian);
    this.pos += 4;
    return v;
  }

  uint32(field: string): number {
    this.align(4, field);
    this.need(4, field, 'uint32');
    const v = this.view.getUint32(this.pos, this.littleEndian);
    this.pos += 4;
    return v;
  }

  uint64(field: string): bigint {
    this.align(8, field);
    this.need(8, field, 'uint64');
    const v = this.view.getBigUint64(this.pos, this.littleEndian);
    this.pos += 8;
    return v;
  }

  float32(field: string): number {
    this.align(4, field);
    this.need(4, field, 'float32');
    const v = this.view.getFloat32(this.pos, this.littleEndian);
    this.pos += 4;
    return v;
  }

  float64(field: string): number {
    this.align(8, field);
    this.need(8, field, 'float64');
    const v = this.view.getFloat64(this.pos, this.littleEndian);
    this.pos += 8;
    return v;
  }

  /**
   * A CDR string: uint32 length including the terminating NUL, the UTF-8 bytes, the NUL.
   * A length of 0 (no NUL at all) is read as "" for leniency; some writers emit it.
   */
  string(field: string): string {
    const len = this.uint32(`${field} length`);
    if (len === 0) return '';
    this.need(len, field, `string of ${len} bytes incl. NUL`);
    const end = this.pos + len - 1;
    if (this.buf[end] !== 0) {
      throw new FrameError(
        'bad_cdr',
        `${this.what}: ${field} is not NUL-terminated (length ${len} at offset ${this.pos - 4}): ` +
          'the message is garbled or not of this type',
      );
    }
    const s = utf8.decode(this.buf.subarray(this.pos, end));
    this.pos += len;
    return s;
  }

  /** uint32 element count of a sequence whose elements take at least `minElementBytes` each. */
  sequenceLength(field: string, minElementBytes: number): number {
    const n = this.uint32(`${field} length`);
    const have = this.buf.byteLength - this.pos;
    if (minElementBytes > 0 && n > have / minElementBytes) {
      throw new FrameError(
        'truncated_cdr',
        `${this.what}: truncated at ${field}: the sequence claims ${n} elements ` +
          `(at least ${n * minElementBytes} bytes), ${have} bytes remain`,
      );
    }
    return n;
  }

  /** uint8[]: a zero-copy view into the message buffer. */
  bytes(field: string): Uint8Array {
    const n = this.uint32(`${field} length`);
    this.need(n, field, `uint8[${n}]`);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
}

function hex2(b: number): string {
  return b.toString(16).padStart(2, '0');
}
