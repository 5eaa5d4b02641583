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

export const configSchema = z.object({ hunt: huntSchema.optional() }).strict();

export type BallotguardConfig = z.infer<typeof configSchema>;
export type HuntConfig = z.infer<typeof huntSchema>;

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
  const hunt = parsed.data.hunt;
  if (hunt === undefined) return parsed.data;
  return {
    hunt: {
      ...hunt,
      ...(hunt.rules ? { rules: hunt.rules.map(at) } : {}),
      ...(hunt.mapping ? { mapping: hunt.mapping.map(at) } : {}),
      ...(hunt.placeholders !== undefined ? { placeholders: at(hunt.placeholders) } : {}),
    },
  };
}
