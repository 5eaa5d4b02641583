/**
 * `hunt --db`: the hunt's side of the store. Opens the store, records the hunt (who, what, when), feeds
 * alerts to it in batches while detection goes on, and finishes the hunt record with its statistics.
 * Ctrl-C stops reading, writes what was found and records the hunt as interrupted; a second Ctrl-C quits
 * at once (what was committed stays). Rerunning the same hunt then adds only what is missing: occurrences
 * already stored are recognised and not counted again (docs/store.md).
 */
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { GroupingStats } from '../detect/group-into-store.js';
import { groupIntoStore } from '../detect/group-into-store.js';
import type { HuntCounts } from '../detect/hunt.js';
import type { Alert } from '../events/event.js';
import { AlertBatchWriter } from '../store/alert-batch-writer.js';
import type { AlertWriteTotals } from '../store/alert-batch-writer.js';
import { openStore } from '../store/open-store.js';
import type { HuntRecord, HuntStatus, Store } from '../store/store.js';
import { describeError } from './common.js';
import { formatCount } from './output/terminal.js';
import { currentUser } from './store-options.js';
import { AttackIndex } from '../intel/attack/catalogue.js';
import { defaultDataDir, openCatalogue } from '../intel/attack/catalogue-file.js';

export interface HuntStoreContext {
  readonly paths: readonly string[];
  readonly ruleSources: readonly string[];
  readonly options: Readonly<Record<string, unknown>>;
  /** Diagnostics (retries, interruption), on stderr. */
  readonly say: (text: string) => void;
}

export interface HuntStoreOutcome {
  readonly status: Exclude<HuntStatus, 'running'>;
  readonly totals: AlertWriteTotals;
  readonly hunt: HuntRecord;
  /** What incident grouping did with the hunt's new alerts (undefined when the hunt failed). */
  readonly grouping: GroupingStats | undefined;
  /** For the summary on stderr. */
  readonly summary: string;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Hunts on this machine still marked running whose process is gone were killed (power cut, SIGKILL): mark
 * them interrupted so the record does not claim work is going on.
 */
async function closeAbandonedHunts(store: Store, machine: string): Promise<number> {
  let closed = 0;
  for (const hunt of await store.listHunts({ status: 'running', limit: 1000 })) {
    if (hunt.machine !== machine || hunt.pid === null || hunt.pid === process.pid || processAlive(hunt.pid))
      continue;
    await store.finishHunt(hunt.id, { status: 'interrupted', stats: { ...hunt.stats, abandoned: true } });
    closed++;
  }
  return closed;
}

export class HuntStoreSink {
  private readonly controller = new AbortController();
  private interrupts = 0;
  private readonly onSigint = (): void => {
    this.interrupts++;
    if (this.interrupts > 1) {
      this.context.say('ballotguard: stopped at once; batches already stored are kept\n');
      process.exit(1);
    }
    this.context.say(
      'ballotguard: stopping: storing the alerts found so far and recording the hunt (Ctrl-C again to quit at once)\n',
    );
    this.controller.abort();
  };

  private constructor(
    private readonly store: Store,
    private readonly hunt: HuntRecord,
    private readonly writer: AlertBatchWriter,
    private readonly context: HuntStoreContext,
    private readonly alertIdsAbove: number,
  ) {
    process.on('SIGINT', this.onSigint);
  }

  static async open(location: string, context: HuntStoreContext): Promise<HuntStoreSink> {
    const store = await openStore(location);
    try {
      const machine = hostname();
      const abandoned = await closeAbandonedHunts(store, machine);
      if (abandoned > 0)
        context.say(
          `ballotguard: ${abandoned} earlier hunt(s) in ${store.location} had died; marked interrupted\n`,
        );
      const alertIdsAbove = await store.latestAlertId();
      const hunt = await store.startHunt({
        actor: currentUser(),
        paths: context.paths.map((path) => resolve(path)),
        ruleSources: context.ruleSources,
        machine,
        pid: process.pid,
        options: context.options,
      });
      const writer = new AlertBatchWriter(store, hunt.id, {
        onRetry: (error, delayMs) =>
          context.say(`ballotguard: ${error.message}; trying again in ${(delayMs / 1000).toFixed(1)} s\n`),
      });
      return new HuntStoreSink(store, hunt, writer, context, alertIdsAbove);
    } catch (error) {
      await store.close().catch(() => undefined);
      throw error;
    }
  }

