/**
 * A cache of parsed rule files, so a hunt with thousands of rules does not re-parse YAML every run
 * (parsing SigmaHQ's Windows rules takes seconds; reading the cache, tens of milliseconds). Entries are
 * keyed by path, size and modification time, and the whole cache by a fingerprint of the parser code, so
 * an edited rule or a new version of Ballotguard is never served stale. A damaged cache is ignored.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ParseResult } from './parse/parse-rules.js';

interface Entry {
  readonly size: number;
  readonly mtimeMs: number;
  readonly result: ParseResult;
}

const PARSER_FILES = ['parse/parse-rules.js', 'parse/condition.js', 'parse/ast.js', 'rule-cache.js'];

/** Default location: `$BALLOTGUARD_CACHE_DIR`, else `$XDG_CACHE_HOME/ballotguard`, else `~/.cache/ballotguard`. */
export function defaultCacheDir(): string {
  const explicit = process.env['BALLOTGUARD_CACHE_DIR'];
  if (explicit) return explicit;
  return join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'ballotguard');
}

function parserFingerprint(): string {
  const hash = createHash('sha256');
  const here = dirname(fileURLToPath(import.meta.url));
  for (const file of PARSER_FILES) {
    try {
      hash.update(readFileSync(join(here, file)));
    } catch {
      // Running from TypeScript sources (tests): hash the .ts twin instead.
      try {
        hash.update(readFileSync(join(here, file.replace(/\.js$/, '.ts'))));
      } catch {
        hash.update(file);
      }
    }
  }
  return hash.digest('hex').slice(0, 16);
}

/** JSON cannot hold a Map: tag them. */
function replacer(_key: string, value: unknown): unknown {
  return value instanceof Map ? { __map: [...(value as Map<unknown, unknown>)] } : value;
}

function reviver(_key: string, value: unknown): unknown {
  if (typeof value === 'object' && value !== null && '__map' in value && Array.isArray(value.__map)) {
    return new Map((value as { __map: [unknown, unknown][] }).__map);
  }
  return value;
}

export class RuleCache {
  private readonly file: string;
  private entries = new Map<string, Entry>();
  private dirty = false;

  private readonly fingerprint: string;
  private readonly directory: string;

  /**
   * @param directory where cache files live
   * @param roots the rule paths being loaded: each set of roots gets its own file, so hunting with one
   *   small pack never reads the entries of a big one
   */
  constructor(directory: string, roots: readonly string[]) {
    this.directory = directory;
    this.fingerprint = parserFingerprint();
    const scope = createHash('sha256')
      .update(JSON.stringify([...roots].map((root) => resolve(root)).sort()))
      .digest('hex')
      .slice(0, 12);
    this.file = join(directory, `parsed-rules-${this.fingerprint}-${scope}.json`);
    try {
      const data = JSON.parse(readFileSync(this.file, 'utf8'), reviver) as { entries?: [string, Entry][] };
      if (Array.isArray(data.entries)) this.entries = new Map(data.entries);
    } catch {
      // Missing or damaged: start empty.
    }
  }

  get(path: string, size: number, mtimeMs: number): ParseResult | undefined {
    const entry = this.entries.get(path);
    return entry !== undefined && entry.size === size && entry.mtimeMs === mtimeMs ? entry.result : undefined;
  }

  set(path: string, size: number, mtimeMs: number, result: ParseResult): void {
    this.entries.set(path, { size, mtimeMs, result });
    this.dirty = true;
  }

  /** Writes the cache if it changed; failures (read-only home, full disk) are ignored: it is only a cache. */
  save(): void {
    if (!this.dirty) return;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      const temporary = `${this.file}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify({ entries: [...this.entries] }, replacer));
      renameSync(temporary, this.file);
      this.dirty = false;
      // Files written by other parser versions can never be read again.
      for (const name of readdirSync(this.directory)) {
        if (name.startsWith('parsed-rules-') && !name.startsWith(`parsed-rules-${this.fingerprint}-`)) {
          rmSync(join(this.directory, name), { force: true });
        }
      }
    } catch {
      // Not fatal.
    }
  }
}
