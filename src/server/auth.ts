/**
 * API tokens, roles, dashboard sessions and the failed-authentication limiter.
 *
 * Tokens are `bg_` + 43 base64url characters: 256 random bits from the OS CSPRNG. The store keeps only
 * SHA-256 of the token. A fast hash is right here, unlike for passwords: slow hashes (bcrypt, scrypt,
 * Argon2) make guessing a *low-entropy* secret expensive, but guessing a 256-bit random secret is already
 * impossible (2^255 tries on average), and a slow hash would cost CPU on every request — a lever for
 * denial of service. SHA-256's preimage resistance means a stolen database gives no usable token.
 *
 * Verification looks the hash up through the store's unique index, then compares the stored hash with
 * the computed one in constant time (`timingSafeEqual`). Timing of the index lookup can reveal at most
 * how a *hash* compares with stored hashes, which does not help find a secret that hashes to it; the
 * constant-time comparison keeps the final check from leaking even that, and guards against a store that
 * matched loosely (e.g. a case-insensitive collation).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { TOKEN_ROLES } from '../store/store.js';
import type { ApiTokenRecord, Store, TokenRole } from '../store/store.js';

export const TOKEN_PREFIX = 'bg_';
const TOKEN_PATTERN = /^bg_[A-Za-z0-9_-]{43}$/;

/** A new secret token. Shown to its owner once; only `hashToken(token)` is stored. */
export function generateToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Creates an API token in the store: a new secret, stored as its hash. The secret is returned to give to
 * its holder once; nothing can show it again.
 */
export async function issueApiToken(
  store: Store,
  input: { readonly name: string; readonly role: TokenRole },
): Promise<{ token: string; record: ApiTokenRecord }> {
  const token = generateToken();
  const record = await store.createApiToken({
    name: input.name,
    role: input.role,
    tokenHash: hashToken(token),
  });
  return { token, record };
}

export function looksLikeToken(text: string): boolean {
  return TOKEN_PATTERN.test(text);
}

/** Constant-time equality of two strings (false at once when the lengths differ: lengths are public). */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

// ---------------------------------------------------------------------------------------------------------
// Roles

const RANK: Readonly<Record<TokenRole, number>> = { viewer: 1, analyst: 2, admin: 3 };

/** viewer < analyst < admin: each role may do everything the ones below it may. */
export function roleAllows(role: TokenRole, needed: TokenRole): boolean {
  return RANK[role] >= RANK[needed];
}

export function isRole(text: string): text is TokenRole {
  return (TOKEN_ROLES as readonly string[]).includes(text);
}

/** Who made a request. */
export interface Principal {
  readonly tokenId: number;
  readonly name: string;
  readonly role: TokenRole;
  /** Bearer header, or the dashboard's session cookie (which needs the CSRF header on mutations). */
  readonly via: 'bearer' | 'session';
  /** For a session: its cookie value and CSRF token. */
  readonly sessionId?: string;
  readonly csrf?: string;
}

export type TokenCheck =
  | { readonly ok: true; readonly token: ApiTokenRecord }
  | { readonly ok: false; readonly reason: 'malformed-token' | 'unknown-token' | 'revoked-token' };

/**
 * Checks a presented token against the store. `lastUsedAt` is refreshed at most once a minute per token, so
 * reads do not each cost a write.
 */
export class TokenVerifier {
  private readonly touched = new Map<number, number>();

  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {}

  async verify(token: string): Promise<TokenCheck> {
    if (!looksLikeToken(token)) return { ok: false, reason: 'malformed-token' };
    return this.verifyHash(hashToken(token));
  }

  async verifyHash(hash: string): Promise<TokenCheck> {
    const record = await this.store.findApiToken(hash);
    if (record === undefined || !safeEqual(record.tokenHash, hash))
      return { ok: false, reason: 'unknown-token' };
    if (record.revokedAt !== null) return { ok: false, reason: 'revoked-token' };
    const now = this.now();
    const last = this.touched.get(record.id);
    if (last === undefined || now - last >= 60_000) {
      this.touched.delete(record.id);
      this.touched.set(record.id, now);
      if (this.touched.size > 10_000) this.touched.delete(this.touched.keys().next().value!);
      await this.store.touchApiToken(record.id);
    }
    return { ok: true, token: record };
  }
}

// ---------------------------------------------------------------------------------------------------------
// Failed-authentication limiter

