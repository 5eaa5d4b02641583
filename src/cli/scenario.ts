/** `ballotguard scenario generate`: the demo replay of a 2021-style intrusion at an election body. */
import { Command } from 'commander';
import { join } from 'node:path';
import { UsageError } from '../issues.js';
import { DEFAULTS, LIMITS, LOGS_DIR, MANIFEST_FILE, generateScenario } from '../scenario/generate.js';
import type { Manifest } from '../scenario/manifest.js';
import { EXIT } from './common.js';
import { csvField } from './output/alert-writers.js';
import { ProgressLine, formatBytes, formatCount } from './output/terminal.js';

const FORMATS = ['table', 'json', 'ndjson', 'csv'] as const;
type Format = (typeof FORMATS)[number];

interface GenerateFlags {
  out: string;
  seed: string;
  days: string;
  users: string;
  force?: boolean;
  format?: string;
  quiet?: boolean;
}

function wholeNumber(option: string, value: string, min: number, max: number): number {
  const parsed = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max)
    throw new UsageError(`${option} must be a whole number from ${min} to ${max} (got '${value}')`);
  return parsed;
}

/** One row per stage: what the machine-readable formats print. */
interface StageRow {
  readonly order: number;
  readonly stage: string;
  readonly title: string;
  readonly start: string;
  readonly end: string;
  readonly hosts: string;
  readonly techniques: string;
  readonly events: number;
  readonly expectedRules: number;
}

function stageRows(manifest: Manifest): StageRow[] {
  return manifest.stages.map((stage) => ({
    order: stage.order,
    stage: stage.id,
    title: stage.title,
    start: stage.start,
    end: stage.end,
    hosts: stage.hosts.join(' '),
    techniques: stage.techniques.map((t) => t.id).join(' '),
    events: stage.events.length,
    expectedRules: stage.expectedRules.length,
  }));
}

function printStages(manifest: Manifest, format: Format): void {
  const rows = stageRows(manifest);
  const write = (text: string): boolean => process.stdout.write(text);
  if (format === 'json') {
    write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  if (format === 'ndjson') {
    for (const row of rows) write(`${JSON.stringify(row)}\n`);
    return;
  }
  const columns = Object.keys(rows[0] ?? {}) as (keyof StageRow)[];
  if (format === 'csv') {
    write(`${columns.join(',')}\n`);
    for (const row of rows) write(`${columns.map((c) => csvField(String(row[c]))).join(',')}\n`);
    return;
  }
  const lines = rows.map(
    (row) =>
      `${String(row.order).padStart(2)}  ${row.start.slice(0, 16).replace('T', ' ')}  ${row.hosts.padEnd(15)} ${row.title} (${row.techniques})`,
  );
  write(`${[' #  start (UTC)       hosts           stage', ...lines].join('\n')}\n`);
}

export function scenarioCommand(): Command {
  const scenario = new Command('scenario')
    .description('Demo data: a replay of an intrusion at an election body, with its ground truth')
    .addHelpText(
      'after',
      '\nExamples:\n  $ ballotguard scenario generate\n  $ ballotguard hunt scenario/logs',
    );
  scenario
    .command('generate')
    .description(
      "Write two weeks of an election body's Windows (evtx_dump JSON) and Exchange IIS (W3C) logs with a ProxyShell-to-exfiltration intrusion inside, and manifest.json",
    )
    .option('--out <dir>', 'folder to write logs/ and manifest.json into', 'scenario')
    .option('--seed <n>', 'random seed: the same seed gives the same bytes', String(DEFAULTS.seed))
    .option('--days <n>', `days to replay (${LIMITS.days[0]}-${LIMITS.days[1]})`, String(DEFAULTS.days))
    .option('--users <n>', `members of staff (${LIMITS.users[0]}-${LIMITS.users[1]})`, String(DEFAULTS.users))
    .option('--force', 'replace a scenario already in --out (only its logs/ and manifest.json)')
    .option('--format <format>', 'table|json|ndjson|csv: the stage list on stdout (default: table)')
    .option('-q, --quiet', 'no progress and no summary on stderr')
    .addHelpText(
      'after',
      `
Examples:
  $ ballotguard scenario generate
  $ ballotguard scenario generate --out /tmp/demo --days 3 --users 40 --seed 7 --format json
  $ ballotguard hunt scenario/logs --min-level high

Exit status: 0 generated; 1 a scenario is already there (use --force) or it could not be written; 2 usage error.`,
    )
    .action((flags: GenerateFlags, command: Command) => {
      const format = (flags.format ?? 'table') as Format;
      if (!(FORMATS as readonly string[]).includes(format))
        throw new UsageError(`--format must be one of ${FORMATS.join(', ')} (got '${format}')`);
      const options = {
        outDir: flags.out,
        seed: wholeNumber('--seed', flags.seed, 0, 0xffffffff),
        days: wholeNumber('--days', flags.days, LIMITS.days[0], LIMITS.days[1]),
        users: wholeNumber('--users', flags.users, LIMITS.users[0], LIMITS.users[1]),
        force: flags.force === true,
      };
      const started = performance.now();
      const progress = new ProgressLine(process.stderr, !flags.quiet && Boolean(process.stderr.isTTY));
      const { manifest } = generateScenario({
        ...options,
        onProgress: (done, total, host) =>
          progress.update(() => `generating ${host} (${done}/${total} hosts)`, done === total),
      });
      progress.clear();
      printStages(manifest, format);
      if (!flags.quiet) {
        const seconds = (performance.now() - started) / 1000;
        const { totals } = manifest;
        process.stderr.write(
          `Generated ${formatCount(totals.files)} files, ${formatCount(totals.events)} events (${formatBytes(totals.bytes)}; ` +
            `${formatCount(totals.intrusionEvents)} of them the intrusion) in ${seconds.toFixed(1)} s into ${join(flags.out, LOGS_DIR)}; ` +
            `ground truth in ${join(flags.out, MANIFEST_FILE)}.\nHunt it: ballotguard hunt ${join(flags.out, LOGS_DIR)}\n`,
        );
      }
      command.setOptionValue('exitCode', EXIT.ok);
    });
  return scenario;
}
