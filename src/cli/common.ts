/** Pieces every command shares: rule loading with mapping/placeholders, issue printing, exit codes. */
import { closeSync, createWriteStream, openSync } from 'node:fs';
import type { Issue } from '../issues.js';
import { BallotguardError, UsageError, formatIssue } from '../issues.js';
import type { MappingPipeline } from '../mapping/mapping.js';
import { defaultMapping, loadMapping, mergeMappings } from '../mapping/mapping.js';
import { builtinRulesDir } from '../paths.js';
import { loadPlaceholders, loadRules } from '../sigma/load-rules.js';
import { RuleCache, defaultCacheDir } from '../sigma/rule-cache.js';
import type { LoadedRules } from '../sigma/load-rules.js';
import { RULE_LEVELS } from '../sigma/parse/ast.js';
import type { RuleLevel } from '../sigma/parse/ast.js';
import type { OutputFormat } from './output/alert-writers.js';
import { OUTPUT_FORMATS } from './output/alert-writers.js';

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** Maps any error to an exit code and a message: the one place where that happens for the CLI. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError) return EXIT.usage;
  return EXIT.failure;
}

export function describeError(error: unknown): string {
  if (error instanceof BallotguardError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

export interface RuleOptions {
  readonly rules?: readonly string[];
  readonly builtin?: boolean;
  readonly mapping?: readonly string[];
  readonly placeholders?: string;
  /** Use the parsed-rule cache (default true; `--no-cache` turns it off). */
  readonly cache?: boolean;
}

export interface PreparedRules {
  readonly loaded: LoadedRules;
  readonly mapping: MappingPipeline;
  readonly placeholders: Map<string, string[]>;
}

export async function prepareRules(
  options: RuleOptions,
  onIssue: (issue: Issue) => void,
): Promise<PreparedRules> {
  const paths = [...(options.builtin === false ? [] : [builtinRulesDir()]), ...(options.rules ?? [])];
  if (paths.length === 0) throw new UsageError('no rules to load: give --rules PATH or drop --no-builtin');
  let mapping = defaultMapping();
  for (const file of options.mapping ?? []) {
    const loaded = loadMapping(file);
    for (const issue of loaded.issues) onIssue(issue);
    if (loaded.issues.some((issue) => issue.severity === 'error')) {
      throw new UsageError(`the mapping file ${file} has errors (see above); fix it or leave out --mapping`);
    }
    mapping = mergeMappings(mapping, loaded.mapping);
  }
  let placeholders = new Map<string, string[]>();
  if (options.placeholders !== undefined) {
    try {
      placeholders = await loadPlaceholders(options.placeholders);
    } catch (error) {
      throw new UsageError(`cannot read placeholders: ${describeError(error)}`);
    }
  }
  const loaded = await loadRules(
    paths,
    options.cache === false ? {} : { cache: new RuleCache(defaultCacheDir(), paths) },
  );
  return { loaded, mapping, placeholders };
}

export function parseFormat(value: string | undefined, fallback: OutputFormat): OutputFormat {
  if (value === undefined) return fallback;
  if (!(OUTPUT_FORMATS as readonly string[]).includes(value)) {
    throw new UsageError(`--format must be one of ${OUTPUT_FORMATS.join(', ')} (got '${value}')`);
  }
  return value as OutputFormat;
}

export function parseLevel(value: string | undefined): RuleLevel {
  if (value === undefined) return 'informational';
  if (!(RULE_LEVELS as readonly string[]).includes(value)) {
    throw new UsageError(`--min-level must be one of ${RULE_LEVELS.join(', ')} (got '${value}')`);
  }
  return value as RuleLevel;
}

export function parsePositiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1)
    throw new UsageError(`${name} must be a positive integer (got '${value}')`);
  return parsed;
}

/** Prints issues on stderr, at most `limit` per code, then how many more there were. */
export class IssueReporter {
  private readonly perCode = new Map<string, number>();
  errors = 0;
  warnings = 0;

  constructor(
    private readonly write: (text: string) => void,
    private readonly limit: number,
  ) {}

  readonly report = (issue: Issue): void => {
    if (issue.severity === 'error') this.errors++;
    else this.warnings++;
    const seen = (this.perCode.get(issue.code) ?? 0) + 1;
    this.perCode.set(issue.code, seen);
    if (seen <= this.limit) this.write(`${formatIssue(issue)}\n`);
  };

  summary(): string | undefined {
    const hidden = [...this.perCode]
      .filter(([, count]) => count > this.limit)
      .map(([code, count]) => `${count - this.limit} more ${code}`);
    return hidden.length > 0 ? `(${hidden.join(', ')} not shown; use --verbose to see all)` : undefined;
  }
}

/**
 * Opens `--output FILE` (created now, so a bad path fails before any work) or stdout; returns a buffered
 * write function, a back-pressure wait and a closer. A reader that goes away (`hunt | head`) ends the
 * program quietly, as command-line tools do on a broken pipe.
 */
export function openOutput(file: string | undefined): {
  write: (text: string) => void;
  drain: () => Promise<void>;
  close: () => Promise<void>;
  stream: NodeJS.WritableStream;
} {
  let stream: NodeJS.WritableStream;
  if (file === undefined || file === '-') {
    stream = process.stdout;
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(EXIT.ok);
      process.stderr.write(`ballotguard: cannot write the output: ${error.message}\n`);
      process.exit(EXIT.failure);
    });
  } else {
    let fd: number;
    try {
      fd = openSync(file, 'w');
    } catch (error) {
      throw new UsageError(`cannot write --output ${file}: ${(error as Error).message}`);
    }
    stream = createWriteStream(file, { fd });
  }
  let pending = '';
  let blocked = false;
  const flush = (): void => {
    if (pending === '') return;
    if (!stream.write(pending)) blocked = true;
    pending = '';
  };
  return {
    stream,
    write: (text) => {
      pending += text;
      if (pending.length >= 64 * 1024) flush();
    },
    drain: async () => {
      flush();
      if (blocked && (stream as NodeJS.WriteStream).writableNeedDrain) {
        blocked = false;
        await new Promise<void>((resolve) => stream.once('drain', resolve));
      }
    },
    close: async () => {
      flush();
      if (stream === process.stdout) {
        await new Promise<void>((resolve) => (stream.write('') ? resolve() : stream.once('drain', resolve)));
        return;
      }
      await new Promise<void>((resolve, reject) => {
        stream.once('error', reject);
        (stream as NodeJS.WritableStream & { end(cb: () => void): void }).end(resolve);
      });
    },
  };
}

/** Checks that a file can be written now (e.g. `--stats-json`), so a typo fails before a long run. */
export function ensureWritable(option: string, file: string): void {
  try {
    closeSync(openSync(file, 'a'));
  } catch (error) {
    throw new UsageError(`cannot write ${option} ${file}: ${(error as Error).message}`);
  }
}
