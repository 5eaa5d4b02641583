/**
 * Hunts on uploaded files, run inside the server one at a time from a small bounded queue (a hunt uses
 * the CPU it is given; two at once would only share it). Each hunt is a store hunt record from the moment
 * it is accepted, so its id can be returned at once; while queued or running, its live progress is kept
 * here and pushed to watchers (`/hunts/:id/events`). The uploaded files are deleted when it ends.
 */
import { hostname } from 'node:os';
import { rm } from 'node:fs/promises';
import type { FastifyBaseLogger } from 'fastify';
import { closeAbandonedHunts } from '../cli/hunt-store.js';
import type { DetectorConfig } from '../detect/detector.js';
import { huntIntoStore } from '../detect/hunt-into-store.js';
import { AlertBatchWriter } from '../store/alert-batch-writer.js';
import type { AttackIndex } from '../intel/attack/catalogue.js';
import type { HuntRecord, Store } from '../store/store.js';
import type { AlertFeed } from './alert-feed.js';
import { ApiError } from './errors.js';
import type { StagedUpload } from './uploads.js';

/** How the server hunts; absent when hunting is not offered. */
export interface HuntSetup {
  /**
   * Loads the rules for one hunt. Called for every hunt, so rule edits are picked up; the parsed-rule
   * cache keeps it quick.
   */
  readonly prepare: () => Promise<PreparedDetector>;
  /** Detection threads per hunt (default 1: the server has other work). */
  readonly threads?: number;
  /** Hunts waiting behind the running one (default 4); more are refused with 503. */
  readonly maxQueued?: number;
  readonly maxRecordBytes?: number;
  /** Rule files and folders hunts load, for the hunt record. */
  readonly ruleSources?: readonly string[];
  /** Names tactics and techniques for incident grouping. */
  readonly attack?: AttackIndex;
}

export interface PreparedDetector {
  readonly detector: DetectorConfig;
  /** Rule files and folders, for the hunt record. */
  readonly ruleSources: readonly string[];
  /** Rule documents that did not parse (added to the hunt's failed count). */
  readonly parseFailures: number;
}

export type HuntPhase = 'queued' | 'hunting' | 'grouping' | 'done';

export interface HuntProgressView {
  phase: HuntPhase;
  files: number;
  totalFiles: number;
  bytes: number;
  totalBytes: number;
  events: number;
  alerts: number;
  stored: number;
  newAlerts: number;
  file: string | null;
}

export type HuntEvent =
  | { readonly type: 'progress'; readonly progress: HuntProgressView }
  | { readonly type: 'done'; readonly hunt: HuntRecord; readonly error?: string };

interface Job {
  readonly id: number;
  readonly actor: string;
  readonly upload: StagedUpload;
  readonly abort: AbortController;
  readonly progress: HuntProgressView;
  readonly listeners: Set<(event: HuntEvent) => void>;
  lastEmit: number;
  error?: string;
}

const FINISHED_KEPT = 100;
const PROGRESS_EVERY_MS = 250;

