/** `ballotguard serve`: the HTTP API and the dashboard over a store (docs/server.md). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { configPath, loadConfig } from '../config/config.js';
import type { BallotguardConfig } from '../config/config.js';
import { AttackIndex } from '../intel/attack/catalogue.js';
import { IMPORT_HINT, defaultDataDir, openCatalogue } from '../intel/attack/catalogue-file.js';
import { UsageError } from '../issues.js';
import { packageRoot } from '../paths.js';
import { createHunting } from '../server/hunting.js';
import { API_PREFIX, buildServer } from '../server/server.js';
import { DEFAULT_DATABASE, openStore } from '../store/open-store.js';
import { EXIT, IssueReporter, parsePositiveInt } from './common.js';
import type { RuleOptions } from './common.js';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8470;

interface ServeFlags {
  db?: string;
  config?: string;
  host?: string;
  port?: string;
  tlsCert?: string;
  tlsKey?: string;
  corsOrigin?: string[];
  maxUploadMb?: string;
  uploadDir?: string;
  dataDir?: string;
  webDir?: string;
  trustProxy?: string;
  rules?: string[];
  builtin: boolean;
  mapping?: string[];
  placeholders?: string;
  cache: boolean;
  hunts: boolean;
  huntThreads?: string;
  logLevel: string;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** The database a command uses: `--db`, else `store.url` of the config file, else ./ballotguard.db. */
export function databaseOf(flag: string | undefined, config: BallotguardConfig): string {
  return flag ?? config.store?.url ?? DEFAULT_DATABASE;
}

function version(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string })
    .version;
}

function readPem(option: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new UsageError(`cannot read ${option} ${file}: ${(error as Error).message}`);
  }
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('Serve the HTTP API (/api/v1) and the dashboard over a Ballotguard store')
    .option(
      '--db <file|url>',
      `SQLite file or postgres:// URL (default: store.url of the config, else ${DEFAULT_DATABASE})`,
    )
    .option('--config <file>', 'YAML config file (default: $BALLOTGUARD_CONFIG or ./ballotguard.yaml)')
    .option('--host <address>', `address to listen on (default ${DEFAULT_HOST})`)
    .option('--port <n>', `port to listen on, 0 for any free one (default ${DEFAULT_PORT})`)
    .option('--tls-cert <file>', 'serve HTTPS with this PEM certificate (chain)')
    .option('--tls-key <file>', 'the PEM private key of --tls-cert')
    .option(
      '--cors-origin <origin>',
      'a browser origin allowed to call the API (repeatable; none by default)',
      collect,
    )
    .option('--max-upload-mb <n>', 'largest upload per hunt request in MB (default 1024)')
    .option('--upload-dir <dir>', 'where uploads are staged (default: $TMPDIR/ballotguard-uploads)')
    .option('--data-dir <dir>', 'data directory with the imported ATT&CK catalogue')
    .option('--web-dir <dir>', 'the dashboard files (default: dist/web of the package)')
    .option('--trust-proxy <value>', 'behind a reverse proxy: true, or the proxy addresses (comma-separated)')
    .option('--rules <path>', 'Sigma rule file or folder for uploaded hunts (repeatable)', collect)
    .option('--no-builtin', 'do not load the built-in rule pack (rules/)')
    .option('--mapping <file>', 'extra logsource/field mapping pipeline (repeatable)', collect)
    .option('--placeholders <file>', 'YAML file of values for %placeholders%')
    .option('--no-cache', 'parse every rule file again instead of using the parsed-rule cache')
    .option('--no-hunts', 'do not offer hunts on uploaded files')
    .option('--hunt-threads <n>', 'detection threads per uploaded hunt (default 1)')
    .option('--log-level <level>', 'server log on stderr: fatal|error|warn|info|debug', 'warn')
    .addHelpText(
      'after',
      `
Every route but /api/v1/health needs a token; create the first with
  $ ballotguard token create --role admin --name alice --db ballotguard.db

Examples:
  $ ballotguard serve --db ballotguard.db
  $ ballotguard serve --host 0.0.0.0 --port 8443 --tls-cert /etc/ballotguard/cert.pem --tls-key /etc/ballotguard/key.pem
  $ ballotguard serve --config /etc/ballotguard/ballotguard.yaml

The URL it listens on is printed on stdout once it is ready. SIGINT or SIGTERM stops it cleanly (a running
hunt is recorded as interrupted).

Exit status: 0 stopped cleanly; 1 could not start (port taken, store unreadable, bad certificate); 2 usage error.`,
    )
    .action(async (flags: ServeFlags, command: Command) => {
      command.setOptionValue('exitCode', await runServe(flags, command));
    });
}

