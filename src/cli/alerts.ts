/** `ballotguard alerts list|show`: reads the alerts that `hunt --db` stored. */
import { Command } from 'commander';
import { UsageError } from '../issues.js';
import { DEFAULT_DATABASE } from '../store/open-store.js';
import type { AlertDetail, AlertFilter, AlertRecord } from '../store/store.js';
import { MAX_PAGE } from '../store/store.js';
import { EXIT, openOutput, parseFormat, parsePositiveInt } from './common.js';
import { csvField } from './output/alert-writers.js';
import type { RecordLayout } from './output/record-writer.js';
import { createRecordWriter } from './output/record-writer.js';
import { LEVEL_COLOURS, colourEnabled, paint } from './output/terminal.js';
import type { StoreFlags } from './store-options.js';
import {
  collect,
  fit,
  parseLevelFilter,
  parseLimit,
  parseTimeOption,
  storeOptions,
  withStore,
} from './store-options.js';

interface ListFlags extends StoreFlags {
  since?: string;
  until?: string;
  level?: string[];
  minLevel?: string;
  host?: string[];
  account?: string[];
  ip?: string[];
  rule?: string;
  technique?: string;
  hunt?: string;
  limit?: string;
}

interface ShowFlags extends StoreFlags {
  occurrences?: string;
}

function filterOf(flags: ListFlags): Omit<AlertFilter, 'limit' | 'after'> {
  const levels = parseLevelFilter(
    { name: '--level', values: flags.level },
    { name: '--min-level', value: flags.minLevel },
  );
  return {
    ...(flags.since !== undefined ? { since: parseTimeOption('--since', flags.since) } : {}),
    ...(flags.until !== undefined ? { until: parseTimeOption('--until', flags.until) } : {}),
    ...(levels !== undefined ? { levels } : {}),
    ...(flags.host !== undefined ? { hosts: flags.host } : {}),
    ...(flags.account !== undefined ? { accounts: flags.account } : {}),
    ...(flags.ip !== undefined ? { sourceIps: flags.ip } : {}),
    ...(flags.rule !== undefined ? { rule: flags.rule } : {}),
    ...(flags.technique !== undefined ? { technique: flags.technique } : {}),
    ...(flags.hunt !== undefined ? { huntId: parsePositiveInt('--hunt', flags.hunt, 0) } : {}),
  };
}

function where(alert: AlertRecord): string {
  const { path, line, record } = alert.source;
  return line !== undefined ? `${path}:${line}` : record !== undefined ? `${path}#${record}` : path;
}

const CSV_HEADER =
  'id,first_seen,last_seen,count,level,rule_id,rule_title,tags,host,account,source_ip,path,line,record,hunt_id';

function csvRow(alert: AlertRecord): string[] {
  return [
    String(alert.id),
    alert.firstSeen ?? '',
    alert.lastSeen ?? '',
    String(alert.count),
    alert.rule.level,
    alert.rule.id,
    alert.rule.title,
    alert.rule.tags.join(' '),
    alert.host ?? '',
    alert.account ?? '',
    alert.sourceIp ?? '',
    alert.source.path,
    alert.source.line === undefined ? '' : String(alert.source.line),
    alert.source.record === undefined ? '' : String(alert.source.record),
    alert.huntId === null ? '' : String(alert.huntId),
  ];
}

/** Alert records as `alerts list` writes them, in every format. */
const ALERT_LAYOUT: RecordLayout<AlertRecord> = {
  csvHeader: CSV_HEADER,
  csvRow,
  tableHeader: (colour) =>
    paint(
      colour,
      'bold',
      `${fit('ID', 8)} ${fit('LAST SEEN', 24)} ${fit('COUNT', 7)} ${fit('LEVEL', 13)} ${fit('RULE', 48)} ${fit('HOST', 18)} ACCOUNT`,
    ),
  tableRow: (alert, colour) =>
    `${fit(String(alert.id), 8)} ${fit(alert.lastSeen ?? '(no time)', 24)} ${fit(String(alert.count), 7)} ` +
    `${paint(colour, LEVEL_COLOURS[alert.rule.level] ?? 'grey', fit(alert.rule.level, 13))} ${fit(alert.rule.title, 48)} ` +
    `${fit(alert.host ?? '-', 18)} ${alert.account ?? '-'}`,
  none: 'No alerts.',
};

