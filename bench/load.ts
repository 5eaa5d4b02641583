/**
 * A small HTTP load generator: `concurrency` loops, each sending one request after another over
 * keep-alive connections (one socket per loop), for a fixed time after a warm-up; every request's latency
 * is kept, so the percentiles are exact. Also `timeCalls`, the same measurement for a plain async
 * function (the in-process baseline).
 */
import { Agent, request } from 'node:http';

export interface LatencySummary {
  readonly requests: number;
  readonly errors: number;
  /** Requests per second over the measured period. */
  readonly rate: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  /** First failure seen, for the report. */
  readonly firstError?: string;
}

/** Nearest-rank percentile of sorted values (ms). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarise(
  latencies: number[],
  errors: number,
  seconds: number,
  firstError?: string,
): LatencySummary {
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    rate: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? Number.NaN,
    ...(firstError !== undefined ? { firstError } : {}),
  };
}

export interface LoadOptions {
  readonly base: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The next path to request (called per request, so a mix of queries can rotate). */
  readonly path: (sequence: number) => string;
  readonly concurrency: number;
  readonly warmupMs: number;
  readonly durationMs: number;
}

function get(agent: Agent, url: URL, headers: Readonly<Record<string, string>>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers }, (response) => {
      response.on('data', () => undefined);
      response.on('end', () => resolve(response.statusCode ?? 0));
      response.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

export async function runLoad(options: LoadOptions): Promise<LatencySummary> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let sequence = 0;
  const start = performance.now();
  const measureFrom = start + options.warmupMs;
  const end = measureFrom + options.durationMs;
  const loop = async (): Promise<void> => {
    while (performance.now() < end) {
      const url = new URL(options.path(sequence++), options.base);
      const sent = performance.now();
      try {
        const status = await get(agent, url, options.headers);
        const took = performance.now() - sent;
        if (status !== 200) {
          errors++;
          firstError ??= `HTTP ${status} for ${url.pathname}${url.search}`;
        } else if (sent >= measureFrom) latencies.push(took);
      } catch (error) {
        errors++;
        firstError ??= String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, loop));
  agent.destroy();
  return summarise(latencies, errors, options.durationMs / 1000, firstError);
}

/** The same measurement for an in-process call, one at a time. */
export async function timeCalls(
  call: (sequence: number) => Promise<unknown>,
  options: { readonly warmupMs: number; readonly durationMs: number },
): Promise<LatencySummary> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let sequence = 0;
  const start = performance.now();
  const measureFrom = start + options.warmupMs;
  const end = measureFrom + options.durationMs;
  while (performance.now() < end) {
    const sent = performance.now();
    try {
      await call(sequence++);
      if (sent >= measureFrom) latencies.push(performance.now() - sent);
    } catch (error) {
      errors++;
      firstError ??= String(error);
    }
  }
  return summarise(latencies, errors, options.durationMs / 1000, firstError);
}
