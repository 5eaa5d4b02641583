/**
 * Finds the shared corpora (`../shared` beside the project root, or `BALLOTGUARD_SHARED`). When they are
 * missing, tests fail under CI (CI=true) and are skipped with a message otherwise (CONTRACTS.md).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function findProjectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the project root (no package.json above test/helpers)');
    dir = parent;
  }
  return dir;
}

export const projectRoot = findProjectRoot();

export function sharedRoot(): string {
  return resolve(process.env['BALLOTGUARD_SHARED'] ?? join(projectRoot, '..', 'shared'));
}

export interface SharedLookup {
  readonly available: boolean;
  readonly path: string;
  /** Why the path is unusable, for the skip message. */
  readonly reason: string;
}

/** Locates `relative` inside the shared folder. Throws under CI when it is missing. */
export function sharedPath(relative: string): SharedLookup {
  const path = join(sharedRoot(), relative);
  if (existsSync(path)) return { available: true, path, reason: '' };
  const reason = `shared corpus not found at ${path} (set BALLOTGUARD_SHARED to the folder holding corpora/)`;
  if (process.env['CI'] === 'true') throw new Error(`${reason}; CI requires it`);
  console.warn(`skipping: ${reason}`);
  return { available: false, path, reason };
}
