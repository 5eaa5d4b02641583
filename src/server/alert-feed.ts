/**
 * New alerts as they are stored, for the live stream. The feed polls the store for alerts above the last
 * id it saw — whoever wrote them: this server's hunts, or a `ballotguard hunt --db` run elsewhere on the
 * same database — but only while someone listens, and at once when this server's own hunt says it wrote
 * some (`notify`). One poll serves every listener.
 */
import type { AlertRecord, Store } from '../store/store.js';

export type AlertListener = (alert: AlertRecord) => void;

export interface AlertFeedOptions {
  /** How often to look for alerts written by other processes (default 2 s). */
  readonly pollMs: number;
  /** Alerts read per query (default 500). */
  readonly pageSize: number;
  /** A reconnecting client is caught up on at most this many missed alerts (default 1,000). */
  readonly maxReplay: number;
}

export const DEFAULT_ALERT_FEED: AlertFeedOptions = { pollMs: 2000, pageSize: 500, maxReplay: 1000 };

export class AlertFeed {
  private readonly listeners = new Set<AlertListener>();
  private cursor: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private again = false;
  private closed = false;
  /** Polls that failed (the database was busy or gone); the next one tries again. */
  errors = 0;

  constructor(
    private readonly store: Store,
    readonly options: AlertFeedOptions = DEFAULT_ALERT_FEED,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  /**
   * Adds a listener; alerts stored from now on reach it. With `lastEventId` (a reconnecting client's
   * `Last-Event-ID`), the alerts it missed come first, at most `maxReplay` of them.
   */
  async subscribe(listener: AlertListener, lastEventId?: number): Promise<() => void> {
    if (this.cursor === undefined) this.cursor = await this.store.latestAlertId();
    if (lastEventId !== undefined && lastEventId < this.cursor) {
      const from = Math.max(lastEventId, this.cursor - this.options.maxReplay);
      for (const alert of await this.store.listNewAlerts(from, this.options.maxReplay)) {
        if (alert.id > this.cursor) break;
        listener(alert);
      }
    }
    this.listeners.add(listener);
    this.schedule();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.timer !== undefined) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
    };
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  /** Looks for new alerts now (this server just wrote some). */
  notify(): void {
    if (this.listeners.size === 0 || this.closed) return;
    if (this.polling !== undefined) {
      this.again = true;
      return;
    }
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.polling = this.poll();
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }

  private schedule(): void {
    if (this.closed || this.timer !== undefined || this.polling !== undefined || this.listeners.size === 0)
      return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.polling = this.poll();
    }, this.options.pollMs);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    try {
      do {
        this.again = false;
        if (this.cursor === undefined) this.cursor = await this.store.latestAlertId();
        const page = await this.store.listNewAlerts(this.cursor, this.options.pageSize);
        for (const alert of page) {
          this.cursor = Math.max(this.cursor, alert.id);
          for (const listener of this.listeners) listener(alert);
        }
        if (page.length === this.options.pageSize) this.again = true;
      } while (this.again && !this.closed && this.listeners.size > 0);
    } catch (error) {
      this.errors++;
      this.onError(error);
    } finally {
      this.polling = undefined;
      this.schedule();
    }
  }
}