async function runServe(flags: ServeFlags, command: Command): Promise<number> {
  const config = loadConfig(configPath(flags.config));
  const server = config.server ?? {};
  const fromCli = (name: string): boolean => command.getOptionValueSource(name) === 'cli';
  const host = flags.host ?? server.host ?? DEFAULT_HOST;
  const port = flags.port !== undefined ? Number(flags.port) : (server.port ?? DEFAULT_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be a port number 0-65535 (got '${flags.port}')`);
  const certFile = flags.tlsCert ?? server.tls?.cert;
  const keyFile = flags.tlsKey ?? server.tls?.key;
  if ((certFile === undefined) !== (keyFile === undefined))
    throw new UsageError(
      'give both --tls-cert and --tls-key (or server.tls.cert and server.tls.key), or neither',
    );
  const tls =
    certFile !== undefined && keyFile !== undefined
      ? { cert: readPem('--tls-cert', certFile), key: readPem('--tls-key', keyFile) }
      : undefined;
  const maxUploadMb =
    flags.maxUploadMb !== undefined
      ? parsePositiveInt('--max-upload-mb', flags.maxUploadMb, 1024)
      : (server.maxUploadMB ?? 1024);
  const huntThreads = parsePositiveInt('--hunt-threads', flags.huntThreads, server.huntThreads ?? 1);
  const trustProxy =
    flags.trustProxy !== undefined
      ? flags.trustProxy === 'true'
        ? true
        : flags.trustProxy === 'false'
          ? false
          : flags.trustProxy
      : server.trustProxy;
  const logLevel = flags.logLevel;
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel))
    throw new UsageError(`--log-level must be one of fatal, error, warn, info, debug (got '${logLevel}')`);

  const reporter = new IssueReporter((text) => process.stderr.write(text), 5);
  const hunt = config.hunt ?? {};
  const ruleFiles = flags.rules ?? hunt.rules;
  const mappingFiles = flags.mapping ?? hunt.mapping;
  const placeholders = flags.placeholders ?? hunt.placeholders;
  const ruleOptions: RuleOptions = {
    builtin: fromCli('builtin') ? flags.builtin : (hunt.builtin ?? flags.builtin),
    cache: fromCli('cache') ? flags.cache : (hunt.cache ?? flags.cache),
    ...(ruleFiles !== undefined ? { rules: ruleFiles } : {}),
    ...(mappingFiles !== undefined ? { mapping: mappingFiles } : {}),
    ...(placeholders !== undefined ? { placeholders } : {}),
  };
  const opened = await openCatalogue({
    dataDir: flags.dataDir ?? server.dataDir ?? defaultDataDir(process.env),
  });
  if (opened.catalogue === undefined) process.stderr.write(`ballotguard: ${IMPORT_HINT}\n`);
  const attack = new AttackIndex(opened.catalogue);
  const { hunting, rules, loaded, failed } = await createHunting({
    ...ruleOptions,
    threads: huntThreads,
    attack,
    onIssue: reporter.report,
    ...(hunt.minLevel !== undefined ? { minLevel: hunt.minLevel } : {}),
    ...(hunt.maxRecordBytes !== undefined ? { maxRecordBytes: hunt.maxRecordBytes } : {}),
  });
  process.stderr.write(
    `ballotguard: ${loaded} rule(s) loaded${failed > 0 ? `, ${failed} failed (ballotguard rules check)` : ''}\n`,
  );

  const database = databaseOf(flags.db, config);
  const store = await openStore(database);
  let app;
  try {
    if ((await store.listApiTokens()).every((token) => token.revokedAt !== null))
      process.stderr.write(
        `ballotguard: no API token yet; every route but /health will answer 401. Create one:\n` +
          `  ballotguard token create --role admin --name YOUR-NAME --db ${database}\n`,
      );
    app = await buildServer({
      store,
      version: version(),
      attack,
      rules,
      ...(flags.hunts && loaded > 0 ? { hunting } : {}),
      ...(tls !== undefined ? { tls } : {}),
      corsOrigins: [
        ...(flags.corsOrigin ?? []),
        ...(fromCli('corsOrigin') ? [] : (server.corsOrigins ?? [])),
      ],
      maxUploadBytes: maxUploadMb * 1024 * 1024,
      ...((flags.uploadDir ?? server.uploadDir) !== undefined
        ? { uploadDir: (flags.uploadDir ?? server.uploadDir)! }
        : {}),
      ...((flags.webDir ?? server.webDir) !== undefined ? { webDir: (flags.webDir ?? server.webDir)! } : {}),
      ...(trustProxy !== undefined ? { trustProxy } : {}),
      ...(server.authFailuresPerMinute !== undefined
        ? { limiter: { maxFailures: server.authFailuresPerMinute } }
        : {}),
      logger: { level: logLevel, stream: process.stderr },
    });
    await app.listen({ host, port });
  } catch (error) {
    await app?.close().catch(() => undefined);
    await store.close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new UsageError(
        `cannot listen on ${host}:${port}: the port is in use (choose another with --port)`,
      );
    throw error;
  }
  const address = app.server.address();
  const boundPort = typeof address === 'object' && address !== null ? address.port : port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const url = `${tls !== undefined ? 'https' : 'http'}://${shownHost}:${boundPort}`;
  if (tls === undefined && !/^(127\.|localhost$|::1$)/.test(host))
    process.stderr.write(
      `ballotguard: warning: listening on ${host} without TLS; tokens cross the network in clear text. ` +
        'Give --tls-cert/--tls-key, or put a TLS proxy in front.\n',
    );
  process.stderr.write(`ballotguard: serving ${database} at ${url}${API_PREFIX} (dashboard at ${url}/)\n`);
  process.stdout.write(`${url}\n`);

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  process.stderr.write(`ballotguard: ${signal}: stopping\n`);
  await app.close();
  await store.close();
  return EXIT.ok;
}
