/** Locations inside the installed package, resolved at call time (works from src/ and from dist/src/). */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cachedRoot: string | undefined;

export function packageRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the ballotguard package root');
    dir = parent;
  }
  cachedRoot = dir;
  return dir;
}

export function builtinRulesDir(): string {
  return join(packageRoot(), 'rules');
}
