/**
 * The `server` benchmark: `ballotguard serve` over a SQLite store of 1,000,000 alerts (BENCH_QUICK: 20,000)
 * grouped into incidents, under concurrent keep-alive clients on 127.0.0.1: p50/p95/p99 latency of the
 * incident list, an incident page and an alert search (a rotating mix of filters). Baseline in the same
 * run: the same queries called directly on the Store in this process, one at a time — what is left is
 * the cost of HTTP, authentication, validation, the audit write and JSON. Target (issue): p95 < 100 ms.
 *
 * The store is generated once per size and seed and cached in BENCH_DATA_DIR (`server-store-N.db`).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Alert } from '../src/events/event.js';
import { issueApiToken } from '../src/server/auth.js';
import { openStore } from '../src/store/open-store.js';
import type { RuleLevel } from '../src/sigma/parse/ast.js';
import type { AlertFilter, Store } from '../src/store/store.js';
import { Prng, WeightedPicker } from './generate/prng.js';
import type { LatencySummary } from './load.js';
import { runLoad, timeCalls } from './load.js';
import { int, round, sig } from './report.js';
import type { BenchmarkContext, BenchmarkDefinition, BenchmarkReport } from './types.js';

const SEED = 20250611;
const FULL_ALERTS = 1_000_000;
const QUICK_ALERTS = 20_000;
const TARGET_P95_MS = 100;
const DAYS = 60;
const START = Date.parse('2024-09-01T00:00:00Z');

interface StoreShape {
  readonly alerts: number;
  readonly incidents: number;
  readonly hosts: readonly string[];
  readonly accounts: readonly string[];
  readonly ruleTitles: readonly string[];
  readonly bytes: number;
}

const TECHNIQUES = [
  ['credential_access', 't1003.001'],
  ['credential_access', 't1110.001'],
  ['credential_access', 't1110.003'],
  ['execution', 't1059.001'],
  ['execution', 't1059.003'],
  ['execution', 't1047'],
  ['persistence', 't1053.005'],
  ['persistence', 't1505.003'],
  ['persistence', 't1136.001'],
  ['lateral_movement', 't1021.002'],
  ['lateral_movement', 't1021.001'],
  ['defense_evasion', 't1070.001'],
  ['defense_evasion', 't1562.001'],
  ['discovery', 't1087.002'],
  ['discovery', 't1018'],
  ['initial_access', 't1190'],
  ['initial_access', 't1078'],
  ['exfiltration', 't1048'],
  ['collection', 't1114.002'],
  ['command_and_control', 't1071.001'],
] as const;

const LEVELS = new WeightedPicker<RuleLevel>([
  ['informational', 10],
  ['low', 20],
  ['medium', 35],
  ['high', 25],
  ['critical', 10],
]);

const WORDS = [
  'Suspicious',
  'Remote',
  'Encoded',
  'Service',
  'Scheduled',
  'Credential',
  'Logon',
  'Process',
  'Shell',
  'Mailbox',
];
const NOUNS = [
  'Execution',
  'Creation',
  'Dump',
  'Access',
  'Export',
  'Spray',
  'Download',
  'Modification',
  'Enumeration',
  'Tunnel',
];

function shape(count: number): Omit<StoreShape, 'alerts' | 'incidents' | 'bytes'> & {
  rules: { id: string; title: string; level: RuleLevel; tags: string[] }[];
} {
  const rng = new Prng(SEED);
  const hosts = [
    ...Array.from({ length: 10 }, (_, i) => `dc${String(i + 1).padStart(2, '0')}.elections.local`),
    ...Array.from(
      { length: Math.min(1500, Math.max(50, count / 500)) },
      (_, i) => `ws-${String(i + 1).padStart(4, '0')}.elections.local`,
    ),
  ];
  const accounts = Array.from(
    { length: Math.min(3000, Math.max(100, count / 300)) },
    (_, i) => `user${String(i + 1).padStart(4, '0')}`,
  );
  const rules = Array.from({ length: 150 }, (_, i) => {
    const [tactic, technique] = TECHNIQUES[rng.int(TECHNIQUES.length)]!;
    return {
      id: `bench-rule-${String(i + 1).padStart(3, '0')}`,
      title: `${WORDS[rng.int(WORDS.length)]!} ${NOUNS[rng.int(NOUNS.length)]!} ${i + 1}`,
      level: LEVELS.pick(rng),
      tags: [`attack.${tactic}`, `attack.${technique}`],
    };
  });
  return { hosts, accounts, rules, ruleTitles: rules.map((rule) => rule.title) };
}

/** Generates the store (or reuses the cached one): alerts in hunts, then incidents of 25 alerts each. */
async function ensureStore(file: string, count: number, log: (message: string) => void): Promise<StoreShape> {
  const marker = `${file}.complete.json`;
  const base = shape(count);
  if (existsSync(file) && existsSync(marker)) {
    const saved = JSON.parse(readFileSync(marker, 'utf8')) as { alerts: number; incidents: number };
    log(`using cached store ${file}`);
    return { ...base, ...saved, bytes: statSync(file).size };
  }
  rmSync(file, { force: true });
  rmSync(`${file}-wal`, { force: true });
  rmSync(`${file}-shm`, { force: true });
  mkdirSync(join(file, '..'), { recursive: true });
  const store = await openStore(file);
  const rng = new Prng(SEED + 1);
  const started = performance.now();
  const batch = 5000;
  const perHunt = Math.ceil(count / 10);
  let written = 0;
  for (let hunt = 0; hunt < 10 && written < count; hunt++) {
    const record = await store.startHunt({ actor: 'bench', paths: [`/cases/bench/part-${hunt}`] });
    for (let done = 0; done < perHunt && written < count;) {
      const alerts: Alert[] = [];
      for (let i = 0; i < batch && done < perHunt && written < count; i++, done++, written++) {
        const rule = base.rules[rng.int(base.rules.length)]!;
        const host = base.hosts[rng.int(base.hosts.length)]!;
        const account = base.accounts[rng.int(base.accounts.length)]!;
        const time = new Date(START + rng.int(DAYS * 86_400) * 1000).toISOString();
        alerts.push({
          timestamp: time,
          rule: { ...rule, path: `/rules/${rule.id}.yml` },
          source: {
            path: `/cases/bench/part-${hunt}/${host}.ndjson`,
            format: 'ndjson',
            line: written + 1,
            record: written + 1,
          },
          event: {
            Event: {
              System: {
                EventID: 4688,
                Channel: 'Security',
                Computer: host,
                TimeCreated: { '#attributes': { SystemTime: time } },
              },
              EventData: {
                SubjectUserName: account,
                IpAddress: `10.${rng.int(20)}.${rng.int(256)}.${rng.int(256)}`,
                NewProcessName: 'C:\\Windows\\System32\\cmd.exe',
                CommandLine: `cmd.exe /c whoami ${rng.hex(8)}`,
              },
            },
          },
        });
      }
      await store.writeAlerts(record.id, alerts);
      if (written % 100_000 < batch) log(`generated ${int(written)} / ${int(count)} alerts`);
    }
    await store.finishHunt(record.id, { status: 'completed' });
  }
  const alerts = await store.countAlerts();
  const latest = await store.latestAlertId();
  const incidents = Math.max(20, Math.round(count / 500));
  for (let i = 0; i < incidents; i++) {
    const members = new Set<number>();
    while (members.size < 25) members.add(1 + rng.int(latest));
    const incident = await store.createIncident(
      { title: `Bench incident ${i + 1}`, severity: LEVELS.pick(rng) },
      'bench',
    );
    await store.addAlertsToIncident(
      incident.id,
      [...members].map((alertId) => ({ alertId, reason: { text: 'bench grouping' } })),
      'bench',
    );
    if (i % 3 === 0) await store.addIncidentNote(incident.id, 'bench', 'checked by the night shift');
    if (i % 4 === 1)
      await store.updateIncident(incident.id, { status: 'triaging', assignee: 'alice' }, 'bench');
  }
  await store.close();
  writeFileSync(marker, `${JSON.stringify({ alerts, incidents })}\n`);
  log(
    `generated ${int(alerts)} alerts, ${int(incidents)} incidents in ${sig((performance.now() - started) / 1000)} s`,
  );
  return { ...base, alerts, incidents, bytes: statSync(file).size };
}

