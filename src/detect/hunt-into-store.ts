/**
 * A hunt whose alerts go to the store: the same pipeline as `hunt()` (detection stays pure and returns
 * alerts), with a sink that writes them in batches — awaited after each input batch, so a slow database
 * pushes back on reading — then groups the hunt's new alerts into incidents and records how the hunt
 * ended. Shared by `ballotguard hunt --db` and the server's uploaded hunts.
 *
 * The caller starts the hunt record (`store.startHunt`), so it can hand out the id before the work
 * begins; this function always finishes it: `completed`, `interrupted` (the signal fired) or `failed`
 * (no rule compiled, or an error, which is rethrown).
 */
import { AlertBatchWriter } from '../store/alert-batch-writer.js';
import type { AlertWriteTotals } from '../store/alert-batch-writer.js';
import type { Store } from '../store/store.js';
import type { RuleSetSummary } from './detector.js';
import type { HuntCounts, HuntOptions } from './hunt.js';
import { hunt } from './hunt.js';
import type { GroupIntoStoreOptions, GroupingStats } from './group-into-store.js';
import { groupIntoStore } from './group-into-store.js';

export interface HuntIntoStoreOptions {
  readonly store: Store;
  /** From `store.startHunt`. */
  readonly huntId: number;
  /** `store.latestAlertId()` taken before the hunt started: alerts above it are this hunt's new ones. */
  readonly alertIdsAbove: number;
  /** Who incident changes are recorded as. */
  readonly actor: string;
  /** The pipeline's options; its own alert sink and back-pressure are wrapped, not replaced. */
  readonly hunt: HuntOptions;
  /** The batch writer (retries, back-pressure); one is made for the hunt when not given. */
  readonly writer?: AlertBatchWriter;
  /** The path stored with each alert (e.g. the uploaded name instead of the temporary file). */
  readonly storedPath?: (path: string) => string;
  /** Incident grouping; false to leave the alerts ungrouped. */
  readonly grouping?:
    false | Omit<GroupIntoStoreOptions, 'store' | 'huntId' | 'alertIdsAbove' | 'actor' | 'signal'>;
  /** Rule documents that failed to parse before the hunt (counted with the compile failures). */
  readonly parseFailures?: number;
  /** Called (and awaited) when detection is done, before grouping and before the hunt is recorded as ended. */
  readonly onDetected?: () => void | Promise<void>;
  /** Facts to record with the hunt's statistics. */
  readonly extraStats?: () => Readonly<Record<string, unknown>>;
}

export interface HuntIntoStoreResult {
  readonly status: 'completed' | 'interrupted' | 'failed';
  readonly counts: HuntCounts;
  readonly written: AlertWriteTotals;
  readonly grouping: GroupingStats | undefined;
  readonly rulesLoaded: number;
  readonly rulesFailed: number;
}

export async function huntIntoStore(options: HuntIntoStoreOptions): Promise<HuntIntoStoreResult> {
  const { store, huntId } = options;
  const writer = options.writer ?? new AlertBatchWriter(store, huntId);
  let rulesLoaded = 0;
  let rulesFailed = 0;
  const storedPath = options.storedPath;

  const finish = async (
    status: HuntIntoStoreResult['status'],
    counts: HuntCounts | undefined,
    grouping: GroupingStats | undefined,
    error?: unknown,
  ): Promise<void> => {
    await store.finishHunt(huntId, {
      status,
      rulesLoaded,
      rulesFailed,
      stats: {
        ...(counts !== undefined ? { ...counts } : {}),
        store: writer.totals,
        ...(grouping !== undefined ? { grouping } : {}),
        ...(error !== undefined ? { error: error instanceof Error ? error.message : 'unknown failure' } : {}),
        ...options.extraStats?.(),
      },
    });
  };

  let counts: HuntCounts;
  try {
    counts = await hunt({
      ...options.hunt,
      onAlert: (alert) => {
        writer.add(
          storedPath === undefined
            ? alert
            : { ...alert, source: { ...alert.source, path: storedPath(alert.source.path) } },
        );
        options.hunt.onAlert(alert);
      },
      onRulesReady: (summary: RuleSetSummary) => {
        rulesLoaded = summary.compiled;
        rulesFailed = (options.parseFailures ?? 0) + summary.failed.length;
        return options.hunt.onRulesReady?.(summary) ?? summary.compiled > 0;
      },
      afterBatch: async () => {
        await writer.ready();
        await options.hunt.afterBatch?.();
      },
    });
    await writer.close();
  } catch (error) {
    await writer.close().catch(() => undefined);
    await finish('failed', undefined, undefined, error).catch(() => undefined);
    throw error;
  }
  const written = writer.totals;
  if (counts.stopped) {
    await finish('failed', counts, undefined);
    return { status: 'failed', counts, written, grouping: undefined, rulesLoaded, rulesFailed };
  }
  await options.onDetected?.();
  const aborted = (): boolean => options.hunt.signal?.aborted === true;
  let grouping: GroupingStats | undefined;
  if (options.grouping !== false && !aborted()) {
    try {
      grouping = await groupIntoStore({
        ...options.grouping,
        store,
        huntId,
        alertIdsAbove: options.alertIdsAbove,
        actor: options.actor,
        ...(options.hunt.signal !== undefined ? { signal: options.hunt.signal } : {}),
      });
    } catch (error) {
      await finish('failed', counts, undefined, error).catch(() => undefined);
      throw error;
    }
  }
  const status = aborted() ? 'interrupted' : 'completed';
  await finish(status, counts, grouping);
  return { status, counts, written, grouping, rulesLoaded, rulesFailed };
}
