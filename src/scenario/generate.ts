/**
 * Writes a scenario: `logs/<HOST>/<channel>.jsonl` (evtx_dump JSON, one record per line) for every
 * machine, `logs/EXCH0n/inetpub/logs/LogFiles/W3SVC1/u_exYYMMDD.log` for the Exchange front ends, and
 * `manifest.json`. Deterministic: the same options give the same bytes. Memory stays bounded by one host's
 * day of records whatever the number of days or users: hosts are generated one at a time, day by day.
 *
 * @example
 * const { manifest } = generateScenario({ outDir: 'scenario', seed: 1, days: 14, users: 300 });
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HostDay } from './activity.js';
import { serverDay } from './benign-servers.js';
import { workstationDay } from './benign-workstation.js';
import type { Estate, Host } from './estate.js';
import { DNS_DOMAIN, DOMAIN, MAIL_DOMAIN, buildEstate } from './estate.js';
import type { Channel, WinRecord } from './evtx.js';
import { serialise, systemTime } from './evtx.js';
import type { IisRequest } from './iis.js';
import { benignIisDay, w3cFileName, w3cHeader, w3cLine } from './iis.js';
import type { Intrusion, StagedRecord, StagedRequest } from './intrusion.js';
import { INTRUDER, buildIntrusion } from './intrusion.js';
import type { Manifest, ManifestEvent, ManifestFile, ManifestStage } from './manifest.js';
import { MANIFEST_FORMAT, MANIFEST_VERSION } from './manifest.js';
import { LineFile } from './output.js';
import { longLivedProcesses } from './processes.js';
import { Prng, hashString, seedFor } from './prng.js';
import type { AdminSession } from './schedule.js';
import { DAY_US, HOUR_US, MINUTE_US, adminSessions, dayStartUs, userDay } from './schedule.js';
import { STAGES } from './stages.js';
import type { StageId } from './stages.js';
import { BallotguardError, UsageError } from '../issues.js';

export interface ScenarioOptions {
  readonly outDir: string;
  readonly seed: number;
  readonly days: number;
  readonly users: number;
  /** Replace an existing scenario in `outDir` (only its `logs/` and `manifest.json` are removed). */
  readonly force?: boolean;
  /** Called after each host, for progress output. */
  readonly onProgress?: (done: number, total: number, host: string) => void;
}

export const DEFAULTS = { seed: 1, days: 14, users: 300 } as const;
export const LIMITS = { days: [1, 60], users: [20, 5000] } as const;

export const LOGS_DIR = 'logs';
export const MANIFEST_FILE = 'manifest.json';

const CHANNEL_FILES: Readonly<Record<Channel, string>> = {
  Security: 'Security.jsonl',
  'Microsoft-Windows-Sysmon/Operational': 'Microsoft-Windows-Sysmon%4Operational.jsonl',
  System: 'System.jsonl',
  'MSExchange Management': 'MSExchange Management.jsonl',
};

export class ScenarioExistsError extends BallotguardError {
  constructor(path: string) {
    super('scenario-exists', `a scenario already exists in ${path}; use --force to replace it`);
  }
}

function checkOptions(options: ScenarioOptions): void {
  const whole = (name: string, value: number, [min, max]: readonly [number, number]): void => {
    if (!Number.isInteger(value) || value < min || value > max)
      throw new UsageError(`--${name} must be a whole number from ${min} to ${max} (got ${value})`);
  };
  whole('days', options.days, LIMITS.days);
  whole('users', options.users, LIMITS.users);
  if (!Number.isInteger(options.seed) || options.seed < 0 || options.seed > 0xffffffff)
    throw new UsageError(`--seed must be a whole number from 0 to 4294967295 (got ${options.seed})`);
}

/** Collects the manifest's per-file and per-stage facts while the files are written. */
class Ledger {
  readonly files: ManifestFile[] = [];
  readonly events = new Map<StageId, ManifestEvent[]>();
  readonly times = new Map<StageId, [number, number]>();

  constructor(readonly root: string) {}

  relative(path: string): string {
    return path.slice(this.root.length + 1).replaceAll('\\', '/');
  }

  intrusion(stage: StageId, file: string, line: number, timeUs: number): void {
    let list = this.events.get(stage);
    if (list === undefined) this.events.set(stage, (list = []));
    list.push({ file, line, time: systemTime(timeUs) });
    const span = this.times.get(stage);
    if (span === undefined) this.times.set(stage, [timeUs, timeUs]);
    else {
      span[0] = Math.min(span[0], timeUs);
      span[1] = Math.max(span[1], timeUs);
    }
  }
}

interface Timed {
  readonly timeUs: number;
}