async function runList(flags: ListFlags): Promise<number> {
  const toTerminal = Boolean(process.stdout.isTTY);
  const format = parseFormat(flags.format, toTerminal ? 'table' : 'ndjson');
  const filter = filterOf(flags);
  const limit = parseLimit('--limit', flags.limit, 100);
  return withStore(flags, async (store) => {
    const output = openOutput(undefined);
    const writer = createRecordWriter(
      format,
      output.write,
      format === 'table' && colourEnabled(process.stdout),
      ALERT_LAYOUT,
    );
    let shown = 0;
    let after: AlertFilter['after'];
    let more = false;
    // Keyset pages: constant memory however many alerts match.
    while (shown < limit) {
      const page = await store.listAlerts({
        ...filter,
        limit: Math.min(MAX_PAGE, limit - shown + 1),
        ...(after !== undefined ? { after } : {}),
      });
      for (const alert of page) {
        if (shown >= limit) {
          more = true;
          break;
        }
        writer.write(alert);
        shown++;
      }
      if (page.length === 0 || more) break;
      const last = page[page.length - 1]!;
      after = { lastSeen: last.lastSeen, id: last.id };
      await output.drain();
    }
    writer.end();
    await output.close();
    if (more)
      process.stderr.write(
        `(showing the first ${shown} of ${await store.countAlerts(filter)} matching alerts; use --limit N or --limit all, or narrow the filters)\n`,
      );
    return EXIT.ok;
  });
}

function renderDetail(alert: AlertDetail, colour: boolean): string {
  const lines: string[] = [];
  const level = paint(colour, LEVEL_COLOURS[alert.rule.level] ?? 'grey', alert.rule.level);
  lines.push(paint(colour, 'bold', `Alert ${alert.id}: ${alert.rule.title}`) + ` [${level}]`);
  const row = (name: string, value: string): void => {
    lines.push(`  ${name.padEnd(12)} ${value}`);
  };
  row('Rule', alert.rule.id);
  row('Tags', alert.rule.tags.join(' ') || '-');
  row('Seen', `${alert.count} time(s), ${alert.firstSeen ?? '(no time)'} → ${alert.lastSeen ?? '(no time)'}`);
  row('Host', alert.host ?? '-');
  row('Account', alert.account ?? '-');
  row('Source IP', alert.sourceIp ?? '-');
  row('First in', `${where(alert)} (${alert.source.format})`);
  row(
    'Hunt',
    alert.huntId === null
      ? '-'
      : `${alert.huntId}${alert.lastHuntId !== alert.huntId ? ` (last: ${alert.lastHuntId})` : ''}`,
  );
  row('Fingerprint', alert.fingerprint);
  row(
    'Incidents',
    alert.incidents.length === 0
      ? '-'
      : alert.incidents.map((i) => `#${i.id} ${i.title} (${i.status})`).join('; '),
  );
  if (alert.occurrences.length > 0) {
    lines.push('', `Occurrences (${alert.occurrences.length} of ${alert.count} shown):`);
    for (const o of alert.occurrences) {
      const at =
        o.line !== null
          ? `${o.path}:${o.line}`
          : o.record !== null
            ? `${o.path}#${o.record}`
            : `${o.path}@${o.position}`;
      lines.push(`  ${fit(o.at ?? '(no time)', 28)} ${at}`);
    }
  }
  lines.push('', 'Event (earliest occurrence):', JSON.stringify(alert.event, null, 2));
  return `${lines.join('\n')}\n`;
}

