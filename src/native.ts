// Loads the compiled addon once. MNV4_NATIVE_PATH points at another build (the AddressSanitizer one
// in CI); otherwise build/Release next to the package. Each module declares the slice of the
// binding it uses, so there is no single interface file that every concern must edit.
import * as path from 'path';

let cached: unknown;

export function nativeAddonPath(): string {
  return process.env.MNV4_NATIVE_PATH ?? path.join(__dirname, '..', '..', 'build', 'Release', 'mnv4_native.node');
}

export function loadNative<T>(): T {
  if (cached === undefined) {
    const file = resolveAddon();
    try {
      cached = require(file);
    } catch (err) {
      throw new Error(`cannot load the native addon ${file}: ${(err as Error).message}. Run \`bash scripts/setup.sh\` to build it.`);
    }
  }
  return cached as T;
}

function resolveAddon(): string {
  if (process.env.MNV4_NATIVE_PATH) return process.env.MNV4_NATIVE_PATH;
  // Compiled code runs from dist/src, ts-node from src: look upwards for build/Release.
  const fs = require('fs') as typeof import('fs');
  let dir = __dirname;
  for (let i = 0; i < 4; i++) {
    const candidate = path.join(dir, 'build', 'Release', 'mnv4_native.node');
    if (fs.existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  return nativeAddonPath();
}