export class HuntService {
  private readonly queue: Job[] = [];
  private running: Job | undefined;
  private runner: Promise<void> | undefined;
  /** Progress of recently finished hunts, for watchers that arrive just after the end. */
  private readonly finished = new Map<number, { progress: HuntProgressView; error?: string }>();
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly setup: HuntSetup | undefined,
    private readonly feed: AlertFeed,
    private readonly log: FastifyBaseLogger,
  ) {}

  get enabled(): boolean {
    return this.setup !== undefined;
  }

  private get maxQueued(): number {
    return this.setup?.maxQueued ?? 4;
  }

  /** Refuses before any upload is read when hunting is off or the queue is full. */
  assertAccepting(): void {
    if (this.setup === undefined || this.closed)
      throw new ApiError(
        503,
        'hunting-disabled',
        'this server does not run hunts (start it with rules to hunt with)',
      );
    if (this.queue.length >= this.maxQueued)
      throw new ApiError(
        503,
        'hunt-queue-full',
        `${this.queue.length} hunts are already waiting; try again later`,
        {
          headers: { 'Retry-After': '30' },
        },
      );
  }

  /**
   * Hunts left `running` by an earlier server process on this machine that is no longer alive are
   * recorded as interrupted.
   */
  recoverInterrupted(): Promise<number> {
    return closeAbandonedHunts(this.store, hostname());
  }

  /** Takes ownership of the upload (deleted when the hunt ends) and queues the hunt. */
  async submit(actor: string, upload: StagedUpload): Promise<HuntRecord> {
    try {
      this.assertAccepting();
    } catch (error) {
      await rm(upload.dir, { recursive: true, force: true });
      throw error;
    }
    const record = await this.store.startHunt({
      actor,
      paths: upload.files.map((file) => file.name),
      ruleSources: this.setup?.ruleSources ?? [],
      machine: hostname(),
      pid: process.pid,
      options: { source: 'upload', files: upload.files.length, bytes: upload.totalBytes },
    });
    const job: Job = {
      id: record.id,
      actor,
      upload,
      abort: new AbortController(),
      progress: {
        phase: 'queued',
        files: 0,
        totalFiles: upload.files.length,
        bytes: 0,
        totalBytes: upload.totalBytes,
        events: 0,
        alerts: 0,
        stored: 0,
        newAlerts: 0,
        file: null,
      },
      listeners: new Set(),
      lastEmit: 0,
    };
    this.queue.push(job);
    this.runner ??= this.drain();
    return record;
  }

  /** Live progress of a hunt this server runs or ran recently. */
  progressOf(id: number): { progress: HuntProgressView; error?: string } | undefined {
    const job = this.running?.id === id ? this.running : this.queue.find((queued) => queued.id === id);
    if (job !== undefined)
      return { progress: job.progress, ...(job.error !== undefined ? { error: job.error } : {}) };
    return this.finished.get(id);
  }

  /** Subscribes to a queued or running hunt; undefined when it is not (or no longer) running here. */
  watch(id: number, listener: (event: HuntEvent) => void): (() => void) | undefined {
    const job = this.running?.id === id ? this.running : this.queue.find((queued) => queued.id === id);
    if (job === undefined) return undefined;
    job.listeners.add(listener);
    return () => job.listeners.delete(listener);
  }

  /** Stops the running hunt, records the queued ones as interrupted, deletes their uploads. */
  async close(): Promise<void> {
    this.closed = true;
    const waiting = this.queue.splice(0);
    this.running?.abort.abort();
    for (const job of waiting) {
      job.abort.abort();
      const hunt = await this.store
        .finishHunt(job.id, { status: 'interrupted', stats: { interruptedBy: 'server shutdown' } })
        .catch(() => undefined);
      await rm(job.upload.dir, { recursive: true, force: true });
      if (hunt !== undefined) this.emit(job, { type: 'done', hunt }, true);
    }
    await this.runner;
  }

  private emit(job: Job, event: HuntEvent, force = false): void {
    const now = Date.now();
    if (!force && now - job.lastEmit < PROGRESS_EVERY_MS) return;
    job.lastEmit = now;
    for (const listener of job.listeners) listener(event);
  }

  private async drain(): Promise<void> {
    for (let job = this.queue.shift(); job !== undefined; job = this.queue.shift()) {
      this.running = job;
      try {
        await this.run(job);
      } catch (error) {
        job.error = error instanceof Error ? error.message : String(error);
        this.log.error({ err: error, hunt: job.id }, 'uploaded hunt failed');
        // A failure before the pipeline started (rules, database) leaves the record running: end it.
        const record = await this.store.getHunt(job.id).catch(() => undefined);
        if (record?.status === 'running')
          await this.store
            .finishHunt(job.id, { status: 'failed', stats: { error: job.error } })
            .catch(() => undefined);
      } finally {
        // Recorded as finished before it stops being the running one: a reader always finds it somewhere.
        job.progress.phase = 'done';
        this.finished.set(job.id, {
          progress: job.progress,
          ...(job.error !== undefined ? { error: job.error } : {}),
        });
        while (this.finished.size > FINISHED_KEPT) this.finished.delete(this.finished.keys().next().value!);
        this.running = undefined;
        await rm(job.upload.dir, { recursive: true, force: true }).catch(() => undefined);
        const hunt = await this.store.getHunt(job.id).catch(() => undefined);
        if (hunt !== undefined)
          this.emit(
            job,
            { type: 'done', hunt, ...(job.error !== undefined ? { error: job.error } : {}) },
            true,
          );
        job.listeners.clear();
        this.feed.notify();
      }
    }
    this.runner = undefined;
  }

  private async run(job: Job): Promise<void> {
    const setup = this.setup!;
    const progress = job.progress;
    progress.phase = 'hunting';
    this.emit(job, { type: 'progress', progress }, true);
    const alertIdsAbove = await this.store.latestAlertId();
    const prepared = await setup.prepare();
    let detector: DetectorConfig | undefined = prepared.detector;
    const byPath = new Map(job.upload.files.map((file) => [file.path, file.name]));
    const issues = new Map<string, number>();
    const writer = new AlertBatchWriter(this.store, job.id);
    await huntIntoStore({
      store: this.store,
      huntId: job.id,
      alertIdsAbove,
      actor: job.actor,
      storedPath: (path) => `upload/hunt-${job.id}/${byPath.get(path) ?? path}`,
      writer,
      grouping: setup.attack !== undefined ? { attack: setup.attack } : {},
      parseFailures: prepared.parseFailures,
      onDetected: async () => {
        // The files are read: delete them now, so a hunt recorded as ended never has files left behind.
        await rm(job.upload.dir, { recursive: true, force: true });
        progress.phase = 'grouping';
        this.emit(job, { type: 'progress', progress }, true);
      },
      extraStats: () => ({ issues: Object.fromEntries(issues) }),
      hunt: {
        paths: job.upload.files.map((file) => file.path),
        detector: () => {
          const config = detector!;
          detector = undefined;
          return config;
        },
        threads: setup.threads ?? 1,
        ...(setup.maxRecordBytes !== undefined ? { maxRecordBytes: setup.maxRecordBytes } : {}),
        signal: job.abort.signal,
        onAlert: () => undefined,
        // Problems with the uploaded data are counted by code; the hunt's stats carry them.
        onIssue: (issue) => issues.set(issue.code, (issues.get(issue.code) ?? 0) + 1),
        onProgress: (state) => {
          progress.files = state.files;
          progress.bytes = state.bytes;
          progress.events = state.events;
          progress.alerts = state.alerts;
          progress.file = byPath.get(state.file) ?? null;
          progress.stored = writer.totals.stored;
          progress.newAlerts = writer.totals.newAlerts;
          if (Date.now() - job.lastEmit >= PROGRESS_EVERY_MS) this.feed.notify();
          this.emit(job, { type: 'progress', progress });
        },
        afterBatch: () => new Promise<void>((resolve) => setImmediate(resolve)),
      },
    });
    progress.stored = writer.totals.stored;
    progress.newAlerts = writer.totals.newAlerts;
  }
}
