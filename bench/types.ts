/** The shape every benchmark in `run.ts`'s registry has. */

export interface BenchmarkContext {
  /** `BENCH_QUICK=1`: a small version that runs in seconds. */
  readonly quick: boolean;
  /** How many times to repeat each measurement (best run kept); `BENCH_REPEAT`, default 1. */
  readonly repeat: number;
  readonly projectRoot: string;
  /** Where generated inputs are cached (`.bench-data/`, or `BENCH_DATA_DIR`). */
  readonly dataDir: string;
  /** Progress for the human, on stderr. */
  readonly log: (message: string) => void;
}

export interface BenchmarkTable {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

export interface BenchmarkReport {
  /** One line above the table: what was measured, on what input. */
  readonly title: string;
  readonly table: BenchmarkTable;
  /** Ratios, targets, warnings and failures, one per line under the table. */
  readonly notes: readonly string[];
  /** This benchmark's entry in the final JSON line. */
  readonly summary: Readonly<Record<string, unknown>>;
}

export interface BenchmarkDefinition {
  readonly description: string;
  /** Measures, including its own baseline. Should report failures in the result rather than throw. */
  readonly run: (context: BenchmarkContext) => Promise<BenchmarkReport>;
}
