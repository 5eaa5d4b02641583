/** `ballotguard rules check` and `ballotguard rules test` (CONTRACTS.md). */
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { Detector } from '../detect/detector.js';
import { UsageError, formatIssue } from '../issues.js';
import { builtinRulesDir } from '../paths.js';
import { compileRules, ruleIdOf } from '../sigma/compile/compile-rules.js';
import { EXIT, IssueReporter, parseFormat, prepareRules } from './common.js';
import { readSequences, runSequence } from './rule-sequences.js';
import type { SequenceCase } from './rule-sequences.js';
import { colourEnabled, paint } from './output/terminal.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function rulesCommand(): Command {
  const rules = new Command('rules')
    .description('Check and test Sigma rules')
    .addHelpText('after', '\nExamples:\n  $ ballotguard rules check rules/\n  $ ballotguard rules test');
  rules
    .command('check')
    .description('Parse and compile rules without hunting; list every rule that fails and why')
    .argument('<paths...>', 'rule files or folders')
    .option('--format <format>', 'table|json', 'table')
    .option('--mapping <file>', 'extra logsource/field mapping pipeline (repeatable)', collect)
    .option('--placeholders <file>', 'YAML file of values for %placeholders%')
    .option('--no-cache', 'parse every rule file again instead of using the parsed-rule cache')
    .option('-v, --verbose', 'also print warnings')
    .addHelpText(
      'after',
      `
Examples:
  $ ballotguard rules check rules/
  $ ballotguard rules check ../sigma/rules --format json | jq '.failed[] | .code' | sort | uniq -c

Exit status: 0 every rule loaded; 1 any rule failed; 2 usage error.`,
    )
    .action(
      async (
        paths: string[],
        flags: {
          format: string;
          mapping?: string[];
          placeholders?: string;
          verbose?: boolean;
          cache: boolean;
        },
        command: Command,
      ) => {
        command.setOptionValue('exitCode', await runCheck(paths, flags));
      },
    );
  rules
    .command('test')
    .description('Run the *.tests.yaml beside rules: events that must and must not match')
    .argument('[paths...]', 'test files, rule files or folders (default: the built-in pack)')
    .option('--format <format>', 'table|json', 'table')
    .option('--mapping <file>', 'extra logsource/field mapping pipeline (repeatable)', collect)
    .option('--placeholders <file>', 'YAML file of values for %placeholders%')
    .addHelpText(
      'after',
      `
Test file format (foo.tests.yaml beside foo.yml):
  must_match:
    - name: w3wp spawning cmd
      event: {Event: {System: {Channel: Microsoft-Windows-Sysmon/Operational, EventID: 1}, EventData: {...}}}
  must_not_match:
    - name: IIS worker recycling
      event: {...}
Correlation rules are tested with timed sequences of events instead (docs/correlation.md):
  sequences:
    - name: twelve failed logons in two minutes
      events:
        - {at: '2026-11-03T06:00:00Z', repeat: 12, every: 10s, event: {...}}
      alerts: 1

Examples:
  $ ballotguard rules test
  $ ballotguard rules test rules/windows/process_creation --format json

Exit status: 0 all tests pass; 1 any test fails or cannot run; 2 usage error.`,
    )
    .action(
      async (
        paths: string[],
        flags: { format: string; mapping?: string[]; placeholders?: string },
        command: Command,
      ) => {
        command.setOptionValue('exitCode', await runTests(paths, flags));
      },
    );
  return rules;
}

async function runCheck(
  paths: string[],
  flags: { format: string; mapping?: string[]; placeholders?: string; verbose?: boolean; cache: boolean },
): Promise<number> {
  const format = parseFormat(flags.format, 'table');
  if (format !== 'table' && format !== 'json')
    throw new UsageError('rules check supports --format table or json');
  const reporter = new IssueReporter((text) => process.stderr.write(text), Infinity);
  const prepared = await prepareRules(
    {
      rules: paths,
      builtin: false,
      cache: flags.cache,
      ...(flags.mapping ? { mapping: flags.mapping } : {}),
      ...(flags.placeholders !== undefined ? { placeholders: flags.placeholders } : {}),
    },
    reporter.report,
  );
  const compiled = compileRules(prepared.loaded.sources, {
    mapping: prepared.mapping,
    placeholders: prepared.placeholders,
  });
  const failed = [
    ...prepared.loaded.issues
      .filter((issue) => issue.severity === 'error')
      .map((issue) => ({
        path: issue.location.file,
        id: issue.rule ?? '',
        code: issue.code,
        message: `${issue.message}${issue.location.line !== undefined ? ` (line ${issue.location.line})` : ''}`,
      })),
    ...compiled.failed,
  ];
  const summary = {
    files: prepared.loaded.files,
    rules: prepared.loaded.documents,
    loaded: compiled.rules.length + compiled.correlations.length,
    failed,
  };
  if (format === 'json') process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else {
    const colour = colourEnabled(process.stdout);
    const problems = [...prepared.loaded.issues, ...compiled.issues].filter(
      (issue) => issue.severity === 'error' || flags.verbose,
    );
    for (const issue of problems)
      process.stdout.write(
        `${paint(colour, issue.severity === 'error' ? 'red' : 'yellow', formatIssue(issue))}\n`,
      );
    process.stdout.write(
      `${summary.files} file(s), ${summary.rules} rule document(s): ${summary.loaded} loaded, ${failed.length} failed.\n`,
    );
  }
  return failed.length === 0 ? EXIT.ok : EXIT.failure;
}

