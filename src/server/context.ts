/** What the route modules share: the store and the server's services, built once by `buildServer`. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AttackIndex } from '../intel/attack/catalogue.js';
import type { Store } from '../store/store.js';
import type { AlertFeed } from './alert-feed.js';
import type { RuleCatalogue } from './attack-views.js';
import type { FailureLimiter, SessionTable, TokenVerifier } from './auth.js';
import type { Auditor } from './audit.js';
import type { HuntService } from './hunt-service.js';
import type { SseHub } from './sse.js';

export interface UploadSettings {
  /** Parent folder of the per-upload temporary folders. */
  readonly root: string;
  readonly maxBytes: number;
  readonly maxFiles: number;
}

export interface ServerContext {
  readonly store: Store;
  readonly attack: AttackIndex;
  readonly rules: RuleCatalogue;
  readonly hunts: HuntService;
  readonly feed: AlertFeed;
  readonly sse: SseHub;
  readonly sessions: SessionTable;
  readonly verifier: TokenVerifier;
  readonly limiter: FailureLimiter;
  readonly auditor: Auditor;
  readonly uploads: UploadSettings;
  /** Served over TLS: cookies get `Secure`. */
  readonly tls: boolean;
  readonly version: string;
  /**
   * Writes the audit entry of a request that is about to become a stream (streams never reach the
   * response hook that audits the others).
   */
  readonly streamOpened: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** Small time-limited memo for expensive aggregates (dashboard figures). */
  readonly cache: TtlCache;
}

/** A bounded map whose entries expire; concurrent misses for one key share one computation. */
export class TtlCache {
  private readonly entries = new Map<string, { at: number; value: Promise<unknown> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 100,
    private readonly now: () => number = Date.now,
  ) {}

  get<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit !== undefined && this.now() - hit.at < this.ttlMs) return hit.value as Promise<T>;
    const value = compute();
    this.entries.delete(key);
    this.entries.set(key, { at: this.now(), value });
    // A failure is not remembered: the next request tries again.
    value.catch(() => this.entries.delete(key));
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return value;
  }
}
