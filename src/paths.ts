// Where the package's own files live, whether running from src/ (ts-node) or dist/src/ (compiled).
import * as fs from 'fs';
import * as path from 'path';

function findRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'mobilenetv4_classifier') return dir;
    dir = path.dirname(dir);
  }
  throw new Error(`cannot find the mobilenetv4_classifier package root above ${__dirname}`);
}

export const packageRoot: string = findRoot();
export const configDir: string = path.join(packageRoot, 'config');
export const fixturesDir: string = path.join(packageRoot, 'test', 'fixtures');
