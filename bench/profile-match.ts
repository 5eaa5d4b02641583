/**
 * Matching alone, in CPU time: decodes the evtx-samples corpus once, then runs every decoded event through
 * a detector holding every SigmaHQ Windows rule, several times, and reports events per CPU-second
 * (`process.cpuUsage`, so other jobs on a shared machine do not skew it). It also prints a fingerprint of
 * the matches (rule ids per event), so two builds can be checked to give the same results.
 *
 * Environment: PROFILE_REPEAT (timed passes, default 5); PROFILE_INPUT (an NDJSON file of events to match
 * instead, e.g. the `hunt` benchmark's generated corpus under .bench-data/); PROFILE_EVENTS (an NDJSON file
 * caching the decoded evtx-samples events: read when present, written otherwise, so runs do not depend on
 * the decoder); PROFILE_MATCHES (write one line per event with its matching rule ids, for diffing builds).
 *
 * @example
 *   npm run build && node --cpu-prof --cpu-prof-dir=.bench-data/prof dist/bench/profile-match.js
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Detector } from '../src/detect/detector.js';
import type { EventOrigin } from '../src/events/event.js';
import { defaultMapping } from '../src/mapping/mapping.js';
import { loadRules } from '../src/sigma/load-rules.js';
import { decodeEvtxFile } from '../src/sources/evtx/index.js';
import { sharedRoot } from '../test/helpers/shared.js';
import { int, sig } from './report.js';

function evtxFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) evtxFiles(path, out);
    else if (entry.toLowerCase().endsWith('.evtx')) out.push(path);
  }
  return out;
}

function readNdjson(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function decodedEvents(cache: string | undefined): Promise<Record<string, unknown>[]> {
  if (cache !== undefined && existsSync(cache)) return readNdjson(cache);
  const root = join(sharedRoot(), 'corpora', 'evtx-samples');
  const events: Record<string, unknown>[] = [];
  for (const file of evtxFiles(root)) {
    await decodeEvtxFile(
      file,
      'json',
      (value) => {
        if (typeof value === 'object' && value !== null) events.push(value as Record<string, unknown>);
      },
      () => undefined,
    );
  }
  if (cache !== undefined) writeFileSync(cache, events.map((event) => JSON.stringify(event)).join('\n'));
  return events;
}

function cpuSeconds(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

async function main(): Promise<void> {
  const repeat = Number(process.env['PROFILE_REPEAT'] ?? '5');
  const input = process.env['PROFILE_INPUT'];
  const events = input !== undefined ? readNdjson(input) : await decodedEvents(process.env['PROFILE_EVENTS']);
  const rulesDir = join(sharedRoot(), 'corpora', 'sigma', 'rules', 'windows');
  const loaded = await loadRules([rulesDir]);
  const detector = new Detector({
    sources: loaded.sources,
    mapping: defaultMapping(),
    placeholders: [],
    minLevel: 'informational',
  });
  process.stderr.write(`${int(events.length)} events, ${int(detector.summary.compiled)} rules\n`);

  const origin: EventOrigin = { path: 'profile', format: 'evtx' };
  const pass = (): string[] => {
    const lines: string[] = [];
    for (const event of events) {
      const { alerts } = detector.detectEvent(event, origin);
      lines.push(alerts.map((alert) => alert.rule.id).join(','));
    }
    return lines;
  };

  const reference = pass(); // warm-up, and the results to fingerprint
  const matches = reference.reduce((n, line) => n + (line === '' ? 0 : line.split(',').length), 0);
  const fingerprint = createHash('sha256').update(reference.join('\n')).digest('hex').slice(0, 16);
  const matchesFile = process.env['PROFILE_MATCHES'];
  if (matchesFile !== undefined) writeFileSync(matchesFile, `${reference.join('\n')}\n`);

  const rates: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const start = process.cpuUsage();
    pass();
    const seconds = cpuSeconds(start);
    rates.push(events.length / seconds);
    process.stderr.write(`pass ${i + 1}: ${sig(seconds)} s CPU, ${int(events.length / seconds)} events/s\n`);
  }
  rates.sort((a, b) => a - b);
  const median = rates[Math.floor(rates.length / 2)] ?? 0;
  const best = rates[rates.length - 1] ?? 0;
  process.stdout.write(
    `${JSON.stringify({ events: events.length, matches, fingerprint, cpuEventsPerSecMedian: Math.round(median), cpuEventsPerSecBest: Math.round(best) })}\n`,
  );
}

await main();
