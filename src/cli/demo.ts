/**
 * `ballotguard demo`: the replay of a 2021-style intrusion, end to end, on the embedded store. It is the
 * README's first command, so it composes the real commands (scenario generate → hunt --db → serve) rather
 * than a shortcut of its own: what the demo shows is what those commands do.
 *
 * Each step is skipped when its result is already there (the scenario's manifest, a completed hunt of the
 * scenario in the database), so running it again only starts the server, with a fresh admin token.
 */
import type { Command as CommandType } from 'commander';
import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '../issues.js';
import { issueApiToken } from '../server/auth.js';
import { openStore } from '../store/open-store.js';
import { EXIT } from './common.js';
import { huntCommand } from './hunt.js';
import { scenarioCommand } from './scenario.js';
import { DEFAULT_PORT, serveCommand } from './serve.js';

interface DemoFlags {
  dir: string;
  port: string;
  host: string;
  threads?: string;
  serve: boolean;
}

/** Runs one of our commands as if typed after `ballotguard`; resolves to its exit code. */
async function run(factory: () => CommandType, args: readonly string[]): Promise<number> {
  const command = factory();
  const exitOverride = (c: CommandType): void => {
    c.exitOverride();
    for (const sub of c.commands) exitOverride(sub);
  };
  exitOverride(command);
  await command.parseAsync([...args], { from: 'user' });
  const find = (c: CommandType): unknown =>
    c.getOptionValue('exitCode') ?? c.commands.map(find).find((code) => code !== undefined);
  const code = find(command);
  return typeof code === 'number' ? code : EXIT.ok;
}

async function huntedAlready(database: string, logs: string): Promise<boolean> {
  if (!existsSync(database)) return false;
  const store = await openStore(database);
  try {
    const hunts = await store.listHunts({ status: 'completed', limit: 50 });
    return hunts.some((hunt) => hunt.paths.includes(logs));
  } finally {
    await store.close();
  }
}

export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'Replay a 2021-style intrusion at an election body: generate the logs (if absent), hunt them into the embedded SQLite store and serve the dashboard',
    )
    .option('--dir <dir>', 'where the scenario and its database live', 'scenario')
    .option('--host <address>', 'address to serve on', '127.0.0.1')
    .option('--port <n>', 'port to serve on (0 for any free one)', String(DEFAULT_PORT))
    .option('--threads <n>', 'detection threads for the hunt (default: all cores)')
    .option('--no-serve', 'stop after the hunt (no server, no token)')
    .addHelpText(
      'after',
      `
Steps (each skipped when already done):
  1. ballotguard scenario generate --out DIR      two weeks of logs with the intrusion inside
  2. ballotguard hunt DIR/logs --db DIR/ballotguard.db   alerts and incidents into SQLite
  3. a one-time admin token, printed once, and ballotguard serve --db DIR/ballotguard.db

Examples:
  $ ballotguard demo
  $ ballotguard demo --dir /tmp/replay --port 9000
  $ ballotguard demo --no-serve && ballotguard incidents list --db scenario/ballotguard.db

Exit status: 0 done (or server stopped with Ctrl-C); 1 a step failed; 2 usage error.`,
    )
    .action(async (flags: DemoFlags, command: Command) => {
      command.setOptionValue('exitCode', await runDemo(flags));
    });
}

async function runDemo(flags: DemoFlags): Promise<number> {
  const dir = resolve(flags.dir);
  const logs = join(dir, 'logs');
  const database = join(dir, 'ballotguard.db');
  const say = (text: string): boolean => process.stderr.write(`ballotguard demo: ${text}\n`);
  if (flags.threads !== undefined && !/^[1-9]\d*$/.test(flags.threads))
    throw new UsageError(`--threads must be a positive integer (got '${flags.threads}')`);

  if (!existsSync(join(dir, 'manifest.json'))) {
    say(`generating the scenario into ${dir} (about 175 MB of logs; takes under a minute)`);
    const code = await run(scenarioCommand, ['generate', '--out', dir, '--quiet']);
    if (code !== EXIT.ok) return code;
  } else say(`scenario found in ${dir}`);

  if (!(await huntedAlready(database, logs))) {
    say(`hunting ${logs} into ${database}`);
    const code = await run(huntCommand, [
      logs,
      '--db',
      database,
      '--output',
      join(dir, 'alerts.ndjson'),
      ...(flags.threads !== undefined ? ['--threads', flags.threads] : []),
    ]);
    if (code !== EXIT.ok) return code;
  } else say(`${database} already holds a completed hunt of the scenario`);

  if (!flags.serve) {
    say(`done: ballotguard incidents list --db ${database}`);
    return EXIT.ok;
  }
  const store = await openStore(database);
  let token: string;
  let tokenId: number;
  try {
    const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15);
    ({
      token,
      record: { id: tokenId },
    } = await issueApiToken(store, { name: `demo-admin-${stamp}`, role: 'admin' }));
  } finally {
    await store.close();
  }
  process.stderr.write(
    `\nOne-time admin token (shown once; revoke with ballotguard token revoke ${tokenId} --db ${database}):\n\n  ${token}\n\n` +
      'Paste it into the dashboard to sign in. Ctrl-C stops the server.\n\n',
  );
  return run(serveCommand, ['--db', database, '--host', flags.host, '--port', flags.port]);
}
