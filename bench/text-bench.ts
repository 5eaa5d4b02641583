/**
 * The `text` benchmark: reading and parsing text logs (W3C, syslog, auditd, CSV), in this process, through
 * the real sources and batch decoder, against the baseline measured in the same run: the same events
 * written as NDJSON and read by the JSON source. The ratio says what the text formats cost over JSON.
 * Rule matching is left out: it is the same for every format and the `hunt` benchmark measures it.
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeBatch } from '../src/sources/decode-batch.js';
import { openSource } from '../src/sources/registry.js';
import { prng } from '../test/helpers/prng.js';
import { int, round, sig } from './report.js';
import type { BenchmarkContext, BenchmarkDefinition, BenchmarkReport } from './types.js';

const FULL_LINES = 500_000;
const QUICK_LINES = 20_000;
const SEED = 20261129;

type Generator = (i: number, random: () => number) => string;

const pick = <T>(random: () => number, list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
const two = (n: number): string => String(n).padStart(2, '0');

const STEMS = [
  '/owa/',
  '/owa/auth/logon.aspx',
  '/ecp/',
  '/autodiscover/autodiscover.xml',
  '/mapi/emsmdb/',
  '/EWS/Exchange.asmx',
];
const AGENTS = [
  'Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64)+AppleWebKit/537.36',
  'Microsoft+Office/16.0+(Windows+NT+10.0;+Microsoft+Outlook+16.0.14326;+Pro)',
];
const PROGRAMS = ['sshd', 'CRON', 'sudo', 'systemd', 'kernel'];
const MESSAGES = [
  'Accepted publickey for alice from 10.0.0.9 port 52211 ssh2',
  'pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)',
  'Started Session 12 of user alice.',
];

const FORMATS: Record<string, { header: string; generate: Generator }> = {
  w3c: {
    header:
      '#Software: Microsoft Internet Information Services 10.0\n#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) sc-status time-taken\n',
    generate: (i, random) => {
      const [method, stem, agent] = [
        pick(random, ['GET', 'POST']),
        pick(random, STEMS),
        pick(random, AGENTS),
      ];
      const time = `${two(((i / 3600) % 24) | 0)}:${two(((i / 60) % 60) | 0)}:${two(i % 60)}`;
      const status = pick(random, [200, 302, 401]);
      return `2024-03-07 ${time} 10.20.0.15 ${method} ${stem} id=${i} 443 - 10.30.${i % 256}.${(i * 7) % 256} ${agent} ${status} ${i % 900}`;
    },
  },
  syslog: {
    header: '',
    generate: (i, random) => {
      const [program, message] = [pick(random, PROGRAMS), pick(random, MESSAGES)];
      const time = `${two(((i / 3600) % 24) | 0)}:${two(((i / 60) % 60) | 0)}:${two(i % 60)}`;
      return `Mar  7 ${time} register01 ${program}[${1000 + (i % 5000)}]: ${message}`;
    },
  },
  auditd: {
    header: '',
    generate: (i, random) => {
      const exe = pick(random, ['/usr/bin/ls', '/usr/bin/dash', '/usr/bin/cat']);
      return `type=SYSCALL msg=audit(1709802902.${String(i % 1000).padStart(3, '0')}:${i}): arch=c000003e syscall=59 success=yes exit=0 a0=55d1 a1=55d2 a2=55d3 a3=0 items=2 ppid=1 pid=${i} auid=1000 uid=1000 euid=1000 comm="x" exe="${exe}" key="exec"`;
    },
  },
  csv: {
    header: 'DateTime,UrlStem,UrlQuery,UserAgent,ClientIpAddress,HttpStatus,Method\n',
    generate: (i, random) => {
      const [stem, method] = [pick(random, STEMS), pick(random, ['GET', 'POST'])];
      return `2024-03-07T09:15:02.123Z,${stem},?id=${i},"Microsoft Office/16.0 (Windows NT 10.0)",10.30.1.${i % 256},200,${method}`;
    },
  },
};

/**
 * Writes `text-<format>-<lines>.log`, and its NDJSON twin: the events the text source parses from it, so
 * that both sides of the ratio deliver the same events (kept for later runs).
 */
