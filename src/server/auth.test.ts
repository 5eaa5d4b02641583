/** Tokens, roles, the failed-authentication limiter and sessions, with a clock the tests move. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../store/open-store.js';
import {
  FailureLimiter,
  SessionTable,
  TokenVerifier,
  cookieValue,
  generateToken,
  hashToken,
  looksLikeToken,
  roleAllows,
  safeEqual,
} from './auth.js';

function clock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let time = start;
  return { now: () => time, advance: (ms) => (time += ms) };
}

describe('tokens', () => {
  it('are bg_ and 256 random bits in base64url, and differ every time', () => {
    const tokens = new Set(Array.from({ length: 200 }, generateToken));
    expect(tokens.size).toBe(200);
    for (const token of tokens) {
      expect(token).toMatch(/^bg_[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(token.slice(3), 'base64url').length).toBe(32);
      expect(looksLikeToken(token)).toBe(true);
    }
    expect(looksLikeToken('bg_short')).toBe(false);
    expect(looksLikeToken(`xx_${'a'.repeat(43)}`)).toBe(false);
  });

  it('hash to the hex SHA-256 of the whole token', () => {
    // The FIPS 180-2 test vector for "abc".
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hashToken('bg_example')).not.toBe(hashToken('bg_exampld'));
  });

  it('compare in constant time without mixing up lengths', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(safeEqual('', '')).toBe(true);
  });
});

describe('roles', () => {
  it.each([
    ['viewer', 'viewer', true],
    ['viewer', 'analyst', false],
    ['viewer', 'admin', false],
    ['analyst', 'viewer', true],
    ['analyst', 'analyst', true],
    ['analyst', 'admin', false],
    ['admin', 'viewer', true],
    ['admin', 'analyst', true],
    ['admin', 'admin', true],
  ] as const)('%s may do what needs %s: %s', (role, needed, allowed) => {
    expect(roleAllows(role, needed)).toBe(allowed);
  });
});

describe('TokenVerifier', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ballotguard-auth-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts a live token, refuses unknown, malformed and revoked ones, and touches lastUsedAt once a minute', async () => {
    const store = await openStore(join(dir, 'auth.db'));
    const time = clock(Date.parse('2026-01-01T00:00:00Z'));
    const verifier = new TokenVerifier(store, time.now);
    const secret = generateToken();
    const record = await store.createApiToken({
      name: 'alice',
      role: 'analyst',
      tokenHash: hashToken(secret),
    });
    const ok = await verifier.verify(secret);
    expect(ok).toMatchObject({ ok: true, token: { id: record.id, role: 'analyst' } });
    const firstUse = (await store.findApiToken(hashToken(secret)))!.lastUsedAt;
    expect(firstUse).not.toBeNull();
    await verifier.verify(secret);
    expect((await store.findApiToken(hashToken(secret)))!.lastUsedAt).toBe(firstUse);

    expect(await verifier.verify(generateToken())).toEqual({ ok: false, reason: 'unknown-token' });
    expect(await verifier.verify('password123')).toEqual({ ok: false, reason: 'malformed-token' });
    expect(await verifier.verify(secret.toUpperCase())).toMatchObject({ ok: false });
    await store.revokeApiToken(record.id);
    expect(await verifier.verify(secret)).toEqual({ ok: false, reason: 'revoked-token' });
    await store.close();
  });
});

describe('FailureLimiter', () => {
  it('allows maxFailures in the window, then says how long to wait; the window slides', () => {
    const time = clock();
    const limiter = new FailureLimiter({ maxFailures: 3, windowMs: 60_000, maxAddresses: 100 }, time.now);
    limiter.recordFailure('a');
    time.advance(10_000);
    limiter.recordFailure('a');
    expect(limiter.retryAfter('a')).toBe(0);
    time.advance(10_000);
    limiter.recordFailure('a');
    // Oldest failure at t0; the window ends 60 s after it, 40 s from now.
    expect(limiter.retryAfter('a')).toBe(40);
    expect(limiter.retryAfter('b')).toBe(0);
    time.advance(40_000);
    expect(limiter.retryAfter('a')).toBe(0);
    // Two failures are still in the window: one more blocks until the older of them leaves it.
    limiter.recordFailure('a');
    expect(limiter.retryAfter('a')).toBe(10);
    time.advance(60_000);
    expect(limiter.retryAfter('a')).toBe(0);
    // Expired entries are forgotten, not kept.
    expect(limiter.trackedAddresses).toBe(0);
  });

  it('keeps at most maxAddresses, forgetting the least recently failing', () => {
    const time = clock();
    const limiter = new FailureLimiter({ maxFailures: 2, windowMs: 60_000, maxAddresses: 50 }, time.now);
    for (let i = 0; i < 1000; i++) {
      limiter.recordFailure(`10.0.${Math.floor(i / 256)}.${i % 256}`);
      limiter.recordFailure(`10.0.${Math.floor(i / 256)}.${i % 256}`);
    }
    expect(limiter.trackedAddresses).toBe(50);
    expect(limiter.retryAfter('10.0.3.231')).toBeGreaterThan(0);
    expect(limiter.retryAfter('10.0.0.0')).toBe(0);
  });
});

describe('SessionTable', () => {
  it('finds a session by its cookie until it idles out or gets too old', () => {
    const time = clock();
    const sessions = new SessionTable(
      { maxAgeMs: 10 * 3_600_000, idleMs: 3_600_000, maxSessions: 10 },
      time.now,
    );
    const { id, session } = sessions.create('hash-1');
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session.csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(sessions.find(id)?.tokenHash).toBe('hash-1');
    expect(sessions.find(`${id.slice(0, -1)}x`)).toBeUndefined();
    expect(sessions.find('not a cookie')).toBeUndefined();
    for (let hour = 0; hour < 9; hour++) {
      time.advance(3_000_000);
      expect(sessions.find(id)).toBeDefined();
    }
    time.advance(3_000_000 * 3);
    expect(sessions.find(id)).toBeUndefined();

    const idle = sessions.create('hash-2');
    time.advance(3_600_000);
    expect(sessions.find(idle.id)).toBeUndefined();
  });

  it('holds at most maxSessions, dropping the oldest logins', () => {
    const sessions = new SessionTable({ maxAgeMs: 1e9, idleMs: 1e9, maxSessions: 3 });
    const ids = Array.from({ length: 5 }, (_, i) => sessions.create(`h${i}`).id);
    expect(sessions.size).toBe(3);
    expect(sessions.find(ids[0]!)).toBeUndefined();
    expect(sessions.find(ids[4]!)).toBeDefined();
    sessions.delete(ids[4]!);
    expect(sessions.find(ids[4]!)).toBeUndefined();
  });
});

describe('cookieValue', () => {
  it.each([
    ['bg_session=abc', 'abc'],
    ['theme=dark; bg_session=abc; other=1', 'abc'],
    ['xbg_session=abc', undefined],
    ['bg_session', undefined],
  ])('%s → %s', (header, value) => {
    expect(cookieValue(header, 'bg_session')).toBe(value);
  });
});
