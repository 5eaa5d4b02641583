/**
 * Logsource and field mapping: which events a Sigma rule's `logsource` stands for, and how its field names
 * are spelled there. The mapping is data (YAML, format documented at the top of `windows.yaml`): the
 * shipped default maps Windows categories to Sysmon event IDs and, where Windows auditing records the same
 * thing, to Security-channel events with renamed fields; services map to channels (`windows.yaml`); and
 * webserver and Linux logsources map to the classes of text logs (W3C, syslog, auditd; `text-logs.yaml`).
 * Users add files with `--mapping`, merged over the default with `mergeMappings`.
 *
 * @example
 *   const user = loadMapping('site.yaml');            // report user.issues, go on with user.mapping
 *   const mapping = mergeMappings(defaultMapping(), user.mapping);
 *   const r = resolveLogsource(mapping, rule.logsource);
 *   if (r.kind === 'windows') for (const v of r.variants) { v.channels; v.eventIds; renameField(v, 'Image'); }
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BallotguardError, formatIssue, type Issue } from '../issues.js';
import { parseMapping } from './parse-mapping.js';
import type { MappingEntry, MappingPipeline } from './types.js';

export { MAPPING_FORMAT_VERSION, parseMapping } from './parse-mapping.js';
export { renameField, resolveLogsource, unsupportedFields } from './resolve.js';
export type * from './types.js';

/** Mapping files are small configuration; anything larger is refused rather than read into memory. */
export const MAX_MAPPING_BYTES = 4 * 1024 * 1024;

export const DEFAULT_MAPPING_FILE = 'windows.yaml';

/** The files of the shipped default mapping, merged in this order. */
export const DEFAULT_MAPPING_FILES = [DEFAULT_MAPPING_FILE, 'text-logs.yaml'] as const;

/**
 * Reads and validates a mapping file. Never throws for bad content or an unreadable file: problems come
 * back as issues (codes `mapping-read`, `mapping-yaml`, `mapping-invalid`, `mapping-duplicate`), naming the
 * file, line, column and entry; invalid entries are left out and the valid rest is returned.
 */
export function loadMapping(path: string): { mapping: MappingPipeline; issues: Issue[] } {
  const empty: MappingPipeline = { name: path, sources: [path], systemFields: [], entries: [] };
  const fail = (message: string) => ({
    mapping: empty,
    issues: [{ code: 'mapping-read', severity: 'error', message, location: { file: path } } satisfies Issue],
  });
  let text: string;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) return fail('not a regular file');
    if (stat.size > MAX_MAPPING_BYTES) {
      return fail(`mapping file is ${stat.size} bytes; the limit is ${MAX_MAPPING_BYTES}`);
    }
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return fail(`cannot read mapping file: ${err instanceof Error ? err.message : String(err)}`);
  }
  return parseMapping(text, path);
}

/**
 * Where a file of the shipped mapping (default: windows.yaml) lives. tsc does not copy .yaml files, so
 * besides the module's own folder (src/mapping under vitest or tsx, or dist/src/mapping if a build step
 * copies it) this looks in `src/mapping/` under the package root, found by walking up to package.json.
 */
export function defaultMappingPath(file: string = DEFAULT_MAPPING_FILE): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, file)];
  for (let dir = here; ;) {
    if (existsSync(join(dir, 'package.json'))) {
      candidates.push(join(dir, 'src', 'mapping', file));
      break;
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  const found = candidates.find((p) => existsSync(p));
  if (found === undefined) {
    throw new BallotguardError(
      'mapping-default-missing',
      `the default mapping ${file} is missing (looked in ${candidates.join(', ')}); reinstall Ballotguard`,
    );
  }
  return found;
}

let cachedDefault: MappingPipeline | undefined;

/**
 * The shipped default mapping (`DEFAULT_MAPPING_FILES`, merged), read on first use (never at import) and
 * kept: it is immutable. Throws a `BallotguardError` if a file is missing or invalid, which is a packaging
 * fault, not a user one.
 */
export function defaultMapping(): MappingPipeline {
  if (cachedDefault !== undefined) return cachedDefault;
  const parts = DEFAULT_MAPPING_FILES.map((file) => {
    const { mapping, issues } = loadMapping(defaultMappingPath(file));
    const errors = issues.filter((i) => i.severity === 'error');
    if (errors.length > 0) {
      throw new BallotguardError(
        'mapping-default-invalid',
        `the default mapping is invalid:\n${errors.map(formatIssue).join('\n')}`,
      );
    }
    return mapping;
  });
  cachedDefault = mergeMappings(...parts);
  return cachedDefault;
}

/**
 * Merges pipelines in order of increasing precedence (the default first, then user files). An entry
 * replaces an earlier entry of the same name (services are entries named `service:NAME`), a `disabled`
 * entry removes it, other entries are added; system fields are united. Later entries also win conflicting
 * renames between generic variants.
 */
export function mergeMappings(...pipelines: readonly MappingPipeline[]): MappingPipeline {
  const byName = new Map<string, MappingEntry>();
  const systemFields = new Set<string>();
  for (const pipeline of pipelines) {
    for (const field of pipeline.systemFields) systemFields.add(field);
    for (const entry of pipeline.entries) {
      // Delete first so the replacement moves to the end: entry order is precedence order.
      byName.delete(entry.name);
      if (!entry.disabled) byName.set(entry.name, entry);
    }
  }
  return {
    name: pipelines.map((p) => p.name).join(' + '),
    sources: pipelines.flatMap((p) => p.sources),
    systemFields: [...systemFields],
    entries: [...byName.values()],
  };
}