/** Sorts by time; ties keep their order (Array.prototype.sort is stable). */
function byTime<T extends Timed>(items: T[]): T[] {
  return items.sort((a, b) => a.timeUs - b.timeUs);
}

function inDay<T extends { readonly timeUs: number }>(items: readonly T[], dayIndex: number): T[] {
  const start = dayStartUs(dayIndex);
  return items.filter((item) => item.timeUs >= start && item.timeUs < start + DAY_US);
}

function writeHost(
  seed: number,
  estate: Estate,
  host: Host,
  days: number,
  sessions: readonly (readonly AdminSession[])[],
  intrusion: readonly StagedRecord[],
  finalRoot: string,
  tempRoot: string,
  ledger: Ledger,
): void {
  const files = new Map<Channel, { file: LineFile; recordId: number; intrusion: number }>();
  const processes = longLivedProcesses(seed, estate, host);
  for (let dayIndex = 0; dayIndex < days; dayIndex++) {
    const d = new HostDay({
      seed,
      estate,
      host,
      dayIndex,
      rng: new Prng(seedFor(seed, host.name, dayIndex, 'activity')),
      processes,
    });
    const todaysSessions = sessions[dayIndex] ?? [];
    if (host.role === 'workstation') {
      const owner = host.owner!;
      const admin = estate.admins.find((a) => a.name === `adm-${owner.name}`);
      workstationDay(d, {
        day: userDay(seed, owner, dayIndex),
        adminSessions: admin === undefined ? [] : todaysSessions.filter((s) => s.admin === admin),
      });
    } else {
      serverDay(d, todaysSessions);
    }
    const labelled = new Map<WinRecord, StageId>();
    for (const staged of inDay(
      intrusion.map((s) => ({ ...s, timeUs: s.record.timeUs })),
      dayIndex,
    )) {
      labelled.set(staged.record, staged.stage);
      d.records.push(staged.record);
    }
    for (const record of byTime(d.records)) {
      let sink = files.get(record.channel);
      if (sink === undefined) {
        const name = join(host.name, CHANNEL_FILES[record.channel]);
        sink = {
          file: new LineFile(join(tempRoot, name)),
          recordId: 1000 + (hashString(`${host.name}|${record.channel}`) % 800_000),
          intrusion: 0,
        };
        files.set(record.channel, sink);
      }
      const line = sink.file.write(serialise(record, host, sink.recordId++));
      const stage = labelled.get(record);
      if (stage !== undefined) {
        sink.intrusion++;
        ledger.intrusion(
          stage,
          ledger.relative(join(finalRoot, host.name, CHANNEL_FILES[record.channel])),
          line,
          record.timeUs,
        );
      }
    }
  }
  for (const [channel, sink] of files) {
    sink.file.close();
    ledger.files.push({
      path: ledger.relative(join(finalRoot, host.name, CHANNEL_FILES[channel])),
      format: 'evtx-json',
      host: host.name,
      channel,
      events: sink.file.lines,
      intrusionEvents: sink.intrusion,
      bytes: sink.file.bytes,
    });
  }
}

const IIS_FOLDER = join('inetpub', 'logs', 'LogFiles', 'W3SVC1');

function writeIis(
  seed: number,
  estate: Estate,
  server: Host,
  days: number,
  sessions: readonly (readonly AdminSession[])[],
  intrusion: readonly StagedRequest[],
  finalRoot: string,
  tempRoot: string,
  ledger: Ledger,
): void {
  for (let dayIndex = 0; dayIndex < days; dayIndex++) {
    const requests: (IisRequest & { stage?: StageId })[] = benignIisDay(
      seed,
      estate,
      server,
      dayIndex,
      sessions[dayIndex] ?? [],
    );
    for (const staged of inDay(
      intrusion.map((s) => ({ ...s.request, stage: s.stage })),
      dayIndex,
    )) {
      requests.push(staged);
    }
    byTime(requests);
    const name = join(server.name, IIS_FOLDER, w3cFileName(dayStartUs(dayIndex)));
    const relative = ledger.relative(join(finalRoot, name));
    const file = new LineFile(join(tempRoot, name));
    // EXCH02 is restarted after the second day's patching: IIS writes its directives again.
    const restartUs =
      server.name === 'EXCH02' && dayIndex === 1 ? dayStartUs(1) + 22 * HOUR_US + 14 * MINUTE_US : -1;
    let events = 0;
    let intrusionEvents = 0;
    for (const line of w3cHeader(requests[0]?.timeUs ?? dayStartUs(dayIndex))) file.write(line);
    let restarted = false;
    for (const request of requests) {
      if (!restarted && restartUs >= 0 && request.timeUs >= restartUs) {
        for (const line of w3cHeader(request.timeUs)) file.write(line);
        restarted = true;
      }
      const line = file.write(w3cLine(request, server));
      events++;
      if (request.stage !== undefined) {
        intrusionEvents++;
        ledger.intrusion(request.stage, relative, line, request.timeUs);
      }
    }
    file.close();
    ledger.files.push({
      path: relative,
      format: 'w3c',
      host: server.name,
      channel: 'IIS',
      events,
      intrusionEvents,
      bytes: file.bytes,
    });
  }
}

