/**
 * `npm run bench [-- NAME...]`: runs the registered benchmarks (all, or those named), prints a readable
 * table per benchmark and, as the last line of stdout, one JSON object keyed by benchmark name
 * (CONTRACTS.md). `BENCH_QUICK=1` runs small versions in seconds. A benchmark that fails is reported in
 * the table and in its JSON entry (`error`); the exit code stays 0 so benchmarks never fail a test run.
 * Exit 2 on an unknown benchmark name.
 *
 * @example
 * BENCH_QUICK=1 npm run bench -- hunt
 */
import { join } from 'node:path';
import { projectRoot } from '../test/helpers/shared.js';
import { evtxBenchmark } from './evtx-bench.js';
import { huntBenchmark } from './hunt-bench.js';
import { serverBenchmark } from './server-bench.js';
import { renderReport } from './report.js';
import { storeBenchmark } from './store-bench.js';
import { textBenchmark } from './text-bench.js';
import type { BenchmarkContext, BenchmarkDefinition } from './types.js';

/** Every benchmark, by the name used on the command line and in the JSON line. */
export const BENCHMARKS = {
  hunt: huntBenchmark,
  server: serverBenchmark,
  evtx: evtxBenchmark,
  store: storeBenchmark,
  text: textBenchmark,
} satisfies Record<string, BenchmarkDefinition>;

function usage(): string {
  const names = Object.entries(BENCHMARKS as Record<string, BenchmarkDefinition>)
    .map(([name, b]) => `  ${name.padEnd(8)} ${b.description}`)
    .join('\n');
  return `usage: npm run bench [-- NAME...]\n\nbenchmarks:\n${names}\n\nenvironment: BENCH_QUICK=1 (small, seconds), BENCH_REPEAT=N (best of N), BENCH_DATA_DIR (input cache, default .bench-data/), BALLOTGUARD_SHARED\n\nexample: BENCH_QUICK=1 npm run bench -- hunt`;
}

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  const registry: Record<string, BenchmarkDefinition> = BENCHMARKS;
  const unknown = argv.filter((name) => !(name in registry));
  if (unknown.length > 0) {
    process.stderr.write(`unknown benchmark ${unknown.join(', ')}\n${usage()}\n`);
    return 2;
  }
  const names = argv.length > 0 ? [...new Set(argv)] : Object.keys(registry);
  const repeat = Number(process.env['BENCH_REPEAT'] ?? '1');
  const context: BenchmarkContext = {
    quick: process.env['BENCH_QUICK'] === '1' || process.env['BENCH_QUICK'] === 'true',
    repeat: Number.isInteger(repeat) && repeat > 0 ? repeat : 1,
    projectRoot,
    dataDir: process.env['BENCH_DATA_DIR'] ?? join(projectRoot, '.bench-data'),
    log: (message) => process.stderr.write(`[bench] ${message}\n`),
  };

  const results: Record<string, unknown> = {};
  for (const name of names) {
    const benchmark = registry[name];
    if (benchmark === undefined) continue;
    try {
      const report = await benchmark.run(context);
      process.stdout.write(`${renderReport(name, report)}\n\n`);
      results[name] = report.summary;
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      process.stdout.write(`== ${name}: FAILED\n${message}\n\n`);
      results[name] = { error: error instanceof Error ? error.message : String(error) };
    }
  }
  process.stdout.write(`${JSON.stringify(results)}\n`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
