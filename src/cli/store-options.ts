/**
 * What the commands that read or change the store (`alerts`, `incidents`) share: the `--db`/`--config`/
 * `--format` options and how they resolve, opening and always closing the store, time, level and limit
 * options, and who is acting.
 */
import type { Command } from 'commander';
import { userInfo } from 'node:os';
import { configPath, loadConfig } from '../config/config.js';
import { UsageError } from '../issues.js';
import { RULE_LEVELS } from '../sigma/parse/ast.js';
import type { RuleLevel } from '../sigma/parse/ast.js';
import { DEFAULT_DATABASE, openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { parsePositiveInt } from './common.js';

export interface StoreFlags {
  db?: string;
  config?: string;
  format?: string;
}

/** For repeatable options that also take comma-separated values: `--host a --host b,c`. */
export const collect = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ...value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== ''),
];

export const DB_HELP = `database: a SQLite file or postgres://… URL (default: the config's store.url, else ./${DEFAULT_DATABASE})`;

/** `--db`, else the config file's `store.url`, else `./ballotguard.db`. */
export function databaseOf(flags: StoreFlags): string {
  if (flags.db !== undefined) return flags.db;
  return loadConfig(configPath(flags.config)).store?.url ?? DEFAULT_DATABASE;
}

/** Opens an existing store (a mistyped path is an error, not a new empty database) and closes it after. */
export async function withStore<T>(flags: StoreFlags, work: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(databaseOf(flags), { mustExist: true });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** Adds `--db`, `--config` and `--format` (with the formats the command accepts). */
export function storeOptions(
  command: Command,
  formatHelp = 'table|json|ndjson|csv (default: table on a TTY, otherwise ndjson for list, json for show)',
): Command {
  return command
    .option('--db <file|url>', DB_HELP)
    .option('--config <file>', 'YAML config file (default: $BALLOTGUARD_CONFIG or ./ballotguard.yaml)')
    .option('--format <format>', formatHelp);
}

const UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** `24h`, `7d` (that long ago), a date (`2021-05-04`, midnight UTC) or an ISO time → ISO time. */
export function parseTimeOption(name: string, value: string, now = Date.now()): string {
  const relative = /^(\d+)\s*([smhdw])$/i.exec(value.trim());
  if (relative !== null)
    return new Date(now - Number(relative[1]) * UNITS[relative[2]!.toLowerCase()]! * 1000).toISOString();
  const text = value.trim();
  const parsed = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00Z`) : Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(parsed))
    throw new UsageError(
      `${name} must be a time (2021-05-04, 2021-05-04T10:00:00Z) or an age (30m, 24h, 7d), got '${value}'`,
    );
  return new Date(parsed).toISOString();
}

/**
 * Levels to show from an exact-levels option (`--level high,critical`) and a minimum one
 * (`--min-level high`); both given means the levels in both. Undefined when neither is given.
 */
export function parseLevelFilter(
  exact: { readonly name: string; readonly values: readonly string[] | undefined },
  minimum: { readonly name: string; readonly value: string | undefined },
): RuleLevel[] | undefined {
  const check = (name: string, level: string): RuleLevel => {
    if (!(RULE_LEVELS as readonly string[]).includes(level))
      throw new UsageError(`${name} must be one of ${RULE_LEVELS.join(', ')} (got '${level}')`);
    return level as RuleLevel;
  };
  const chosen = exact.values?.map((level) => check(exact.name, level));
  const fromMin =
    minimum.value !== undefined
      ? RULE_LEVELS.slice(RULE_LEVELS.indexOf(check(minimum.name, minimum.value)))
      : undefined;
  if (chosen === undefined) return fromMin;
  if (fromMin === undefined) return chosen;
  const both = chosen.filter((level) => fromMin.includes(level));
  if (both.length === 0) throw new UsageError(`${exact.name} and ${minimum.name} leave no level to show`);
  return both;
}

/** `--limit N` or `--limit all` (Infinity). */
export function parseLimit(name: string, value: string | undefined, fallback: number): number {
  if (value === 'all') return Infinity;
  return parsePositiveInt(name, value, fallback);
}

/** Pads or cuts to a table column. */
export function fit(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
}

/** Who is acting: the OS user, or the environment's idea of it where the user database has no entry. */
export function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env['USER'] ?? process.env['USERNAME'] ?? 'unknown';
  }
}