async function ensureInputs(
  context: BenchmarkContext,
  format: string,
  lines: number,
): Promise<{ text: string; json: string }> {
  mkdirSync(context.dataDir, { recursive: true });
  const text = join(context.dataDir, `text-${format}-${lines}.log`);
  const json = join(context.dataDir, `text-${format}-${lines}.ndjson`);
  if (existsSync(text) && existsSync(json)) return { text, json };
  const spec = FORMATS[format]!;
  const random = prng(SEED);
  const textLines: string[] = [];
  for (let i = 0; i < lines; i++) textLines.push(spec.generate(i, random));
  writeFileSync(text, spec.header + textLines.join('\n') + '\n');
  const jsonLines: string[] = [];
  const options = { maxRecordBytes: 16 * 1024 * 1024, batchBytes: 256 * 1024, onIssue: () => undefined };
  for await (const batch of openSource(text, options, format)) {
    decodeBatch(batch, {
      event: (value) => jsonLines.push(JSON.stringify(value)),
      skipped: () => undefined,
      warning: () => undefined,
    });
  }
  writeFileSync(json, jsonLines.join('\n') + '\n');
  context.log(`wrote ${text} and its NDJSON twin`);
  return { text, json };
}

/** Reads and decodes a file through the registry; events and seconds (best of `repeat`). */
async function measure(
  path: string,
  format: string,
  repeat: number,
): Promise<{ events: number; seconds: number }> {
  let best = Infinity;
  let events = 0;
  for (let r = 0; r < repeat; r++) {
    let count = 0;
    const options = { maxRecordBytes: 16 * 1024 * 1024, batchBytes: 256 * 1024, onIssue: () => undefined };
    const started = performance.now();
    for await (const batch of openSource(path, options, format)) {
      decodeBatch(batch, { event: () => count++, skipped: () => undefined, warning: () => undefined });
    }
    best = Math.min(best, (performance.now() - started) / 1000);
    events = count;
  }
  return { events, seconds: best };
}

async function runText(context: BenchmarkContext): Promise<BenchmarkReport> {
  const lines = context.quick ? QUICK_LINES : FULL_LINES;
  const rows: string[][] = [];
  const summary: Record<string, unknown> = { lines };
  const notes: string[] = [];
  for (const format of Object.keys(FORMATS)) {
    const inputs = await ensureInputs(context, format, lines);
    const text = await measure(inputs.text, format, context.repeat);
    const json = await measure(inputs.json, 'ndjson', context.repeat);
    const textRate = text.events / text.seconds;
    const jsonRate = json.events / json.seconds;
    const ratio = textRate / jsonRate;
    const mb = statSync(inputs.text).size / 1e6;
    rows.push([
      format,
      int(text.events),
      sig(mb / text.seconds),
      int(textRate),
      int(jsonRate),
      String(round(ratio, 2)),
    ]);
    summary[format] = {
      eventsPerSec: Math.round(textRate),
      ndjsonEventsPerSec: Math.round(jsonRate),
      ratio: round(ratio, 3),
    };
    if (text.events !== lines) notes.push(`${format}: read ${text.events} events of ${lines}`);
  }
  return {
    title: `${int(lines)} lines per format, read and parsed in this process (no rules)`,
    table: { header: ['format', 'events', 'MB/s', 'events/s', 'same events as NDJSON/s', 'ratio'], rows },
    notes: ['ratio: text events/s over the NDJSON source on the same events (baseline, same run)', ...notes],
    summary,
  };
}

export const textBenchmark: BenchmarkDefinition = {
  description: 'reading and parsing W3C, syslog, auditd and CSV logs, vs the same events as NDJSON',
  run: runText,
};