export interface LimiterOptions {
  /** Failures allowed per address within `windowMs` before requests are refused (default 10). */
  readonly maxFailures: number;
  readonly windowMs: number;
  /** Addresses tracked at once; the least recently failing are forgotten first (default 10,000). */
  readonly maxAddresses: number;
}

export const DEFAULT_LIMITER: LimiterOptions = { maxFailures: 10, windowMs: 60_000, maxAddresses: 10_000 };

/**
 * Sliding window of failure times per source address. Memory is bounded twice: at most `maxFailures`
 * times per address, at most `maxAddresses` addresses (least recently failing evicted first, so an
 * attacker spraying addresses can only make us forget, never grow).
 */
export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    readonly options: LimiterOptions = DEFAULT_LIMITER,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until this address may try again, or 0 when it may now. */
  retryAfter(address: string): number {
    const times = this.recent(address);
    if (times === undefined || times.length < this.options.maxFailures) return 0;
    const oldest = times[0]!;
    return Math.max(1, Math.ceil((oldest + this.options.windowMs - this.now()) / 1000));
  }

  recordFailure(address: string): void {
    const times = this.recent(address) ?? [];
    times.push(this.now());
    if (times.length > this.options.maxFailures) times.shift();
    // Delete then set: Map order is insertion order, so the first key is the least recently failing.
    this.failures.delete(address);
    this.failures.set(address, times);
    while (this.failures.size > this.options.maxAddresses)
      this.failures.delete(this.failures.keys().next().value!);
  }

  get trackedAddresses(): number {
    return this.failures.size;
  }

  private recent(address: string): number[] | undefined {
    const times = this.failures.get(address);
    if (times === undefined) return undefined;
    const horizon = this.now() - this.options.windowMs;
    while (times.length > 0 && times[0]! <= horizon) times.shift();
    if (times.length === 0) {
      this.failures.delete(address);
      return undefined;
    }
    return times;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Dashboard sessions

export interface Session {
  readonly tokenHash: string;
  readonly csrf: string;
  readonly createdAt: number;
  lastUsedAt: number;
}

export interface SessionOptions {
  /** A session ends this long after login whatever happens (default 12 h). */
  readonly maxAgeMs: number;
  /** … or after this long unused (default 2 h). */
  readonly idleMs: number;
  /** Sessions held at once; the oldest logins are dropped first (default 10,000). */
  readonly maxSessions: number;
}

export const DEFAULT_SESSIONS: SessionOptions = {
  maxAgeMs: 12 * 3_600_000,
  idleMs: 2 * 3_600_000,
  maxSessions: 10_000,
};

export const SESSION_COOKIE = 'bg_session';
export const CSRF_HEADER = 'x-ballotguard-csrf';

/**
 * Sessions in memory, keyed by a hash of the cookie value (a memory dump shows no usable cookie). A
 * session names its token by hash, so every request re-checks the token: revoking it ends the session.
 * Sessions do not survive a restart: the dashboard asks for the token again.
 */
export class SessionTable {
  private readonly sessions = new Map<string, Session>();

  constructor(
    readonly options: SessionOptions = DEFAULT_SESSIONS,
    private readonly now: () => number = Date.now,
  ) {}

  create(tokenHash: string): { id: string; session: Session } {
    const id = randomBytes(32).toString('base64url');
    const now = this.now();
    const session: Session = {
      tokenHash,
      csrf: randomBytes(32).toString('base64url'),
      createdAt: now,
      lastUsedAt: now,
    };
    this.sessions.set(hashToken(id), session);
    while (this.sessions.size > this.options.maxSessions)
      this.sessions.delete(this.sessions.keys().next().value!);
    return { id, session };
  }

  find(id: string): Session | undefined {
    if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
    const key = hashToken(id);
    const session = this.sessions.get(key);
    if (session === undefined) return undefined;
    const now = this.now();
    if (now - session.createdAt >= this.options.maxAgeMs || now - session.lastUsedAt >= this.options.idleMs) {
      this.sessions.delete(key);
      return undefined;
    }
    session.lastUsedAt = now;
    return session;
  }

  delete(id: string): void {
    this.sessions.delete(hashToken(id));
  }

  get size(): number {
    return this.sessions.size;
  }
}

/** The value of one cookie from a Cookie header (no dependency needed for one name). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
