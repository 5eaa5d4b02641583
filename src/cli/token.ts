/** `ballotguard token create|list|revoke`: the server's API tokens (docs/server.md). */
import { userInfo } from 'node:os';
import { Command } from 'commander';
import { configPath, loadConfig } from '../config/config.js';
import { UsageError } from '../issues.js';
import { isRole, issueApiToken } from '../server/auth.js';
import { openStore } from '../store/open-store.js';
import type { ApiTokenRecord, Store } from '../store/store.js';
import { TOKEN_ROLES } from '../store/store.js';
import { EXIT } from './common.js';
import { csvField } from './output/alert-writers.js';
import { databaseOf } from './serve.js';

interface StoreFlags {
  db?: string;
  config?: string;
}

function actor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

async function withStore<T>(
  flags: StoreFlags,
  mustExist: boolean,
  work: (store: Store) => Promise<T>,
): Promise<T> {
  const store = await openStore(databaseOf(flags.db, loadConfig(configPath(flags.config))), { mustExist });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

const FORMATS = ['table', 'json', 'ndjson', 'csv'] as const;
type Format = (typeof FORMATS)[number];

function parseFormat(value: string): Format {
  if (!(FORMATS as readonly string[]).includes(value))
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')} (got '${value}')`);
  return value as Format;
}

/** A token for output: never its hash. */
function shown(token: ApiTokenRecord) {
  return {
    id: token.id,
    name: token.name,
    role: token.role,
    createdAt: token.createdAt,
    lastUsedAt: token.lastUsedAt,
    revokedAt: token.revokedAt,
  };
}

function renderTokens(tokens: readonly ApiTokenRecord[], format: Format): string {
  const rows = tokens.map(shown);
  if (format === 'json') return `${JSON.stringify(rows, null, 2)}\n`;
  if (format === 'ndjson') return rows.map((row) => `${JSON.stringify(row)}\n`).join('');
  const header = ['id', 'name', 'role', 'createdAt', 'lastUsedAt', 'revokedAt'] as const;
  const cells = rows.map((row) => header.map((key) => String(row[key] ?? '')));
  if (format === 'csv')
    return [header.join(','), ...cells.map((line) => line.map(csvField).join(','))]
      .map((line) => `${line}\n`)
      .join('');
  if (rows.length === 0) return '(no tokens)\n';
  const widths = header.map((name, i) => Math.max(name.length, ...cells.map((line) => line[i]!.length)));
  const line = (values: readonly string[]): string =>
    `${values
      .map((value, i) => value.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()}\n`;
  return line(header) + cells.map(line).join('');
}

export function tokenCommand(): Command {
  const token = new Command('token')
    .description('Create, list and revoke API tokens for `ballotguard serve`')
    .addHelpText(
      'after',
      `
Roles: viewer (read) < analyst (+ change incidents, add notes, start hunts) < admin (+ tokens, audit log).

Examples:
  $ ballotguard token create --role analyst --name alice --db ballotguard.db
  $ ballotguard token list
  $ ballotguard token revoke 3`,
    );
  const storeOptions = (command: Command): Command =>
    command
      .option(
        '--db <file|url>',
        'SQLite file or postgres:// URL (default: store.url of the config, else ballotguard.db)',
      )
      .option('--config <file>', 'YAML config file (default: $BALLOTGUARD_CONFIG or ./ballotguard.yaml)');

  storeOptions(
    token
      .command('create')
      .description('Create a token; its secret is printed once (stdout) and never stored, only its SHA-256')
      .requiredOption('--role <role>', TOKEN_ROLES.join('|'))
      .requiredOption('--name <name>', 'who or what holds it (unique among active tokens)')
      .option('--format <format>', 'table (the secret alone on stdout) or json', 'table'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ ballotguard token create --role admin --name alice
  $ TOKEN=$(ballotguard token create --role viewer --name wallboard --db /var/lib/ballotguard/bg.db)

Exit status: 0 created; 1 the store refused (e.g. an active token has that name); 2 usage error.`,
    )
    .action(async (flags: StoreFlags & { role: string; name: string; format: string }, command: Command) => {
      if (!isRole(flags.role))
        throw new UsageError(`--role must be one of ${TOKEN_ROLES.join(', ')} (got '${flags.role}')`);
      const name = flags.name.trim();
      if (!/^[\w.@+-][\w.@+ -]{0,99}$/.test(name))
        throw new UsageError('--name: 1-100 letters, digits, spaces and . @ + - _ (starting with no space)');
      const format = flags.format;
      if (format !== 'table' && format !== 'json')
        throw new UsageError(`--format must be table or json (got '${format}')`);
      const role = flags.role;
      await withStore(flags, false, async (store) => {
        const { token: secret, record: created } = await issueApiToken(store, { name, role });
        await store.appendAudit({
          actor: actor(),
          action: 'tokens.create',
          target: `token:${created.id}`,
          fromAddress: 'local',
          outcome: 'ok',
          detail: { name, role, via: 'cli' },
        });
        if (format === 'json')
          process.stdout.write(`${JSON.stringify({ ...shown(created), token: secret }, null, 2)}\n`);
        else {
          process.stderr.write(
            `Created token ${created.id} '${created.name}' (${created.role}). Copy it now: it is not shown again.\n`,
          );
          process.stdout.write(`${secret}\n`);
        }
      });
      command.setOptionValue('exitCode', EXIT.ok);
    });

  storeOptions(
    token
      .command('list')
      .description('List tokens (id, name, role, when created, last used, revoked) — never their secrets')
      .option('--format <format>', 'table|json|ndjson|csv', 'table'),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  $ ballotguard token list\n  $ ballotguard token list --format json\n\nExit status: 0 listed; 1 no such database; 2 usage error.',
    )
    .action(async (flags: StoreFlags & { format: string }, command: Command) => {
      const format = parseFormat(flags.format);
      await withStore(flags, true, async (store) => {
        process.stdout.write(renderTokens(await store.listApiTokens(), format));
      });
      command.setOptionValue('exitCode', EXIT.ok);
    });

  storeOptions(
    token
      .command('revoke')
      .description('Revoke a token at once (its dashboard sessions end with it)')
      .argument('<id>', 'the token id (from `token list`)'),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  $ ballotguard token revoke 3\n\nExit status: 0 revoked; 1 no such active token; 2 usage error.',
    )
    .action(async (id: string, flags: StoreFlags, command: Command) => {
      if (!/^[1-9]\d{0,14}$/.test(id))
        throw new UsageError(`the token id must be a positive whole number (got '${id}')`);
      const code = await withStore(flags, true, async (store) => {
        const tokenId = Number(id);
        const existing = (await store.listApiTokens()).find((candidate) => candidate.id === tokenId);
        if (existing === undefined || existing.revokedAt !== null) {
          process.stderr.write(
            existing === undefined
              ? `ballotguard: no token ${id} (see \`ballotguard token list\`)\n`
              : `ballotguard: token ${id} '${existing.name}' was already revoked at ${existing.revokedAt}\n`,
          );
          return EXIT.failure;
        }
        await store.revokeApiToken(tokenId);
        await store.appendAudit({
          actor: actor(),
          action: 'tokens.revoke',
          target: `token:${tokenId}`,
          fromAddress: 'local',
          outcome: 'ok',
          detail: { name: existing.name, role: existing.role, via: 'cli' },
        });
        process.stderr.write(`Revoked token ${id} '${existing.name}' (${existing.role}).\n`);
        return EXIT.ok;
      });
      command.setOptionValue('exitCode', code);
    });
  return token;
}