interface TestCase {
  readonly name: string;
  readonly event: unknown;
}

interface TestOutcome {
  readonly file: string;
  readonly rule: string;
  readonly name: string;
  readonly expect: 'match' | 'no-match';
  readonly passed: boolean;
  readonly detail?: string;
}

async function findTestFiles(paths: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  const visit = async (path: string, depth: number): Promise<void> => {
    const info = await stat(path).catch(() => undefined);
    if (info === undefined) throw new UsageError(`${path} does not exist`);
    if (info.isDirectory()) {
      if (depth > 32) return;
      for (const entry of (await readdir(path)).sort()) {
        if (entry.startsWith('.')) continue;
        const child = join(path, entry);
        const childInfo = await stat(child).catch(() => undefined);
        if (childInfo?.isDirectory()) await visit(child, depth + 1);
        else if (/\.tests\.ya?ml$/i.test(entry)) found.push(child);
      }
    } else if (/\.tests\.ya?ml$/i.test(path)) found.push(path);
    else if (/\.ya?ml$/i.test(path)) {
      const base = path.replace(/\.ya?ml$/i, '');
      for (const candidate of [`${base}.tests.yaml`, `${base}.tests.yml`]) {
        if (await stat(candidate).catch(() => undefined)) found.push(candidate);
      }
    }
  };
  for (const path of paths) await visit(path, 0);
  return found;
}

async function ruleFileFor(testFile: string): Promise<string | undefined> {
  const base = join(dirname(testFile), basename(testFile).replace(/\.tests\.ya?ml$/i, ''));
  for (const candidate of [`${base}.yml`, `${base}.yaml`])
    if (await stat(candidate).catch(() => undefined)) return candidate;
  return undefined;
}

function readCases(data: unknown, key: string, file: string): TestCase[] {
  if (typeof data !== 'object' || data === null)
    throw new Error(`${file}: a tests file must be a mapping with must_match and must_not_match`);
  const list = (data as Record<string, unknown>)[key];
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new Error(`${file}: '${key}' must be a list`);
  return list.map((entry: unknown, index) => {
    if (typeof entry !== 'object' || entry === null || !('event' in entry))
      throw new Error(`${file}: ${key}[${index}] needs an 'event'`);
    const record = entry as Record<string, unknown>;
    return {
      name: typeof record['name'] === 'string' ? record['name'] : `${key}[${index}]`,
      event: record['event'],
    };
  });
}

