/**
 * The hunt pipeline: files → framed batches → detection (this thread or a worker pool) → alert sink, and
 * matches of correlated rules → correlation runner (src/correlate/) → the same sink.
 * Alerts reach the sink in input order whatever the thread count. Problems with files and records are
 * reported through `onIssue` and counted; only a broken setup (no rules, workers failing) throws.
 */
import type { Alert } from '../events/event.js';
import type { Issue } from '../issues.js';
import { discoverFiles } from '../sources/walk.js';
import { openSource } from '../sources/registry.js';
import { DEFAULT_SOURCE_OPTIONS } from '../sources/types.js';
import { SKIPPED_RECORD_CODES } from '../sources/issue-codes.js';
import type { BatchResult, DetectorConfig, RuleSetSummary } from './detector.js';
import { Detector } from './detector.js';
import { WorkerPool } from './pool.js';
import { CorrelationRunner } from '../correlate/correlation-runner.js';
import type { CorrelationOrdering, CorrelationStats } from '../correlate/correlation-runner.js';
import type { EngineLimits } from '../correlate/correlation-engine.js';

export interface HuntOptions {
  readonly paths: readonly string[];
  /**
   * The rules, as a function so that the caller keeps no reference: once every thread has compiled its
   * copy, the parsed rules can be garbage-collected (they are tens of megabytes for a large pack).
   */
  readonly detector: () => DetectorConfig;
  readonly threads: number;
  /** Force a source format by name instead of sniffing (`--input-format`). */
  readonly inputFormat?: string;
  readonly maxRecordBytes?: number;
  readonly onAlert: (alert: Alert) => void;
  readonly onIssue: (issue: Issue) => void;
  readonly onProgress?: (progress: HuntProgress) => void;
  readonly signal?: AbortSignal;
  /**
   * Called once the rules are compiled, before any file is read; return false to stop (e.g. no rule
   * compiled). With worker threads the summary comes from the first worker: rules compile once per thread.
   */
  readonly onRulesReady?: (summary: RuleSetSummary) => boolean;
  /** Awaited after each batch, so a slow alert consumer (a pipe, a disk) pushes back on reading. */
  readonly afterBatch?: () => Promise<void>;
  /** Correlation settings (docs/correlation.md); by default matches are sorted by time across all files. */
  readonly correlation?: {
    readonly ordering?: CorrelationOrdering;
    readonly reorderWindowMs?: number;
    readonly maxBuffered?: number;
    readonly limits?: Partial<EngineLimits>;
  };
}

/** Issues after which nothing of a file could be read. */
const FILE_FAILURE_CODES: ReadonlySet<string> = new Set([
  'file-vanished',
  'unreadable',
  'not-found',
  'unknown-format',
  'unsupported-encoding',
]);

export interface HuntProgress {
  readonly file: string;
  readonly files: number;
  readonly events: number;
  readonly alerts: number;
  readonly bytes: number;
}

export interface HuntCounts {
  files: number;
  events: number;
  alerts: number;
  skipped: number;
  warnings: number;
  regexSkipped: number;
  bytes: number;
  /** Files that could not be read at all. */
  failedFiles: number;
  /** True when `onRulesReady` stopped the hunt before it read anything. */
  stopped?: boolean;
  /** Correlation figures, when any correlation rule ran. */
  correlation?: CorrelationStats;
}

export async function hunt(options: HuntOptions): Promise<HuntCounts> {
  const counts: HuntCounts = {
    files: 0,
    events: 0,
    alerts: 0,
    skipped: 0,
    warnings: 0,
    regexSkipped: 0,
    bytes: 0,
    failedFiles: 0,
  };
  let currentFile = '';
  let bytesBeforeFile = 0;
  let correlations: CorrelationRunner | undefined;
  const deliver = (result: BatchResult): void => {
    counts.events += result.events;
    counts.skipped += result.skipped;
    counts.regexSkipped += result.regexSkipped;
    for (const issue of result.issues) {
      if (issue.severity === 'warning') counts.warnings++;
      options.onIssue(issue);
    }
    for (const alert of result.alerts) {
      counts.alerts++;
      options.onAlert(alert);
    }
    if (correlations !== undefined) for (const input of result.correlationInputs) correlations.add(input);
  };

  let config: DetectorConfig | undefined = options.detector();
  const local = options.threads <= 1 ? new Detector(config) : undefined;
  const pool = local === undefined ? await WorkerPool.start(options.threads, config, deliver) : undefined;
  config = undefined;
  const summary = local?.summary ?? pool!.summary!;
  if (options.onRulesReady && !options.onRulesReady(summary)) {
    if (pool !== undefined) await pool.close();
    return { ...counts, stopped: true };
  }
  if (summary.correlation.correlations.length > 0) {
    const settings = options.correlation ?? {};
    correlations = new CorrelationRunner({
      plan: summary.correlation,
      ordering: settings.ordering ?? 'sorted',
      ...(settings.reorderWindowMs !== undefined ? { reorderWindowMs: settings.reorderWindowMs } : {}),
      ...(settings.maxBuffered !== undefined ? { maxBuffered: settings.maxBuffered } : {}),
      ...(settings.limits !== undefined ? { limits: settings.limits } : {}),
      onAlert: (alert) => {
        counts.alerts++;
        options.onAlert(alert);
      },
      onIssue: (issue) => {
        if (issue.severity === 'warning') counts.warnings++;
        options.onIssue(issue);
      },
    });
  }
  const reportProgress = (): void =>
    options.onProgress?.({
      file: currentFile,
      files: counts.files,
      events: counts.events,
      alerts: counts.alerts,
      bytes: counts.bytes,
    });

  try {
    for await (const path of discoverFiles(options.paths, options.onIssue)) {
      if (options.signal?.aborted) break;
      counts.files++;
      currentFile = path;
      bytesBeforeFile = counts.bytes;
      let fileFailed = false;
      const sourceOptions = {
        maxRecordBytes: options.maxRecordBytes ?? DEFAULT_SOURCE_OPTIONS.maxRecordBytes,
        batchBytes: DEFAULT_SOURCE_OPTIONS.batchBytes,
        onIssue: (issue: Issue) => {
          if (SKIPPED_RECORD_CODES.has(issue.code)) counts.skipped++;
          else if (FILE_FAILURE_CODES.has(issue.code)) fileFailed = true;
          if (issue.severity === 'warning') counts.warnings++;
          options.onIssue(issue);
        },
        onProgress: (bytesRead: number) => {
          counts.bytes = bytesBeforeFile + bytesRead;
        },
        ...(options.signal ? { signal: options.signal } : {}),
      };
      for await (const batch of openSource(path, sourceOptions, options.inputFormat)) {
        if (local !== undefined) deliver(local.processBatch(batch));
        else await pool!.submit(batch);
        reportProgress();
        if (options.afterBatch) await options.afterBatch();
      }
      if (fileFailed) counts.failedFiles++;
    }
  } finally {
    if (pool !== undefined) await pool.close();
  }
  if (correlations !== undefined) {
    // Sorted ordering decides here, once every file has been read: correlation alerts come last.
    correlations.finish();
    counts.correlation = correlations.stats();
  }
  reportProgress();
  return counts;
}
