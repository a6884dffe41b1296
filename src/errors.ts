// Typed errors for input that cannot be processed. Each carries a stable code (for counters and
// diagnostics) and a message a user understands. A FrameError costs one frame, never the node.
export type FrameErrorCode =
  | 'unknown_encoding'
  | 'bad_step'
  | 'short_data'
  | 'zero_size'
  | 'too_large'
  | 'odd_size'
  | 'truncated_cdr'
  | 'bad_cdr'
  | 'corrupt_image'
  | 'unsupported_format'
  | 'inference_failed'
  | 'timeout'
  | 'dropped'
  | 'shutdown';

export class FrameError extends Error {
  readonly code: FrameErrorCode;
  constructor(code: FrameErrorCode, message: string) {
    super(message);
    this.name = 'FrameError';
    this.code = code;
  }
}

export class ModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelError';
  }
}

export function isFrameError(err: unknown): err is FrameError {
  return err instanceof FrameError;
}
