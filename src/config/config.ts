/**
 * The YAML configuration file: defaults for the command line, read once at the composition root.
 * Found at `--config FILE`, else `$BALLOTGUARD_CONFIG`, else `./ballotguard.yaml` when present.
 * Command-line flags always win over the file. Relative paths in the file are relative to the file.
 *
 * @example
 *   # ballotguard.yaml
 *   hunt:
 *     rules: [/opt/sigma/rules/windows, ./our-rules]
 *     placeholders: ./placeholders.yml
 *     mapping: [./nxlog-mapping.yaml]
 *     minLevel: medium
 *     threads: 4
 *     format: ndjson
 *   store:
 *     url: ./cases.db            # or postgres://bg@db.internal/ballotguard; default for `alerts --db`
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { UsageError } from '../issues.js';

const huntSchema = z
  .object({
    rules: z.array(z.string()).optional(),
    builtin: z.boolean().optional(),
    placeholders: z.string().optional(),
    mapping: z.array(z.string()).optional(),
    minLevel: z.enum(['informational', 'low', 'medium', 'high', 'critical']).optional(),
    threads: z.number().int().positive().optional(),
    format: z.enum(['table', 'json', 'ndjson', 'csv']).optional(),
    maxRecordBytes: z.number().int().positive().optional(),
    cache: z.boolean().optional(),
  })
  .strict();

const storeSchema = z
  .object({
    /** A SQLite file (relative to the config file) or a postgres:// URL. */
    url: z.string().min(1).optional(),
  })
  .strict();

/** `ballotguard serve` (docs/server.md). The database is `store.url`. */
const serverSchema = z
  .object({
    host: z.string().min(1).optional(),
    port: z.number().int().min(0).max(65535).optional(),
    tls: z
      .object({ cert: z.string().min(1), key: z.string().min(1) })
      .strict()
      .optional(),
    /** Browser origins allowed to call the API (`https://soc.example.org`); none by default. */
    corsOrigins: z
      .array(z.string().regex(/^https?:\/\/[^/\s]+$/, 'an origin like https://soc.example.org'))
      .optional(),
    maxUploadMB: z.number().positive().max(1_048_576).optional(),
    uploadDir: z.string().min(1).optional(),
    /** Where `attack import` saved the ATT&CK catalogue. */
    dataDir: z.string().min(1).optional(),
    /** The dashboard's built files. */
    webDir: z.string().min(1).optional(),
    /** Behind a reverse proxy: trust its X-Forwarded-For (true, or its address/CIDR list). */
    trustProxy: z.union([z.boolean(), z.string().min(1)]).optional(),
    /** Detection threads for uploaded hunts (default 1). */
    huntThreads: z.number().int().positive().optional(),
    /** Failed authentications per address per minute before 429 (default 10). */
    authFailuresPerMinute: z.number().int().positive().optional(),
  })
  .strict();

export const configSchema = z
  .object({ hunt: huntSchema.optional(), store: storeSchema.optional(), server: serverSchema.optional() })
  .strict();

export type BallotguardConfig = z.infer<typeof configSchema>;
export type HuntConfig = z.infer<typeof huntSchema>;
export type StoreConfig = z.infer<typeof storeSchema>;
export type ServerConfig = z.infer<typeof serverSchema>;

export const DEFAULT_CONFIG_FILE = 'ballotguard.yaml';

/** Where the configuration comes from, or undefined when there is none. */
export function configPath(explicit: string | undefined): string | undefined {
  if (explicit !== undefined) return explicit;
  const fromEnvironment = process.env['BALLOTGUARD_CONFIG'];
  if (fromEnvironment) return fromEnvironment;
  return existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined;
}

/** Reads and validates the file; problems are usage errors naming the file and the field. */
export function loadConfig(path: string | undefined): BallotguardConfig {
  if (path === undefined) return {};
  let data: unknown;
  try {
    data = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read the config file ${path}: ${(error as Error).message}`);
  }
  const parsed = configSchema.safeParse(data ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`,
    );
    throw new UsageError(`the config file ${path} is invalid: ${problems.join('; ')}`);
  }
  const base = dirname(resolve(path));
  const at = (file: string): string => (isAbsolute(file) ? file : resolve(base, file));
  const store = parsed.data.store;
  const storeUrl =
    store?.url === undefined || /^postgres(ql)?:\/\//i.test(store.url) ? store?.url : at(store.url);
  const withStore: BallotguardConfig =
    store === undefined
      ? parsed.data
      : { ...parsed.data, store: { ...store, ...(storeUrl ? { url: storeUrl } : {}) } };
  const server = parsed.data.server;
  const withServer: BallotguardConfig =
    server === undefined
      ? withStore
      : {
          ...withStore,
          server: {
            ...server,
            ...(server.tls !== undefined
              ? { tls: { cert: at(server.tls.cert), key: at(server.tls.key) } }
              : {}),
            ...(server.uploadDir !== undefined ? { uploadDir: at(server.uploadDir) } : {}),
            ...(server.dataDir !== undefined ? { dataDir: at(server.dataDir) } : {}),
            ...(server.webDir !== undefined ? { webDir: at(server.webDir) } : {}),
          },
        };
  const hunt = parsed.data.hunt;
  if (hunt === undefined) return withServer;
  return {
    ...withServer,
    hunt: {
      ...hunt,
      ...(hunt.rules ? { rules: hunt.rules.map(at) } : {}),
      ...(hunt.mapping ? { mapping: hunt.mapping.map(at) } : {}),
      ...(hunt.placeholders !== undefined ? { placeholders: at(hunt.placeholders) } : {}),
    },
  };
}
