/**
 * A server over a fresh SQLite store in a temporary folder, with one token per role (and a revoked one),
 * a one-rule pack for uploaded hunts, and helpers to call it with `app.inject` — for the server's tests
 * and the end-to-end test. Nothing here is faked: real store, real rules, real pipeline.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Alert } from '../events/event.js';
import { openStore } from '../store/open-store.js';
import type { Store, TokenRole } from '../store/store.js';
import { issueApiToken } from './auth.js';
import { createHunting } from './hunting.js';
import { API_PREFIX, buildServer } from './server.js';
import type { ServerOptions } from './server.js';

export const FAILED_LOGON_RULE = `title: Failed logon to a domain account
id: 0d4a1b6c-7a53-4a4c-9f49-3f1d7a2f0c11
status: test
level: high
tags:
  - attack.credential_access
  - attack.t1110.001
logsource:
  product: windows
  service: security
detection:
  selection:
    EventID: 4625
  condition: selection
`;

/** An evtx_dump-shaped failed logon, one NDJSON line. */
export function failedLogon(options: { host: string; account: string; ip: string; time: string }): string {
  return JSON.stringify({
    Event: {
      System: {
        EventID: 4625,
        Channel: 'Security',
        Computer: options.host,
        TimeCreated: { '#attributes': { SystemTime: options.time } },
      },
      EventData: { TargetUserName: options.account, IpAddress: options.ip, LogonType: 3 },
    },
  });
}

/** An alert as the detector makes it, for writing straight to the store. */
export function storedAlert(options: {
  host: string;
  account: string;
  ip?: string;
  time: string;
  line: number;
  rule?: { id: string; title: string; level: Alert['rule']['level']; tags: string[] };
  path?: string;
}): Alert {
  const rule = options.rule ?? {
    id: 'rule-brute-force',
    title: 'Brute force against a domain account',
    level: 'high' as const,
    tags: ['attack.credential_access', 'attack.t1110.001'],
  };
  return {
    timestamp: options.time,
    rule: { ...rule, path: '/rules/test.yml' },
    source: {
      path: options.path ?? '/logs/security.ndjson',
      format: 'ndjson',
      line: options.line,
      record: options.line,
      offset: (options.line - 1) * 200,
    },
    event: JSON.parse(
      failedLogon({
        host: options.host,
        account: options.account,
        ip: options.ip ?? '10.0.0.9',
        time: options.time,
      }),
    ) as unknown,
  };
}

export interface ServerFixture {
  readonly app: FastifyInstance;
  readonly store: Store;
  readonly dir: string;
  /** Secret tokens by role, plus a revoked viewer token. */
  readonly tokens: Readonly<Record<TokenRole | 'revoked', string>>;
  call(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'OPTIONS',
    path: string,
    options?: {
      token?: string;
      body?: unknown;
      headers?: Record<string, string>;
      payload?: string | Buffer;
      remoteAddress?: string;
    },
  ): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function serverFixture(
  overrides: Partial<Omit<ServerOptions, 'store' | 'hunting'>> & {
    /** False: the server offers no hunts. */
    readonly hunting?: boolean;
    readonly maxQueued?: number;
  } = {},
): Promise<ServerFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'ballotguard-server-'));
  const store = await openStore(join(dir, 'ballotguard.db'));
  const rulesDir = join(dir, 'rules');
  mkdirSync(rulesDir);
  writeFileSync(join(rulesDir, 'failed-logon.yml'), FAILED_LOGON_RULE);
  const { hunting: withHunting, maxQueued, ...rest } = overrides;
  // Prepared exactly as `ballotguard serve --no-builtin --rules DIR` prepares them.
  const { hunting, rules } = await createHunting({
    rules: [rulesDir],
    builtin: false,
    cache: false,
    ...(maxQueued !== undefined ? { maxQueued } : {}),
  });
  const tokens: Record<string, string> = {};
  for (const role of ['viewer', 'analyst', 'admin'] as const)
    tokens[role] = (await issueApiToken(store, { name: `${role}-token`, role })).token;
  const revoked = await issueApiToken(store, { name: 'revoked-token', role: 'admin' });
  tokens['revoked'] = revoked.token;
  await store.revokeApiToken(revoked.record.id);

  const app = await buildServer({
    store,
    rules,
    uploadDir: join(dir, 'uploads'),
    limiter: { maxFailures: 1000 },
    ...(withHunting === false ? {} : { hunting }),
    ...rest,
  });
  await app.ready();
  return {
    app,
    store,
    dir,
    tokens: tokens as Record<TokenRole | 'revoked', string>,
    call: (method, path, options = {}) =>
      app.inject({
        method,
        url: path.startsWith('/api') || !path.startsWith('/') ? path : `${API_PREFIX}${path}`,
        ...(options.remoteAddress !== undefined ? { remoteAddress: options.remoteAddress } : {}),
        headers: {
          ...(options.token !== undefined ? { authorization: `Bearer ${options.token}` } : {}),
          ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...options.headers,
        },
        ...(options.body !== undefined ? { payload: JSON.stringify(options.body) } : {}),
        ...(options.payload !== undefined ? { payload: options.payload } : {}),
      }),
    close: async () => {
      await app.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
