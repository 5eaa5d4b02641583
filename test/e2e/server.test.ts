/**
 * `ballotguard serve` as an operator runs it: the built program, a token made with `ballotguard token
 * create`, the server started on a free port, a few routes called over HTTP (an uploaded hunt included),
 * the token revoked with the CLI, and a clean stop on SIGTERM.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../helpers/shared.js';

const BIN = join(projectRoot, 'bin', 'ballotguard.js');

const RULE = `title: Failed logon to a domain account
id: 0d4a1b6c-7a53-4a4c-9f49-3f1d7a2f0c11
status: test
level: high
tags: [attack.credential_access, attack.t1110.001]
logsource: { product: windows, service: security }
detection:
  selection: { EventID: 4625 }
  condition: selection
`;

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    const info = statSync(path);
    if (info.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.endsWith('.ts') && !entry.endsWith('.test.ts')) newest = Math.max(newest, info.mtimeMs);
  }
  return newest;
}

/** Tests the program as built; builds it first when the build is missing or older than the sources. */
function ensureBuilt(): void {
  const entry = join(projectRoot, 'dist', 'src', 'cli', 'main.js');
  if (existsSync(entry) && statSync(entry).mtimeMs >= newestSource(join(projectRoot, 'src'))) return;
  const tsc = join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: projectRoot,
    encoding: 'utf8',
  });
  if (!existsSync(entry)) throw new Error(`build failed:\n${result.stdout}${result.stderr}`);
}

let work: string;
let db: string;
let rules: string;
let env: NodeJS.ProcessEnv;

/**
 * Runs the CLI without blocking this process: a blocked event loop would not see the server close idle
 * keep-alive sockets, and the next fetch would pick a dead one.
 */
function cli(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: work,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

beforeAll(() => {
  ensureBuilt();
  work = mkdtempSync(join(tmpdir(), 'ballotguard-e2e-serve-'));
  db = join(work, 'cases.db');
  rules = join(work, 'rules');
  mkdirSync(rules);
  writeFileSync(join(rules, 'failed-logon.yml'), RULE);
  env = {
    ...process.env,
    BALLOTGUARD_DATA_DIR: join(work, 'data'),
    XDG_CACHE_HOME: join(work, 'cache'),
    BALLOTGUARD_CONFIG: '',
  };
  // A build on a busy machine takes minutes.
}, 300_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('ballotguard token', () => {
  it('creates (secret printed once), lists without secrets, refuses a bad role', async () => {
    const created = await cli(['token', 'create', '--role', 'viewer', '--name', 'wallboard', '--db', db]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^bg_[A-Za-z0-9_-]{43}\n$/);
    expect(created.stderr).toContain('not shown again');
    const listed = await cli(['token', 'list', '--db', db, '--format', 'json']);
    expect(listed.code).toBe(0);
    const tokens = JSON.parse(listed.stdout) as Record<string, unknown>[];
    expect(tokens).toEqual([expect.objectContaining({ name: 'wallboard', role: 'viewer', revokedAt: null })]);
    expect(listed.stdout).not.toContain(created.stdout.trim());
    expect(listed.stdout).not.toContain('tokenHash');
    expect((await cli(['token', 'create', '--role', 'root', '--name', 'x', '--db', db])).code).toBe(2);
    expect((await cli(['token', 'create', '--role', 'viewer', '--name', 'wallboard', '--db', db])).code).toBe(
      1,
    );
  });
});

describe('ballotguard serve', () => {
  let server: ChildProcess;
  let base: string;
  let admin: string;
  let stderr = '';

  beforeAll(async () => {
    admin = (
      await cli(['token', 'create', '--role', 'admin', '--name', 'e2e-admin', '--db', db])
    ).stdout.trim();
    server = spawn(
      process.execPath,
      [
        BIN,
        'serve',
        '--db',
        db,
        '--port',
        '0',
        '--no-builtin',
        '--rules',
        rules,
        '--upload-dir',
        join(work, 'uploads'),
      ],
      { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    server.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    base = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(
        () => reject(new Error(`no URL on stdout within 30 s; stderr:\n${stderr}`)),
        30_000,
      );
      server.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const line = /^(https?:\/\/\S+)\n/.exec(out);
        if (line !== null) {
          clearTimeout(timer);
          resolve(line[1]!);
        }
      });
      server.on('exit', (code) => reject(new Error(`serve exited with ${code}:\n${stderr}`)));
    });
  });
  afterAll(() => {
    if (server.exitCode === null) server.kill('SIGKILL');
  });

  /** `token` null: no Authorization header. */
  const call = (path: string, init: RequestInit = {}, token: string | null = admin): Promise<Response> =>
    fetch(`${base}/api/v1${path}`, {
      ...init,
      headers: {
        ...(token !== null ? { authorization: `Bearer ${token}` } : {}),
        ...(init.headers as Record<string, string>),
      },
    });

  it('listens on 127.0.0.1 and answers health without a token, everything else only with one', async () => {
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await call('/health', {}, null);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect(health.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect((await call('/incidents', {}, null)).status).toBe(401);
    const me = await call('/me');
    expect(await me.json()).toMatchObject({ name: 'e2e-admin', role: 'admin' });
    const openapi = (await (await call('/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(openapi.paths)).toContain('/api/v1/incidents/{id}');
  });

  it('runs a hunt on an uploaded file and shows its incident', async () => {
    const line = JSON.stringify({
      Event: {
        System: {
          EventID: 4625,
          Channel: 'Security',
          Computer: 'dc01',
          TimeCreated: { '#attributes': { SystemTime: '2024-11-05T10:00:00Z' } },
        },
        EventData: { TargetUserName: 'alice', IpAddress: '10.0.0.9' },
      },
    });
    const accepted = await call('/hunts?name=security.ndjson', {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: `${line}\n`,
    });
    expect(accepted.status).toBe(202);
    const { id } = (await accepted.json()) as { id: number };
    let hunt: { status: string } = { status: 'queued' };
    for (let i = 0; i < 300 && (hunt.status === 'queued' || hunt.status === 'running'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      hunt = (await (await call(`/hunts/${id}`)).json()) as { status: string };
    }
    expect(hunt).toMatchObject({ status: 'completed', stats: { events: 1, alerts: 1 } });
    const incidents = (await (await call('/incidents')).json()) as {
      items: { title: string }[];
      total: number;
    };
    expect(incidents.total).toBe(1);
    expect(incidents.items[0]!.title).toBe('Failed logon to a domain account on dc01');
    const audit = (await (await call('/audit?action=hunts.create')).json()) as {
      items: { actor: string; outcome: string }[];
    };
    expect(audit.items[0]).toMatchObject({ actor: 'e2e-admin', outcome: 'ok' });
  });

  it('stops honouring a token revoked with the CLI, and stops cleanly on SIGTERM', async () => {
    const analyst = (
      await cli(['token', 'create', '--role', 'analyst', '--name', 'temp', '--db', db])
    ).stdout.trim();
    expect((await call('/me', {}, analyst)).status).toBe(200);
    const listed = JSON.parse((await cli(['token', 'list', '--db', db, '--format', 'json'])).stdout) as {
      id: number;
      name: string;
    }[];
    const id = listed.find((token) => token.name === 'temp')!.id;
    expect((await cli(['token', 'revoke', String(id), '--db', db])).code).toBe(0);
    expect((await call('/me', {}, analyst)).status).toBe(401);
    expect((await cli(['token', 'revoke', String(id), '--db', db])).code).toBe(1);

    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toContain('SIGTERM: stopping');
  });
});
