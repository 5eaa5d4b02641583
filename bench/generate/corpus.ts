/**
 * The benchmark corpus: a deterministic stream of Sysmon and Security records in evtx_dump's JSON shape,
 * one per line, about 0.1 % of them attacks. Same options, same bytes, on every machine; written straight
 * to disk in bounded chunks and cached under `.bench-data/`, keyed by the options and `GENERATOR_VERSION`.
 *
 * @example
 * const { path, stats } = ensureCorpus('.bench-data', { events: 20_000, seed: 1 });
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { ATTACKS } from './attacks.js';
import { BenignActivity } from './benign.js';
import type { Ctx } from './catalog.js';
import type { Account, Host } from './estate.js';
import { buildEstate } from './estate.js';
import { hashString, Prng, WeightedPicker } from './prng.js';
import { envelope } from './records.js';

/** Bump whenever the output for given options changes, so cached corpora are regenerated. */
export const GENERATOR_VERSION = 2;

export interface CorpusOptions {
  readonly events: number;
  readonly seed: number;
  /** Days the timestamps span (default 7): the corpus is one busy pre-election week. */
  readonly days?: number;
  /** Attack records per 1,000 (default 1, i.e. 0.1 %). Exactly this many in every block of 1,000. */
  readonly attacksPerThousand?: number;
}

export interface CorpusStats {
  readonly generatorVersion: number;
  readonly events: number;
  readonly attacks: number;
  readonly bytes: number;
  readonly firstTime: string;
  readonly lastTime: string;
  /** Count per `Channel:EventID`, e.g. `sysmon:1`, `security:4624`. */
  readonly byEvent: Readonly<Record<string, number>>;
  readonly attacksByTechnique: Readonly<Record<string, number>>;
}

const START_US = Date.UTC(2025, 3, 28, 0, 0, 0) * 1000;

/**
 * Calls `emit` with each record's JSON text (no newline), in order. Memory use does not grow with
 * `events`: nothing is retained between records except per-host counters.
 */
export function generateCorpus(
  options: CorpusOptions,
  emit: (line: string, attack: string | undefined) => void,
): Omit<CorpusStats, 'bytes'> {
  const { events, seed } = options;
  const days = options.days ?? 7;
  const perThousand = options.attacksPerThousand ?? 1;
  if (!Number.isInteger(events) || events < 0)
    throw new Error(`events must be a non-negative integer, got ${events}`);
  if (!Number.isInteger(perThousand) || perThousand < 0 || perThousand > 1000)
    throw new Error(`attacksPerThousand must be 0..1000, got ${perThousand}`);

  // The estate has its own stream so that it does not depend on the corpus length.
  const estate = buildEstate(new Prng(seed ^ 0x5eed5eed));
  const rng = new Prng(seed);
  const benign = new BenignActivity(estate);
  const hosts = new WeightedPicker<Host>([
    ...estate.servers.map((h) => [h, 20] as const),
    ...estate.workstations.map((h) => [h, 1] as const),
  ]);
  const recordIds = new Map<string, number>();
  const byEvent: Record<string, number> = {};
  const attacksByTechnique: Record<string, number> = {};
  const meanGapUs = events > 0 ? (days * 86_400e6) / events : 0;

  let timeUs = START_US;
  let firstMs = 0;
  let lastMs = 0;
  let attacks = 0;
  let attackSlots = new Set<number>();
  let dayIndex = -1;
  let day = '';

  for (let i = 0; i < events; i++) {
    if (i % 1000 === 0) {
      attackSlots = new Set<number>();
      while (attackSlots.size < perThousand) attackSlots.add(rng.int(1000));
    }
    timeUs += 1 + Math.floor(rng.float() * 2 * meanGapUs);
    const ms = Math.floor(timeUs / 1000);
    if (Math.floor(ms / 86_400_000) !== dayIndex) {
      dayIndex = Math.floor(ms / 86_400_000);
      day = new Date(ms).toISOString().slice(0, 10);
    }

    const technique = attackSlots.has(i % 1000) ? ATTACKS[rng.int(ATTACKS.length)] : undefined;
    const host = technique === undefined ? hosts.pick(rng) : technique.host(estate, { rng });
    const c: Ctx = { rng, host, estate, user: userAt(host, rng, estate.people, estate.admins), day };
    const body = technique === undefined ? benign.next(c, timeUs) : technique.build(c, timeUs);

    const channelKey = `${host.name}|${body.log}`;
    const recordId = (recordIds.get(channelKey) ?? 1000 + (hashString(channelKey) % 900_000)) + 1;
    recordIds.set(channelKey, recordId);
    const line = JSON.stringify(envelope(body, host, timeUs, recordId, rng));

    const key = `${body.log}:${body.eventId}`;
    byEvent[key] = (byEvent[key] ?? 0) + 1;
    if (technique !== undefined) {
      attacks++;
      attacksByTechnique[technique.name] = (attacksByTechnique[technique.name] ?? 0) + 1;
    }
    if (i === 0) firstMs = ms;
    lastMs = ms;
    emit(line, technique?.name);
  }
  const firstTime = events > 0 ? new Date(firstMs).toISOString() : '';
  const lastTime = events > 0 ? new Date(lastMs).toISOString() : '';
  return {
    generatorVersion: GENERATOR_VERSION,
    events,
    attacks,
    firstTime,
    lastTime,
    byEvent,
    attacksByTechnique,
  };
}

