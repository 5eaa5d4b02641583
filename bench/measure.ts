/**
 * Runs a command as a child process and measures what a user would see: wall time from spawn to exit and
 * the child's peak resident memory (through GNU time's `%M`, when /usr/bin/time is installed).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ChildRun {
  readonly command: string;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly wallSeconds: number;
  /** Peak RSS of the child in MB (1 MB = 2^20 bytes), or null when it could not be measured. */
  readonly peakRssMB: number | null;
  readonly stdout: string;
  /** The last 16 KB of stderr, for failure reports. */
  readonly stderrTail: string;
  readonly timedOut: boolean;
}

const TAIL = 16 * 1024;
let gnuTime: boolean | undefined;
/** Process groups still running, killed if the harness exits first so no child outlives it. */
const running = new Set<number>();
process.on('exit', () => {
  for (const pid of running) killGroup(pid);
});

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Whether /usr/bin/time is GNU time and accepts `-f %M -o FILE`. */
function hasGnuTime(): boolean {
  if (gnuTime === undefined) {
    gnuTime =
      existsSync('/usr/bin/time') &&
      spawnSync('/usr/bin/time', ['-f', '%M', '-o', '/dev/null', 'true']).status === 0;
  }
  return gnuTime;
}

export function runMeasured(
  command: string,
  args: readonly string[],
  options: { cwd: string; timeoutMs: number },
): Promise<ChildRun> {
  const scratch = mkdtempSync(join(tmpdir(), 'ballotguard-bench-'));
  const rssFile = join(scratch, 'rss');
  const useTime = hasGnuTime();
  const [file, argv] = useTime
    ? ['/usr/bin/time', ['-f', '%M', '-o', rssFile, command, ...args]]
    : [command, [...args]];
  const shown = [command, ...args].join(' ');
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    // Its own process group, so a timeout kills the measured program and not only /usr/bin/time.
    const child = spawn(file, argv, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const pid = child.pid;
    if (pid !== undefined) running.add(pid);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      // stdout is small by design (the benchmarks send alerts to /dev/null); cap it anyway.
      if (stdout.length < 1 << 20) stdout += text;
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr = (stderr + text).slice(-TAIL);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      if (pid !== undefined) killGroup(pid);
    }, options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      if (pid !== undefined) running.delete(pid);
      rmSync(scratch, { recursive: true, force: true });
      reject(error);
    });
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      if (pid !== undefined) running.delete(pid);
      const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      let peakRssMB: number | null = null;
      if (useTime) {
        // GNU time writes "Command exited with non-zero status N" before the value when the child fails.
        const lines = readFileSafe(rssFile).trim().split('\n');
        const kb = Number(lines[lines.length - 1]);
        if (Number.isFinite(kb) && kb > 0) peakRssMB = kb / 1024;
      }
      rmSync(scratch, { recursive: true, force: true });
      resolve({
        command: shown,
        exitCode,
        signal,
        wallSeconds,
        peakRssMB,
        stdout,
        stderrTail: stderr,
        timedOut,
      });
    });
  });
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