async function runShow(id: string, flags: ShowFlags): Promise<number> {
  const alertId = Number(id);
  if (!Number.isSafeInteger(alertId) || alertId < 1)
    throw new UsageError(`give the number of an alert, as \`alerts list\` shows it (got '${id}')`);
  const format = parseFormat(flags.format, process.stdout.isTTY ? 'table' : 'json');
  const occurrenceLimit = parsePositiveInt('--occurrences', flags.occurrences, 20);
  return withStore(flags, async (store) => {
    const alert = await store.getAlert(alertId, { occurrenceLimit });
    if (alert === undefined) {
      process.stderr.write(
        `ballotguard: no alert ${alertId} in ${store.location} (see \`ballotguard alerts list\`)\n`,
      );
      return EXIT.failure;
    }
    const output = openOutput(undefined);
    if (format === 'json') output.write(`${JSON.stringify(alert, null, 2)}\n`);
    else if (format === 'ndjson') output.write(`${JSON.stringify(alert)}\n`);
    else if (format === 'csv')
      output.write(
        `${CSV_HEADER},event\n${[...csvRow(alert), JSON.stringify(alert.event)].map(csvField).join(',')}\n`,
      );
    else output.write(renderDetail(alert, colourEnabled(process.stdout)));
    await output.close();
    return EXIT.ok;
  });
}

export function alertsCommand(): Command {
  const list = storeOptions(
    new Command('list')
      .description('List stored alerts, newest first, with filters')
      .option(
        '--since <time>',
        'seen at or after: 2021-05-04, 2021-05-04T10:00:00Z, or an age (30m, 24h, 7d)',
      )
      .option('--until <time>', 'first seen at or before (same forms as --since)')
      .option('--level <level>', 'only these levels (repeatable or comma-separated)', collect)
      .option('--min-level <level>', 'this level or higher: informational|low|medium|high|critical')
      .option('--host <name>', 'host name, any case, with or without domain (repeatable)', collect)
      .option('--account <name>', 'account name, with or without DOMAIN\\ (repeatable)', collect)
      .option('--ip <address>', 'source IP address (repeatable)', collect)
      .option('--rule <id-or-title>', 'rule id, or a part of the rule title')
      .option('--technique <id>', 'ATT&CK technique, e.g. T1003 (with its sub-techniques) or T1003.001')
      .option('--hunt <id>', 'alerts with occurrences first stored by this hunt')
      .option('--limit <n>', 'at most N alerts, or "all" (default 100)'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ ballotguard alerts list --db cases.db --since 24h --min-level high
  $ ballotguard alerts list --host dc01 --technique T1003 --format json
  $ ballotguard alerts list --db postgres://bg@db.internal/ballotguard --rule "LSASS" --limit all --format csv > lsass.csv`,
    )
    .action(async (flags: ListFlags, command: Command) => {
      command.setOptionValue('exitCode', await runList(flags));
    });
  const show = storeOptions(
    new Command('show')
      .description('Show one stored alert: its event, where it was seen, its incidents')
      .argument('<id>', 'alert number, as `alerts list` shows it')
      .option('--occurrences <n>', 'list at most N occurrences (default 20)'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ ballotguard alerts show 42 --db cases.db
  $ ballotguard alerts show 42 --format json | jq .event`,
    )
    .action(async (id: string, flags: ShowFlags, command: Command) => {
      command.setOptionValue('exitCode', await runShow(id, flags));
    });
  return new Command('alerts')
    .description(`Read the alerts stored by \`hunt --db\` (default database: ./${DEFAULT_DATABASE})`)
    .addCommand(list)
    .addCommand(show)
    .addHelpText(
      'after',
      `
Examples:
  $ ballotguard hunt /cases/ec-2021 --db cases.db --output /dev/null
  $ ballotguard alerts list --db cases.db --min-level high
  $ ballotguard alerts show 42 --db cases.db`,
    );
}