function userAt(host: Host, rng: Prng, people: readonly Account[], admins: readonly Account[]): Account {
  if (host.role === 'workstation') return rng.chance(0.95) ? host.primaryUser : rng.pick(people);
  return rng.chance(0.7) ? host.primaryUser : rng.pick(admins);
}

/** Writes the corpus as NDJSON to `path` in ~1 MB chunks. Returns its statistics. */
export function writeCorpus(path: string, options: CorpusOptions): CorpusStats {
  const fd = openSync(path, 'w');
  let bytes = 0;
  try {
    let chunk: string[] = [];
    let chunkLength = 0;
    const flush = (): void => {
      if (chunk.length === 0) return;
      const buffer = Buffer.from(chunk.join(''), 'utf8');
      writeSync(fd, buffer);
      bytes += buffer.length;
      chunk = [];
      chunkLength = 0;
    };
    const stats = generateCorpus(options, (line) => {
      chunk.push(line, '\n');
      chunkLength += line.length + 1;
      if (chunkLength >= 1 << 20) flush();
    });
    flush();
    return { ...stats, bytes };
  } finally {
    closeSync(fd);
  }
}

/** The cache file name for `options`: every parameter that changes the bytes is in it. */
export function corpusFileName(options: CorpusOptions): string {
  return `sysmon-security-g${GENERATOR_VERSION}-s${options.seed}-n${options.events}-d${options.days ?? 7}-a${options.attacksPerThousand ?? 1}.ndjson`;
}

/**
 * Returns the cached corpus for `options` under `dir`, generating it first when it is missing or its
 * size does not match what was recorded. A half-written file is never left under the final name.
 */
export function ensureCorpus(
  dir: string,
  options: CorpusOptions,
  log: (message: string) => void = () => undefined,
): { path: string; stats: CorpusStats; cached: boolean } {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, corpusFileName(options));
  const metaPath = `${path}.meta.json`;
  if (existsSync(path) && existsSync(metaPath)) {
    try {
      const stats = JSON.parse(readFileSync(metaPath, 'utf8')) as CorpusStats;
      if (
        stats.generatorVersion === GENERATOR_VERSION &&
        stats.events === options.events &&
        statSync(path).size === stats.bytes
      ) {
        return { path, stats, cached: true };
      }
      log(`cached corpus ${path} does not match its metadata; regenerating`);
    } catch (error) {
      log(`cached corpus metadata ${metaPath} unreadable (${String(error)}); regenerating`);
    }
  }
  const temporary = `${path}.${process.pid}.tmp`;
  log(`generating ${options.events.toLocaleString('en-GB')} events into ${path} ...`);
  const started = process.hrtime.bigint();
  try {
    const stats = writeCorpus(temporary, options);
    renameSync(temporary, path);
    writeFileSync(metaPath, `${JSON.stringify(stats, null, 2)}\n`);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    log(`generated ${(stats.bytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(1)} s`);
    return { path, stats, cached: false };
  } finally {
    rmSync(temporary, { force: true });
  }
}