/** Starts `ballotguard serve` on a free port; resolves with its URL once it prints it. */
function startServer(
  projectRoot: string,
  db: string,
  work: string,
): Promise<{ child: ChildProcess; url: string }> {
  const main = join(projectRoot, 'dist', 'src', 'cli', 'main.js');
  if (!existsSync(main)) return Promise.reject(new Error(`${main} missing: run npm run build`));
  const child = spawn(
    process.execPath,
    [
      join(projectRoot, 'bin', 'ballotguard.js'),
      'serve',
      '--db',
      db,
      '--port',
      '0',
      '--no-hunts',
      '--log-level',
      'error',
    ],
    {
      cwd: work,
      env: { ...process.env, BALLOTGUARD_DATA_DIR: join(work, 'data'), BALLOTGUARD_CONFIG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-8000)));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`the server printed no URL within 120 s:\n${stderr}`)),
      120_000,
    );
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /(https?:\/\/\S+)\n/.exec(out);
      if (match !== null) {
        clearTimeout(timer);
        resolve({ child, url: match[1]! });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}) before listening:\n${stderr}`));
    });
  });
}

interface Endpoint {
  readonly label: string;
  readonly path: (sequence: number) => string;
  readonly direct: (store: Store, sequence: number) => Promise<unknown>;
}

function endpoints(shape: StoreShape): Endpoint[] {
  const incidentOf = (sequence: number): number => 1 + ((sequence * 7919) % shape.incidents);
  const hostOf = (sequence: number): string => shape.hosts[(sequence * 31) % shape.hosts.length]!;
  const accountOf = (sequence: number): string => shape.accounts[(sequence * 17) % shape.accounts.length]!;
  const titleOf = (sequence: number): string =>
    shape.ruleTitles[(sequence * 13) % shape.ruleTitles.length]!.split(' ')[0]!.toLowerCase();
  const dayOf = (sequence: number): string =>
    new Date(START + ((sequence * 5) % DAYS) * 86_400_000).toISOString();
  // Each search: its query string and the same filter for the store.
  const searches: ((sequence: number) => [string, AlertFilter])[] = [
    (s) => [`host=${hostOf(s)}`, { hosts: [hostOf(s)] }],
    () => ['level=critical', { levels: ['critical'] }],
    (s) => [`account=${accountOf(s)}`, { accounts: [accountOf(s)] }],
    () => ['technique=T1059', { technique: 'T1059' }],
    (s) => [`rule=${encodeURIComponent(titleOf(s))}`, { rule: titleOf(s) }],
    (s) => [`since=${dayOf(s)}&level=high,critical`, { since: dayOf(s), levels: ['high', 'critical'] }],
  ];
  return [
    {
      label: 'incident list',
      path: (s) =>
        s % 2 === 0 ? '/api/v1/incidents?limit=50' : '/api/v1/incidents?status=new,triaging&limit=50',
      direct: async (store, s) => {
        const filter = s % 2 === 0 ? {} : { statuses: ['new', 'triaging'] as const };
        return Promise.all([store.listIncidents({ ...filter, limit: 50 }), store.countIncidents(filter)]);
      },
    },
    {
      label: 'incident page',
      path: (s) => `/api/v1/incidents/${incidentOf(s)}`,
      direct: (store, s) => store.getIncident(incidentOf(s), { alertLimit: 500 }),
    },
    {
      label: 'alert search',
      path: (s) => `/api/v1/alerts?${searches[s % searches.length]!(s)[0]}&limit=50`,
      direct: (store, s) => store.listAlerts({ ...searches[s % searches.length]!(s)[1], limit: 51 }),
    },
  ];
}

export const serverBenchmark: BenchmarkDefinition = {
  description:
    'ballotguard serve over 1M stored alerts: incident list/page and alert search under concurrent load, vs the Store called directly',
  run: runServerBench,
};

async function runServerBench(context: BenchmarkContext): Promise<BenchmarkReport> {
  const count = context.quick ? QUICK_ALERTS : FULL_ALERTS;
  const concurrency = context.quick ? 8 : 16;
  const durationMs = context.quick ? 3_000 : 10_000;
  const warmupMs = context.quick ? 500 : 2_000;
  const file = join(context.dataDir, `server-store-${count}-${SEED}.db`);
  const shape = await ensureStore(file, count, context.log);
  const work = mkdtempSync(join(tmpdir(), 'ballotguard-bench-server-'));
  const notes: string[] = [];
  const rows: string[][] = [];
  const summary: Record<string, unknown> = {
    alerts: shape.alerts,
    incidents: shape.incidents,
    concurrency,
    durationMs,
  };

  // One viewer token for the load; revoked at the end so cached stores do not collect live tokens.
  const admin = await openStore(file, { mustExist: true });
  const { token: secret, record: token } = await issueApiToken(admin, {
    name: `bench-${Date.now().toString(36)}`,
    role: 'viewer',
  });
  let server: { child: ChildProcess; url: string } | undefined;
  try {
    const list = endpoints(shape);
    const direct: LatencySummary[] = [];
    for (const endpoint of list) {
      context.log(`store baseline: ${endpoint.label}`);
      direct.push(
        await timeCalls((s) => endpoint.direct(admin, s), {
          warmupMs,
          durationMs: Math.min(durationMs, 5_000),
        }),
      );
    }
    context.log('starting ballotguard serve');
    server = await startServer(context.projectRoot, file, work);
    for (const [i, endpoint] of list.entries()) {
      context.log(`load: ${endpoint.label}, ${concurrency} clients for ${durationMs / 1000} s`);
      const http = await runLoad({
        base: server.url,
        headers: { authorization: `Bearer ${secret}`, accept: 'application/json' },
        path: endpoint.path,
        concurrency,
        warmupMs,
        durationMs,
      });
      const baseline = direct[i]!;
      const key = endpoint.label.replace(/ (\w)/g, (_m, c: string) => c.toUpperCase());
      summary[key] = {
        http: {
          p50: round(http.p50),
          p95: round(http.p95),
          p99: round(http.p99),
          max: round(http.max),
          rps: round(http.rate, 0),
          errors: http.errors,
        },
        store: { p50: round(baseline.p50), p95: round(baseline.p95), p99: round(baseline.p99) },
        ratioP50: round(http.p50 / baseline.p50, 2),
        targetMet: http.errors === 0 && http.p95 < TARGET_P95_MS,
      };
      rows.push([
        endpoint.label,
        sig(http.p50),
        sig(http.p95),
        sig(http.p99),
        int(http.rate),
        sig(baseline.p50),
        sig(baseline.p95),
        sig(baseline.p99),
        `${sig(http.p50 / baseline.p50)}×`,
      ]);
      notes.push(
        `${endpoint.label}: HTTP p95 ${sig(http.p95)} ms (target < ${TARGET_P95_MS} ms) ${http.errors === 0 && http.p95 < TARGET_P95_MS ? 'MET' : 'NOT MET'}` +
          (http.errors > 0 ? `; ${int(http.errors)} failed request(s), first: ${http.firstError}` : ''),
      );
    }
    notes.push(
      `each HTTP request also checks its token and writes an audit entry (SQLite, WAL); the store column is one call at a time in this process`,
      // Latency under concurrency is mostly queueing behind other work on the same cores: say how busy they were.
      `load average during the run: ${loadavg()
        .map((value) => value.toFixed(1))
        .join(', ')} on ${availableParallelism()} core(s) (server, clients and anything else running)`,
    );
    summary['loadAverage'] = round(loadavg()[0]!, 2);
    if (context.quick) notes.push('BENCH_QUICK: 20,000 alerts; the full run uses 1,000,000');
  } finally {
    if (server !== undefined) {
      const exited = new Promise<void>((resolve) => server!.child.once('exit', () => resolve()));
      server.child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      if (server.child.exitCode === null) process.kill(-server.child.pid!, 'SIGKILL');
    }
    await admin.revokeApiToken(token.id);
    await admin.close();
    rmSync(work, { recursive: true, force: true });
  }
  return {
    title: `${int(shape.alerts)} alerts, ${int(shape.incidents)} incidents in SQLite (${sig(shape.bytes / 1e6)} MB); ${concurrency} keep-alive clients on 127.0.0.1`,
    table: {
      header: ['query', 'HTTP p50 ms', 'p95', 'p99', 'req/s', 'Store p50 ms', 'p95', 'p99', 'HTTP÷Store p50'],
      rows,
    },
    notes,
    summary,
  };
}
