/**
 * The rules a server hunts with, prepared the way `ballotguard hunt` prepares them (built-in pack plus
 * `--rules`, mapping pipelines, placeholders, the parsed-rule cache): the catalogue for `/rules` and
 * coverage, compiled once, and the `HuntSetup` that reloads them for each uploaded hunt. Used by
 * `ballotguard serve` and by tests that need a server hunting exactly like it.
 *
 * @example
 *   const { hunting, rules } = await createHunting({ rules: ['/opt/sigma/rules'], attack });
 *   const app = await buildServer({ store, hunting, rules, attack });
 */
import { prepareRules } from '../cli/common.js';
import type { RuleOptions } from '../cli/common.js';
import type { AttackIndex } from '../intel/attack/catalogue.js';
import type { Issue } from '../issues.js';
import { builtinRulesDir } from '../paths.js';
import { compileRules } from '../sigma/compile/compile-rules.js';
import type { RuleLevel } from '../sigma/parse/ast.js';
import { RuleCatalogue } from './attack-views.js';
import type { HuntSetup, PreparedDetector } from './hunt-service.js';

export interface HuntingOptions extends RuleOptions {
  /** Alerts below this level are not raised (default informational). */
  readonly minLevel?: RuleLevel;
  /** Detection threads per hunt (default 1). */
  readonly threads?: number;
  readonly maxQueued?: number;
  readonly maxRecordBytes?: number;
  readonly attack?: AttackIndex;
  /** Problems met loading the rules at start (bad rule files, mapping warnings). */
  readonly onIssue?: (issue: Issue) => void;
}

export interface Hunting {
  readonly hunting: HuntSetup;
  readonly rules: RuleCatalogue;
  /** Rules that compiled, and rules that did not (parse or compile errors). */
  readonly loaded: number;
  readonly failed: number;
  /** Rule files and folders, as recorded with each hunt. */
  readonly ruleSources: readonly string[];
}

const errors = (issues: readonly Issue[]): number =>
  issues.filter((issue) => issue.severity === 'error').length;

export async function createHunting(options: HuntingOptions): Promise<Hunting> {
  const onIssue = options.onIssue ?? (() => undefined);
  const ruleSources = [...(options.builtin === false ? [] : [builtinRulesDir()]), ...(options.rules ?? [])];
  const prepared = await prepareRules(options, onIssue);
  for (const issue of prepared.loaded.issues) onIssue(issue);
  const compiled = compileRules(prepared.loaded.sources, {
    mapping: prepared.mapping,
    placeholders: prepared.placeholders,
    retainDocuments: false,
  });
  for (const issue of compiled.issues) if (issue.severity === 'error') onIssue(issue);
  const hunting: HuntSetup = {
    threads: options.threads ?? 1,
    ruleSources,
    ...(options.maxQueued !== undefined ? { maxQueued: options.maxQueued } : {}),
    ...(options.maxRecordBytes !== undefined ? { maxRecordBytes: options.maxRecordBytes } : {}),
    ...(options.attack !== undefined ? { attack: options.attack } : {}),
    prepare: async (): Promise<PreparedDetector> => {
      const forHunt = await prepareRules(options, () => undefined);
      return {
        detector: {
          sources: forHunt.loaded.sources,
          mapping: forHunt.mapping,
          placeholders: [...forHunt.placeholders],
          minLevel: options.minLevel ?? 'informational',
        },
        ruleSources,
        parseFailures: errors(forHunt.loaded.issues),
      };
    },
  };
  return {
    hunting,
    rules: new RuleCatalogue(compiled.rules, ruleSources),
    loaded: compiled.rules.length,
    failed: compiled.failed.length + errors(prepared.loaded.issues),
    ruleSources,
  };
}