  /** Aborted by Ctrl-C: hand it to the hunt so it stops reading. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /**
   * Paths are stored absolute: the same file hunted from another folder must be recognised as the same
   * file, or a rerun would count its records again.
   */
  readonly add = (alert: Alert): void => {
    this.writer.add({ ...alert, source: { ...alert.source, path: resolve(alert.source.path) } });
  };

  /** Between detection batches: holds detection back while the database is behind; throws if it failed. */
  readonly ready = (): Promise<void> => this.writer.ready();

  /** Flushes, records the end of the hunt and closes the store. */
  async finish(
    counts: HuntCounts | undefined,
    details: { readonly rulesLoaded: number; readonly rulesFailed: number; readonly seconds: number },
    failure?: unknown,
  ): Promise<HuntStoreOutcome> {
    process.off('SIGINT', this.onSigint);
    let status: Exclude<HuntStatus, 'running'> =
      failure !== undefined ? 'failed' : this.controller.signal.aborted ? 'interrupted' : 'completed';
    let writeError: unknown;
    try {
      await this.writer.close();
    } catch (error) {
      writeError = error;
      status = 'failed';
    }
    // The hunt's new alerts join (or open) incidents, also after Ctrl-C: what was stored is real evidence.
    let grouping: GroupingStats | undefined;
    if (status !== 'failed') {
      try {
        grouping = await groupIntoStore({
          store: this.store,
          huntId: this.hunt.id,
          alertIdsAbove: this.alertIdsAbove,
          actor: currentUser(),
          attack: await attackIndex(),
        });
      } catch (error) {
        writeError = error;
        status = 'failed';
      }
    }
    const totals = this.writer.totals;
    const stats = {
      ...(counts !== undefined
        ? {
            files: counts.files,
            events: counts.events,
            alerts: counts.alerts,
            skipped: counts.skipped,
            warnings: counts.warnings,
            failedFiles: counts.failedFiles,
            bytes: counts.bytes,
          }
        : {}),
      seconds: Number(details.seconds.toFixed(3)),
      ...(grouping !== undefined ? { grouping } : {}),
      store: {
        stored: totals.stored,
        duplicates: totals.duplicates,
        newAlerts: totals.newAlerts,
        batches: totals.batches,
        retries: totals.retries,
      },
      ...(failure !== undefined || writeError !== undefined
        ? { error: describeError(writeError ?? failure) }
        : {}),
    };
    let hunt = this.hunt;
    try {
      hunt = await this.store.finishHunt(this.hunt.id, {
        status,
        rulesLoaded: details.rulesLoaded,
        rulesFailed: details.rulesFailed,
        stats,
      });
    } catch (error) {
      // The database that failed the writes may fail this too; the writes' error is the one to report.
      writeError ??= error;
    } finally {
      await this.store.close().catch(() => undefined);
    }
    if (writeError !== undefined && failure === undefined)
      throw writeError instanceof Error ? writeError : new Error(describeError(writeError));
    const summary =
      `Stored in ${this.store.location} as hunt ${this.hunt.id}: ${formatCount(totals.stored)} occurrence(s) ` +
      `(${formatCount(totals.newAlerts)} new alert(s)` +
      (totals.duplicates > 0
        ? `, ${formatCount(totals.duplicates)} already stored and not counted again`
        : '') +
      `).` +
      (grouping !== undefined && grouping.grouped > 0
        ? ` Incidents: ${formatCount(grouping.incidentsOpened)} opened, ${formatCount(grouping.incidentsExtended)} extended` +
          (grouping.merged > 0 ? `, ${formatCount(grouping.merged)} merged` : '') +
          ` (ballotguard incidents list --db ${this.store.location}).`
        : '') +
      (status === 'interrupted'
        ? ' The hunt was interrupted: run the same command again to finish it (what is stored is not counted twice).'
        : '');
    return { status, totals, hunt, grouping, summary };
  }
}

/** Technique names for incident titles and severity, when an ATT&CK catalogue has been imported. */
async function attackIndex(): Promise<AttackIndex> {
  const opened = await openCatalogue({ dataDir: defaultDataDir(process.env) });
  return new AttackIndex(opened.catalogue);
}

export { closeAbandonedHunts };
