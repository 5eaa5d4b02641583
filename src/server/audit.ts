/**
 * The request audit trail: who (token name and id, or `anonymous`), what (an action name such as
 * `incidents.update`, and a target such as `incident:12`), when (the store stamps it), from where (the
 * client address), and how it ended (`ok`, `denied`, `error`, with the HTTP status). Every API request
 * that reads or changes data is written, refused ones included, before the response leaves, so no
 * client sees an answer the log does not have.
 *
 * One bound keeps a flood from filling the log: while an address is being refused for too many failed
 * logins (429), only the first refusal of each window is written; the entry after the window says how
 * many were left out.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { AuditInput, Store } from '../store/store.js';

export interface AuditRecord {
  readonly actor: string;
  readonly action: string;
  readonly target: string | null;
  readonly fromAddress: string;
  readonly outcome: 'ok' | 'denied' | 'error';
  readonly detail: Record<string, unknown>;
}

export class Auditor {
  private readonly throttled = new Map<string, { until: number; suppressed: number }>();
  /** Entries the store refused; the server log has each one. */
  failures = 0;

  constructor(
    private readonly store: Store,
    private readonly log: FastifyBaseLogger,
    private readonly now: () => number = Date.now,
  ) {}

  async write(record: AuditRecord): Promise<void> {
    const entry: AuditInput = {
      actor: record.actor,
      action: record.action,
      target: record.target,
      fromAddress: record.fromAddress,
      outcome: record.outcome,
      detail: record.detail,
    };
    try {
      await this.store.appendAudit(entry);
    } catch (error) {
      this.failures++;
      // The request itself is done; losing its audit line must at least be loud.
      this.log.error({ err: error, audit: entry }, 'cannot write the audit log');
    }
  }

  /**
   * Writes a rate-limit refusal unless one was written for this address in the current window; the first
   * entry of the next window carries the count of those left out.
   */
  async writeThrottled(record: AuditRecord, retryAfterSeconds: number): Promise<void> {
    const now = this.now();
    const state = this.throttled.get(record.fromAddress);
    if (state !== undefined && now < state.until) {
      state.suppressed++;
      return;
    }
    const suppressed = state?.suppressed ?? 0;
    this.throttled.delete(record.fromAddress);
    this.throttled.set(record.fromAddress, { until: now + retryAfterSeconds * 1000, suppressed: 0 });
    while (this.throttled.size > 10_000) this.throttled.delete(this.throttled.keys().next().value!);
    await this.write({
      ...record,
      detail: { ...record.detail, ...(suppressed > 0 ? { refusalsNotLogged: suppressed } : {}) },
    });
  }
}
