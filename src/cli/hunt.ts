/** `ballotguard hunt [PATH...]`: Sigma rules over logs (CONTRACTS.md). */
import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Command } from 'commander';
import type { Alert } from '../events/event.js';
import { hunt } from '../detect/hunt.js';
import type { HuntCounts, HuntProgress } from '../detect/hunt.js';
import { configPath, loadConfig } from '../config/config.js';
import { UsageError } from '../issues.js';
import type { Issue } from '../issues.js';
import type { RuleSetSummary } from '../detect/detector.js';
import { discoverFiles } from '../sources/walk.js';
import { sourceNames } from '../sources/registry.js';
import { parseDurationOption } from '../sigma/correlation/timespan.js';
import { stat } from 'node:fs/promises';
import {
  EXIT,
  IssueReporter,
  ensureWritable,
  openOutput,
  parseFormat,
  parseLevel,
  parsePositiveInt,
  prepareRules,
} from './common.js';
import type { PreparedRules } from './common.js';
import { createAlertWriter } from './output/alert-writers.js';
import { HuntStoreSink } from './hunt-store.js';
import type { HuntStoreOutcome } from './hunt-store.js';
import {
  LEVEL_COLOURS,
  ProgressLine,
  bar,
  colourEnabled,
  formatBytes,
  formatCount,
  paint,
} from './output/terminal.js';

interface HuntFlags {
  rules?: string[];
  builtin: boolean;
  placeholders?: string;
  mapping?: string[];
  format?: string;
  output?: string;
  minLevel?: string;
  threads?: string;
  statsJson?: string;
  quiet?: boolean;
  verbose?: boolean;
  inputFormat?: string;
  maxRecordBytes?: string;
  cache: boolean;
  config?: string;
  db?: string;
  reorderWindow?: string;
  correlationBuffer?: string;
  correlationMaxGroups?: string;
}