async function runTests(
  paths: string[],
  flags: { format: string; mapping?: string[]; placeholders?: string },
): Promise<number> {
  const format = parseFormat(flags.format, 'table');
  if (format !== 'table' && format !== 'json')
    throw new UsageError('rules test supports --format table or json');
  const testFiles = await findTestFiles(paths.length > 0 ? paths : [builtinRulesDir()]);
  if (testFiles.length === 0) throw new UsageError('no *.tests.yaml files found in the given paths');
  const outcomes: TestOutcome[] = [];
  const reporter = new IssueReporter((text) => process.stderr.write(text), Infinity);
  for (const testFile of testFiles) {
    const fail = (detail: string): void => {
      outcomes.push({ file: testFile, rule: '', name: '(setup)', expect: 'match', passed: false, detail });
    };
    const ruleFile = await ruleFileFor(testFile);
    if (ruleFile === undefined) {
      fail('no rule file (.yml/.yaml) with the same name beside it');
      continue;
    }
    const prepared = await prepareRules(
      {
        rules: [ruleFile],
        cache: false,
        builtin: false,
        ...(flags.mapping ? { mapping: flags.mapping } : {}),
        ...(flags.placeholders !== undefined ? { placeholders: flags.placeholders } : {}),
      },
      reporter.report,
    );
    const loadErrors = prepared.loaded.issues.filter((issue) => issue.severity === 'error');
    if (loadErrors.length > 0) {
      fail(`the rule does not load: ${loadErrors.map(formatIssue).join('; ')}`);
      continue;
    }
    const detector = new Detector({
      sources: prepared.loaded.sources,
      mapping: prepared.mapping,
      placeholders: [...prepared.placeholders],
      minLevel: 'informational',
    });
    const documents = prepared.loaded.sources[0]?.documents ?? [];
    const document = documents[0];
    const ruleId = document ? ruleIdOf(document, ruleFile, 0) : '';
    const correlationIds = new Set(
      documents.flatMap((doc, index) => (doc.kind === 'correlation' ? [ruleIdOf(doc, ruleFile, index)] : [])),
    );
    if (detector.summary.failed.length > 0 && detector.rules.length > 0) {
      fail(
        `part of the rule file does not compile: ${detector.summary.failed.map((failure) => `${failure.id}: ${failure.message}`).join('; ')}`,
      );
      continue;
    }
    if (detector.rules.length === 0) {
      const compiled = compileRules(prepared.loaded.sources, {
        mapping: prepared.mapping,
        placeholders: prepared.placeholders,
      });
      fail(`the rule does not compile: ${compiled.failed.map((failure) => failure.message).join('; ')}`);
      continue;
    }
    let cases: { must: TestCase[]; mustNot: TestCase[]; sequences: SequenceCase[] };
    try {
      const data: unknown = parseYaml(await readFile(testFile, 'utf8'));
      cases = {
        must: readCases(data, 'must_match', testFile),
        mustNot: readCases(data, 'must_not_match', testFile),
        sequences: readSequences(data, testFile),
      };
    } catch (error) {
      fail((error as Error).message);
      continue;
    }
    if (correlationIds.size > 0) {
      if (!cases.sequences.some((c) => c.alerts > 0) || !cases.sequences.some((c) => c.alerts === 0))
        fail('a correlation rule needs sequences: at least one that raises alerts and one that raises none');
    } else if (cases.must.length === 0 || cases.mustNot.length === 0)
      fail('a tests file needs at least one must_match and one must_not_match event');
    for (const sequence of cases.sequences) {
      const outcome = runSequence(detector, sequence, correlationIds, testFile);
      outcomes.push({
        file: testFile,
        rule: ruleId,
        name: sequence.name,
        expect: sequence.alerts > 0 ? 'match' : 'no-match',
        passed: outcome.passed,
        ...(outcome.detail !== undefined ? { detail: outcome.detail } : {}),
      });
    }
    for (const [list, expect] of [
      [cases.must, 'match'],
      [cases.mustNot, 'no-match'],
    ] as const) {
      for (const testCase of list) {
        if (typeof testCase.event !== 'object' || testCase.event === null || Array.isArray(testCase.event)) {
          outcomes.push({
            file: testFile,
            rule: ruleId,
            name: testCase.name,
            expect,
            passed: false,
            detail: 'event must be a mapping',
          });
          continue;
        }
        const matched = detector.matchEvent(testCase.event as Record<string, unknown>).length > 0;
        const passed = matched === (expect === 'match');
        outcomes.push({
          file: testFile,
          rule: ruleId,
          name: testCase.name,
          expect,
          passed,
          ...(passed
            ? {}
            : {
                detail:
                  expect === 'match'
                    ? 'expected a match, got none'
                    : 'expected no match, but the rule matched',
              }),
        });
      }
    }
  }
  const failedCount = outcomes.filter((outcome) => !outcome.passed).length;
  if (format === 'json') {
    process.stdout.write(
      `${JSON.stringify({ files: testFiles.length, tests: outcomes.length, passed: outcomes.length - failedCount, failed: failedCount, results: outcomes }, null, 2)}\n`,
    );
  } else {
    const colour = colourEnabled(process.stdout);
    for (const outcome of outcomes) {
      if (!outcome.passed) {
        process.stdout.write(
          `${paint(colour, 'red', 'FAIL')} ${outcome.file} :: ${outcome.name} (${outcome.expect}) — ${outcome.detail ?? ''}\n`,
        );
      }
    }
    process.stdout.write(
      `${paint(colour, failedCount === 0 ? 'green' : 'red', failedCount === 0 ? 'PASS' : 'FAIL')} ${outcomes.length - failedCount}/${outcomes.length} rule tests passed in ${testFiles.length} file(s).\n`,
    );
  }
  return failedCount === 0 ? EXIT.ok : EXIT.failure;
}
