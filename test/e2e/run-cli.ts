/**
 * Running the built `ballotguard` the way a user or a script does, for end-to-end tests: build first when
 * the build is missing or older than the sources, spawn `node bin/ballotguard.js`, collect exit code,
 * stdout and stderr, and fail with the program's own output when the exit code is not the expected one.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../helpers/shared.js';

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Newest modification time of the TypeScript the CLI is built from. */
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

/**
 * `npm test` builds first; a bare `npx vitest run` may find no build or a stale one, so build then: testing
 * yesterday's program would pass or fail for the wrong reasons.
 */
export function ensureBuilt(): void {
  const entry = join(projectRoot, 'dist', 'src', 'cli', 'main.js');
  if (existsSync(entry) && statSync(entry).mtimeMs >= newestSource(join(projectRoot, 'src'))) return;
  const tsc = join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: projectRoot,
    encoding: 'utf8',
  });
  // Type errors elsewhere still emit JavaScript; only a missing entry point stops the tests.
  if (!existsSync(entry)) throw new Error(`build failed:\n${result.stdout}${result.stderr}`);
}

/**
 * Runs `node bin/ballotguard.js ...args` in `cwd` with `env`; a run that has not ended after `hangMs` is
 * stuck, not slow, and is killed (the stderr says so).
 */
export function runCli(
  args: readonly string[],
  options: { readonly cwd: string; readonly env: NodeJS.ProcessEnv; readonly hangMs?: number },
): Promise<CliRun> {
  const hangMs = options.hangMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(projectRoot, 'bin', 'ballotguard.js'), ...args], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, hangMs);
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString('utf8');
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: hung
          ? `${stderr}\n[test] killed: no exit after ${hangMs / 1000} s (args: ${args.join(' ')})`
          : stderr,
      });
    });
  });
}

/** Fails with the program's own output, which says far more than "expected 1 to be 0". */
export function expectExit(run: CliRun, code: number): void {
  if (run.code !== code)
    throw new Error(
      `exit code ${String(run.code)}, expected ${code}\n--- stderr ---\n${run.stderr.slice(0, 4000)}\n--- stdout ---\n${run.stdout.slice(0, 2000)}`,
    );
}
