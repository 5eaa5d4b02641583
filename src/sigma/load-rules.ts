/**
 * Reads Sigma rule files and folders (recursively, in a stable order) into parsed documents. Test files
 * (`*.tests.yaml`) beside rules are not rules and are skipped. Unreadable files become issues.
 */
import { readFileSync, statSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import type { RuleCache } from './rule-cache.js';
import { extname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Issue } from '../issues.js';
import type { RuleSource } from './compile/compile-rules.js';
import { parseRuleText } from './parse/parse-rules.js';

const MAX_RULE_FILE_BYTES = 4 * 1024 * 1024;

export function isRuleFile(name: string): boolean {
  const extension = extname(name).toLowerCase();
  return (extension === '.yml' || extension === '.yaml') && !/\.tests\.ya?ml$/i.test(name);
}

export interface LoadedRules {
  readonly sources: readonly RuleSource[];
  readonly files: number;
  /** YAML documents that looked like rules, loaded or not. */
  readonly documents: number;
  readonly issues: readonly Issue[];
}

async function collect(path: string, files: string[], issues: Issue[], depth: number): Promise<void> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    issues.push({
      code: 'not-found',
      severity: 'error',
      message: `cannot read rules: ${(error as Error).message}`,
      location: { file: path },
    });
    return;
  }
  if (info.isDirectory()) {
    if (depth > 32) return;
    const entries = (await readdir(path)).sort();
    for (const entry of entries) {
      const child = join(path, entry);
      if (entry.startsWith('.')) continue;
      let childInfo;
      try {
        childInfo = await stat(child);
      } catch {
        continue;
      }
      if (childInfo.isDirectory()) await collect(child, files, issues, depth + 1);
      else if (isRuleFile(entry)) files.push(child);
    }
  } else files.push(path);
}

export async function listRuleFiles(paths: readonly string[]): Promise<{ files: string[]; issues: Issue[] }> {
  const files: string[] = [];
  const issues: Issue[] = [];
  for (const path of paths) await collect(path, files, issues, 0);
  return { files, issues };
}

export interface LoadRulesOptions {
  /** Parsed-rule cache; none by default (the CLI passes one unless --no-cache). */
  readonly cache?: RuleCache;
}

export async function loadRules(
  paths: readonly string[],
  options: LoadRulesOptions = {},
): Promise<LoadedRules> {
  const cache = options.cache;
  const { files, issues } = await listRuleFiles(paths);
  const sources: RuleSource[] = [];
  let documents = 0;
  for (const file of files) {
    let text: string;
    try {
      // Synchronous reads: thousands of small files load several times faster than with a promise each.
      const info = statSync(file);
      if (info.size > MAX_RULE_FILE_BYTES) {
        issues.push({
          code: 'rule-file-too-large',
          severity: 'error',
          message: `rule file is ${info.size} bytes (limit ${MAX_RULE_FILE_BYTES})`,
          location: { file },
        });
        documents++;
        continue;
      }
      const cached = cache?.get(file, info.size, info.mtimeMs);
      if (cached !== undefined) {
        documents += cached.documentCount;
        issues.push(...cached.issues);
        sources.push({ path: file, documents: cached.documents });
        continue;
      }
      text = readFileSync(file, 'utf8');
      const parsed = parseRuleText(text, file);
      cache?.set(file, info.size, info.mtimeMs, parsed);
      documents += parsed.documentCount;
      issues.push(...parsed.issues);
      sources.push({ path: file, documents: parsed.documents });
    } catch (error) {
      issues.push({
        code: 'unreadable',
        severity: 'error',
        message: (error as Error).message,
        location: { file },
      });
      documents++;
    }
  }
  cache?.save();
  return { sources, files: files.length, documents, issues };
}

/** Placeholder values for the `expand` modifier: a YAML mapping of name → list of values. */
export async function loadPlaceholders(file: string): Promise<Map<string, string[]>> {
  const text = await readFile(file, 'utf8');
  const data: unknown = parseYaml(text);
  const result = new Map<string, string[]>();
  if (data === null || data === undefined) return result;
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new Error(`${file}: placeholders must be a mapping of name → list of values`);
  }
  for (const [name, value] of Object.entries(data as Record<string, unknown>)) {
    const values = Array.isArray(value) ? value : [value];
    result.set(
      name.replace(/^%|%$/g, ''),
      values.map((item) => {
        if (item === null || typeof item === 'object')
          throw new Error(`${file}: placeholder '${name}' must hold scalar values`);
        return String(item as string | number | boolean);
      }),
    );
  }
  return result;
}