function buildManifest(
  options: ScenarioOptions,
  estate: Estate,
  intrusion: Intrusion,
  ledger: Ledger,
): Manifest {
  const stages: ManifestStage[] = STAGES.map((definition, index) => {
    const facts = intrusion.facts.get(definition.id);
    const span = ledger.times.get(definition.id) ?? [0, 0];
    return {
      order: index + 1,
      id: definition.id,
      title: definition.title,
      summary: definition.summary,
      start: systemTime(span[0]),
      end: systemTime(span[1]),
      hosts: [...(facts?.hosts ?? [])].sort(),
      accounts: [...(facts?.accounts ?? [])].sort(),
      sourceIps: [...(facts?.sourceIps ?? [])].sort(),
      techniques: definition.techniques,
      expectedRules: definition.expectedRules,
      events: ledger.events.get(definition.id) ?? [],
    };
  });
  const files = [...ledger.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const events = files.reduce((n, f) => n + f.events, 0);
  const intrusionEvents = files.reduce((n, f) => n + f.intrusionEvents, 0);
  return {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    options: { seed: options.seed, days: options.days, users: options.users },
    period: { start: systemTime(dayStartUs(0)), end: systemTime(dayStartUs(options.days) - 1) },
    organisation: {
      domain: DOMAIN,
      dnsDomain: DNS_DOMAIN,
      mailDomain: MAIL_DOMAIN,
      servers: estate.servers.map((s) => ({ name: s.name, role: s.role, ip: s.ip })),
      workstations: estate.workstations.length,
      staff: estate.people.length,
      admins: estate.admins.map((a) => `${DOMAIN}\\${a.name}`),
    },
    intruder: {
      exploitIp: INTRUDER.exploitIp,
      operatorIp: INTRUDER.operatorIp,
      exfiltrationIp: INTRUDER.exfiltrationIp,
      stolenAccount: `${DOMAIN}\\${intrusion.victim.name}`,
    },
    logs: LOGS_DIR,
    totals: {
      files: files.length,
      events,
      intrusionEvents,
      benignEvents: events - intrusionEvents,
      bytes: files.reduce((n, f) => n + f.bytes, 0),
    },
    files,
    stages,
  };
}

/**
 * Generates the scenario into `options.outDir`. Throws `ScenarioExistsError` when a scenario is already
 * there (unless `force`), `UsageError` for options out of range. Files are written to a temporary folder
 * and moved into place at the end, and the manifest is written last: a scenario with a manifest is whole.
 */
export function generateScenario(options: ScenarioOptions): { manifest: Manifest } {
  checkOptions(options);
  const outDir = options.outDir;
  const logsDir = join(outDir, LOGS_DIR);
  const manifestPath = join(outDir, MANIFEST_FILE);
  if ((existsSync(logsDir) || existsSync(manifestPath)) && options.force !== true) {
    throw new ScenarioExistsError(outDir);
  }
  mkdirSync(outDir, { recursive: true });
  const tempRoot = join(outDir, `.${LOGS_DIR}.partial-${process.pid}`);
  rmSync(tempRoot, { recursive: true, force: true });
  const ledger = new Ledger(outDir);
  try {
    const estate = buildEstate(options.seed, options.users);
    const intrusion = buildIntrusion(options.seed, estate, options.days);
    const sessions = Array.from({ length: options.days }, (_, day) =>
      adminSessions(options.seed, estate, day),
    );
    const hosts = [...estate.servers, ...estate.workstations];
    hosts.forEach((host, index) => {
      writeHost(
        options.seed,
        estate,
        host,
        options.days,
        sessions,
        intrusion.records.get(host.name) ?? [],
        logsDir,
        tempRoot,
        ledger,
      );
      if (host.role === 'exchange') {
        writeIis(
          options.seed,
          estate,
          host,
          options.days,
          sessions,
          intrusion.requests.get(host.name) ?? [],
          logsDir,
          tempRoot,
          ledger,
        );
      }
      options.onProgress?.(index + 1, hosts.length, host.name);
    });
    const manifest = buildManifest(options, estate, intrusion, ledger);
    rmSync(manifestPath, { force: true });
    rmSync(logsDir, { recursive: true, force: true });
    renameSync(tempRoot, logsDir);
    writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
    return { manifest };
  } finally {
    rmSync(tempRoot, { recursive: true, force: true });
  }
}