/** Fills in what the command line did not say from the config file; the command line wins. */
function withConfig(flags: HuntFlags, command: Command): HuntFlags {
  const config = loadConfig(configPath(flags.config)).hunt;
  if (config === undefined) return flags;
  const fromCli = (name: string): boolean => command.getOptionValueSource(name) === 'cli';
  const merged: HuntFlags = { ...flags };
  if (config.rules && !fromCli('rules')) merged.rules = config.rules;
  if (config.builtin !== undefined && !fromCli('builtin')) merged.builtin = config.builtin;
  if (config.placeholders !== undefined && !fromCli('placeholders'))
    merged.placeholders = config.placeholders;
  if (config.mapping && !fromCli('mapping')) merged.mapping = config.mapping;
  if (config.minLevel !== undefined && !fromCli('minLevel')) merged.minLevel = config.minLevel;
  if (config.threads !== undefined && !fromCli('threads')) merged.threads = String(config.threads);
  if (config.format !== undefined && !fromCli('format')) merged.format = config.format;
  if (config.maxRecordBytes !== undefined && !fromCli('maxRecordBytes'))
    merged.maxRecordBytes = String(config.maxRecordBytes);
  if (config.cache !== undefined && !fromCli('cache')) merged.cache = config.cache;
  return merged;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function huntCommand(): Command {
  return new Command('hunt')
    .description('Hunt through log files and folders (any supported format, mixed) with Sigma rules')
    .argument('[paths...]', 'files or folders to hunt (folders are read recursively)')
    .option('--rules <path>', 'Sigma rule file or folder (repeatable)', collect)
    .option('--no-builtin', 'do not load the built-in rule pack (rules/)')
    .option('--placeholders <file>', 'YAML file of values for %placeholders% (expand modifier)')
    .option('--mapping <file>', 'extra logsource/field mapping pipeline (repeatable)', collect)
    .option('--format <format>', 'table|json|ndjson|csv (default: table on a TTY, ndjson otherwise)')
    .option('--output <file>', 'write alerts to FILE instead of stdout')
    .option('--min-level <level>', 'informational|low|medium|high|critical', 'informational')
    .option('--threads <n>', 'detection threads (default: all cores)')
    .option('--stats-json <file>', 'write run statistics as JSON to FILE')
    .option(
      '--input-format <name>',
      `read every file as this format instead of detecting it: ${sourceNames().join(', ')} (json: any JSON shape)`,
    )
    .option('--max-record-bytes <n>', 'skip records larger than this many bytes', String(16 * 1024 * 1024))
    .option('--no-cache', 'parse every rule file again instead of using the parsed-rule cache')
    .option(
      '--reorder-window <duration>',
      'correlation: how far out of time order matches may come once past --correlation-buffer (e.g. 5m)',
      '5m',
    )
    .option(
      '--correlation-buffer <n>',
      'correlation: matches of correlated rules held to sort by time across files',
      '2000000',
    )
    .option(
      '--correlation-max-groups <n>',
      'correlation: groups held at once (LRU eviction beyond)',
      '100000',
    )
    .option(
      '--db <file|url>',
      'also store the alerts and a record of this hunt in this database: a SQLite file (created if missing) or postgres://… (read them with `ballotguard alerts`)',
    )
    .option(
      '--config <file>',
      'YAML config file with defaults (default: $BALLOTGUARD_CONFIG or ./ballotguard.yaml)',
    )
    .option('-q, --quiet', 'no progress and no summary on stderr')
    .option('-v, --verbose', 'print every problem found, not the first few of each kind')
    .addHelpText(
      'after',
      `
Examples:
  $ ballotguard hunt examples/logs
  $ ballotguard hunt /cases/ec-2021/ --rules sigma/rules/windows --min-level high --format json --output alerts.json
  $ ballotguard hunt sysmon-export.ndjson.gz --threads 2 --stats-json stats.json
  $ ballotguard hunt dc01.json --input-format json-concat --no-builtin --rules ./our-rules
  $ ballotguard hunt /var/log/audit /var/log/auth.log u_ex211104.log --rules sigma/rules/linux --rules sigma/rules/web
  $ ballotguard hunt /cases/ec-2021/ --db cases.db --output /dev/null   # then: ballotguard alerts list --db cases.db

Exit status: 0 the hunt ran (with or without alerts); 1 nothing could be processed; 2 usage error.`,
    )
    .action(async (paths: string[], flags: HuntFlags, command: Command) => {
      command.setOptionValue('exitCode', await runHunt(paths, withConfig(flags, command)));
    });
}

async function runHunt(paths: string[], flags: HuntFlags): Promise<number> {
  const started = performance.now();
  if (paths.length === 0)
    throw new UsageError('give at least one file or folder to hunt, e.g. `ballotguard hunt ./logs`');
  const stdoutIsTty = Boolean(process.stdout.isTTY) && flags.output === undefined;
  const format = parseFormat(flags.format, stdoutIsTty ? 'table' : 'ndjson');
  const minLevel = parseLevel(flags.minLevel);
  const threads = parsePositiveInt('--threads', flags.threads, availableParallelism());
  const maxRecordBytes = parsePositiveInt('--max-record-bytes', flags.maxRecordBytes, 16 * 1024 * 1024);
  const reorderWindowMs = parseDurationOption(flags.reorderWindow ?? '5m');
  if (reorderWindowMs === undefined)
    throw new UsageError(
      `--reorder-window must be a duration such as 30s, 5m or 1h (got '${flags.reorderWindow}')`,
    );
  const correlationBuffer = parsePositiveInt('--correlation-buffer', flags.correlationBuffer, 2_000_000);
  const correlationMaxGroups = parsePositiveInt(
    '--correlation-max-groups',
    flags.correlationMaxGroups,
    100_000,
  );
  const stderr = (text: string): void => {
    progress.clear();
    process.stderr.write(text);
  };
  if (flags.statsJson !== undefined) ensureWritable('--stats-json', flags.statsJson);
  const showProgress = !flags.quiet && Boolean(process.stderr.isTTY);
  const progress = new ProgressLine(process.stderr, showProgress);
  const reporter = new IssueReporter(stderr, flags.verbose ? Infinity : 5);

  let prepared: PreparedRules | undefined = await prepareRules(
    {
      ...(flags.rules ? { rules: flags.rules } : {}),
      builtin: flags.builtin,
      cache: flags.cache,
      ...(flags.mapping ? { mapping: flags.mapping } : {}),
      ...(flags.placeholders !== undefined ? { placeholders: flags.placeholders } : {}),
    },
    reporter.report,
  );
  for (const issue of prepared.loaded.issues) reporter.report(issue);
  const parseFailures = prepared.loaded.issues.filter((issue: Issue) => issue.severity === 'error').length;
  let rulesLoaded = 0;
  let rulesFailed = parseFailures;
  const onRulesReady = (summary: RuleSetSummary): boolean => {
    for (const issue of summary.issues) reporter.report(issue);
    rulesLoaded = summary.compiled;
    rulesFailed = parseFailures + summary.failed.length;
    if (rulesLoaded > 0) return true;
    stderr(
      'no rule could be loaded: nothing to hunt with (see the errors above, or `ballotguard rules check`)\n',
    );
    return false;
  };

  let totalBytes = 0;
  if (showProgress) {
    for await (const file of discoverFiles(paths, () => undefined)) {
      try {
        totalBytes += (await stat(file)).size;
      } catch {
        // Reported when the hunt reaches the file.
      }
    }
  }

  const output = openOutput(flags.output);
  const colour = format === 'table' && flags.output === undefined && colourEnabled(process.stdout);
  const writer = createAlertWriter(format, output.write, colour);
  const perRule = new Map<string, { title: string; level: string; count: number }>();
  const perLevel = new Map<string, number>();
  const onAlert = (alert: Alert): void => {
    writer.write(alert);
    const entry = perRule.get(alert.rule.id);
    if (entry) entry.count++;
    else perRule.set(alert.rule.id, { title: alert.rule.title, level: alert.rule.level, count: 1 });
    perLevel.set(alert.rule.level, (perLevel.get(alert.rule.level) ?? 0) + 1);
  };
  const renderProgress = (state: HuntProgress): string => {
    const seconds = (performance.now() - started) / 1000;
    const fraction = totalBytes > 0 ? state.bytes / totalBytes : 0;
    return `${bar(fraction)} ${Math.round(fraction * 100)}% ${formatBytes(state.bytes)}/${formatBytes(totalBytes)}  ${formatCount(state.events)} events  ${formatCount(state.alerts)} alerts  ${formatCount(Math.round(state.events / Math.max(seconds, 0.001)))}/s`;
  };

  // --db: alerts also go to the store in batches; Ctrl-C stops reading and records what was found.
  const sink =
    flags.db === undefined
      ? undefined
      : await HuntStoreSink.open(flags.db, {
          paths,
          ruleSources: [...(flags.builtin === false ? [] : ['(built-in)']), ...(flags.rules ?? [])],
          options: { threads, minLevel, ...(flags.inputFormat !== undefined ? { inputFormat: flags.inputFormat } : {}) },
          say: stderr,
        });
  const finishStore = (counts?: HuntCounts, failure?: unknown): Promise<HuntStoreOutcome> | undefined =>
    sink?.finish(
      counts,
      { rulesLoaded, rulesFailed, seconds: (performance.now() - started) / 1000 },
      failure,
    );
  const counts = await hunt({
    paths,
    detector: () => {
      const rules = prepared!;
      prepared = undefined;
      return {
        sources: rules.loaded.sources,
        mapping: rules.mapping,
        placeholders: [...rules.placeholders],
        minLevel,
      };
    },
    threads,
    ...(flags.inputFormat !== undefined ? { inputFormat: flags.inputFormat } : {}),
    maxRecordBytes,
    onAlert:
      sink === undefined
        ? onAlert
        : (alert: Alert) => {
            onAlert(alert);
            sink.add(alert);
          },
    onIssue: reporter.report,
    onProgress: (state) => progress.update(() => renderProgress(state)),
    onRulesReady,
    afterBatch:
      sink === undefined
        ? output.drain
        : async () => {
            await output.drain();
            await sink.ready();
          },
    ...(sink !== undefined ? { signal: sink.signal } : {}),
    correlation: {
      reorderWindowMs,
      maxBuffered: correlationBuffer,
      limits: { maxGroups: correlationMaxGroups },
    },
  }).catch(async (error: unknown) => {
    await finishStore(undefined, error);
    throw error;
  });
  if (counts.stopped) {
    await output.close();
    await finishStore(counts, new Error('no rule could be loaded'));
    return EXIT.failure;
  }
  writer.end();
  await output.close();
  const stored = await finishStore(counts);
  progress.clear();
  const seconds = (performance.now() - started) / 1000;
  const peakRssMB = Math.round(process.resourceUsage().maxRSS / 1024);

  if (flags.statsJson !== undefined) {
    const stats = {
      files: counts.files,
      events: counts.events,
      alerts: counts.alerts,
      rules: { loaded: rulesLoaded, failed: rulesFailed },
      skipped: counts.skipped,
      seconds: Number(seconds.toFixed(3)),
      warnings: counts.warnings,
      regexSkipped: counts.regexSkipped,
      failedFiles: counts.failedFiles,
      bytes: counts.bytes,
      threads,
      eventsPerSec: Math.round(counts.events / Math.max(seconds, 0.001)),
      peakRssMB,
      alertsByLevel: Object.fromEntries(perLevel),
      ...(counts.correlation !== undefined ? { correlation: counts.correlation } : {}),
    };
    await writeFile(flags.statsJson, `${JSON.stringify(stats, null, 2)}\n`);
  }

  if (!flags.quiet) {
    const colourErr = colourEnabled(process.stderr);
    const lines: string[] = [];
    const hidden = reporter.summary();
    if (hidden) lines.push(hidden);
    lines.push(
      `Hunted ${formatCount(counts.files)} file(s), ${formatCount(counts.events)} events (${formatBytes(counts.bytes)}) in ${seconds.toFixed(2)} s ` +
        `(${formatCount(Math.round(counts.events / Math.max(seconds, 0.001)))} events/s, ${threads} thread${threads === 1 ? '' : 's'}): ` +
        `${formatCount(counts.alerts)} alert(s) from ${perRule.size} rule(s).`,
    );
    lines.push(
      `Rules: ${formatCount(rulesLoaded)} loaded, ${formatCount(rulesFailed)} failed${rulesFailed > 0 ? ' (details: ballotguard rules check)' : ''}. ` +
        `Skipped records: ${formatCount(counts.skipped)}. Warnings: ${formatCount(counts.warnings)}.` +
        (counts.regexSkipped > 0
          ? ` Regex evaluations skipped (value too long to evaluate safely): ${formatCount(counts.regexSkipped)}.`
          : ''),
    );
    if (counts.correlation !== undefined) {
      const c = counts.correlation;
      lines.push(
        `Correlations: ${formatCount(c.correlations)} rule(s) over ${formatCount(c.inputs)} match(es): ${formatCount(c.alerts)} alert(s); ` +
          `state peak ${formatCount(c.peakGroups)} group(s), ~${formatBytes(c.peakStateBytes + c.peakBufferBytes)}` +
          (c.untimed + c.late + c.evictions > 0
            ? `; left out: ${formatCount(c.untimed)} without time, ${formatCount(c.late)} late, ${formatCount(c.evictions)} group(s) evicted`
            : '') +
          '.',
      );
    }
    if (perRule.size > 0) {
      const top = [...perRule.values()].sort((a, b) => b.count - a.count).slice(0, 10);
      lines.push('Top rules:');
      for (const rule of top) {
        lines.push(
          `  ${String(rule.count).padStart(8)}  ${paint(colourErr, LEVEL_COLOURS[rule.level] ?? 'grey', rule.level.padEnd(13))} ${rule.title}`,
        );
      }
    }
    if (stored !== undefined) lines.push(stored.summary);
    process.stderr.write(`${lines.join('\n')}\n`);
  }
  if (stored?.status === 'interrupted') return EXIT.failure;
  const nothingProcessed = counts.events === 0 && (counts.files === 0 || counts.failedFiles === counts.files);
  if (nothingProcessed) {
    process.stderr.write(
      counts.files === 0
        ? 'no input files found in the given paths\n'
        : 'none of the input files could be read\n',
    );
    return EXIT.failure;
  }
  return EXIT.ok;
}
