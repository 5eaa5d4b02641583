/**
 * `ballotguard incidents list|show|update`: the incidents `hunt --db` grouped its alerts into, and the
 * analyst's side of them — status (through the workflow of src/correlate/workflow.ts), assignee, notes and
 * title, each change recorded with who made it in the incident's timeline.
 */
import { Command } from 'commander';
import { configPath, loadConfig } from '../config/config.js';
import {
  WorkflowError,
  allowedTransitions,
  assign,
  createNote,
  parseStatus,
  transition,
} from '../correlate/workflow.js';
import type { AssigneeChange, StatusChange } from '../correlate/workflow.js';
import { AttackIndex } from '../intel/attack/catalogue.js';
import { IMPORT_HINT, defaultDataDir, openCatalogue } from '../intel/attack/catalogue-file.js';
import { UsageError } from '../issues.js';
import { RULE_LEVELS } from '../sigma/parse/ast.js';
import type { RuleLevel } from '../sigma/parse/ast.js';
import { DEFAULT_DATABASE } from '../store/open-store.js';
import type {
  IncidentDetail,
  IncidentFilter,
  IncidentPatch,
  IncidentRecord,
  IncidentStatus,
} from '../store/store.js';
import { MAX_PAGE, OPEN_INCIDENT_STATUSES } from '../store/store.js';
import { EXIT, openOutput, parseFormat } from './common.js';
import {
  STATUS_COLOURS,
  describeChanges,
  incidentView,
  printable,
  renderIncident,
} from './incidents-view.js';
import type { RecordLayout } from './output/record-writer.js';
import { createRecordWriter } from './output/record-writer.js';
import { LEVEL_COLOURS, colourEnabled, paint } from './output/terminal.js';
import type { StoreFlags } from './store-options.js';
import {
  collect,
  currentUser,
  fit,
  parseLevelFilter,
  parseLimit,
  parseTimeOption,
  storeOptions,
  withStore,
} from './store-options.js';

interface ListFlags extends StoreFlags {
  status?: string[];
  severity?: string[];
  minSeverity?: string;
  assignee?: string;
  search?: string;
  since?: string;
  until?: string;
  host?: string[];
  rule?: string;
  technique?: string;
  limit?: string;
  offset?: string;
}

interface ShowFlags extends StoreFlags {
  limit?: string;
  attack?: string;
  dataDir?: string;
}

interface UpdateFlags extends StoreFlags {
  status?: string;
  assignee?: string;
  unassign?: boolean;
  note?: string;
  title?: string;
  severity?: string;
  actor?: string;
}

/** `false-positive`, `False Positive` and `false_positive` are one status; `open` is new, triaging and contained. */
function parseStatuses(values: readonly string[]): IncidentStatus[] {
  const statuses = new Set<IncidentStatus>();
  for (const value of values) {
    if (value.trim().toLowerCase() === 'open')
      for (const status of OPEN_INCIDENT_STATUSES) statuses.add(status);
    else statuses.add(statusOption('--status', value));
  }
  return [...statuses];
}

function statusOption(name: string, value: string): IncidentStatus {
  try {
    return parseStatus(value);
  } catch (error) {
    if (error instanceof WorkflowError) throw new UsageError(`${name}: ${error.message}`);
    throw error;
  }
}

function incidentId(text: string): number {
  const id = /^#?\d+$/.test(text.trim()) ? Number(text.trim().replace('#', '')) : NaN;
  if (!Number.isSafeInteger(id) || id < 1)
    throw new UsageError(`give the number of an incident, as \`incidents list\` shows it (got '${text}')`);
  return id;
}

function techniqueOption(value: string): string {
  if (!/^(attack\.)?t\d{4}(\.\d{3})?$/i.test(value.trim()))
    throw new UsageError(`--technique must be an ATT&CK technique like T1003 or T1003.001 (got '${value}')`);
  return value.trim();
}

function offsetOption(value: string | undefined): number {
  if (value === undefined) return 0;
  const offset = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(offset)) throw new UsageError(`--offset must be 0 or more (got '${value}')`);
  return offset;
}

function filterOf(flags: ListFlags): Omit<IncidentFilter, 'limit' | 'offset'> {
  const severities = parseLevelFilter(
    { name: '--severity', values: flags.severity },
    { name: '--min-severity', value: flags.minSeverity },
  );
  return {
    ...(flags.status !== undefined ? { statuses: parseStatuses(flags.status) } : {}),
    ...(severities !== undefined ? { severities } : {}),
    ...(flags.assignee !== undefined ? { assignee: flags.assignee } : {}),
    ...(flags.search !== undefined ? { text: flags.search } : {}),
    ...(flags.since !== undefined ? { since: parseTimeOption('--since', flags.since) } : {}),
    ...(flags.until !== undefined ? { until: parseTimeOption('--until', flags.until) } : {}),
    ...(flags.host !== undefined ? { hosts: flags.host } : {}),
    ...(flags.rule !== undefined ? { rule: flags.rule } : {}),
    ...(flags.technique !== undefined ? { technique: techniqueOption(flags.technique) } : {}),
  };
}

const CSV_HEADER =
  'id,title,status,severity,assignee,alert_count,first_seen,last_seen,created_at,updated_at,group_key';

const INCIDENT_LAYOUT: RecordLayout<IncidentRecord> = {
  csvHeader: CSV_HEADER,
  csvRow: (incident) => [
    String(incident.id),
    incident.title,
    incident.status,
    incident.severity,
    incident.assignee ?? '',
    String(incident.alertCount),
    incident.firstSeen ?? '',
    incident.lastSeen ?? '',
    incident.createdAt,
    incident.updatedAt,
    incident.groupKey ?? '',
  ],
  tableHeader: (colour) =>
    paint(
      colour,
      'bold',
      `${fit('ID', 6)} ${fit('STATUS', 15)} ${fit('SEVERITY', 13)} ${fit('ALERTS', 7)} ${fit('LAST SEEN', 24)} ${fit('ASSIGNEE', 16)} TITLE`,
    ),
  tableRow: (incident, colour) =>
    `${fit(String(incident.id), 6)} ${paint(colour, STATUS_COLOURS[incident.status], fit(incident.status, 15))} ` +
    `${paint(colour, LEVEL_COLOURS[incident.severity] ?? 'grey', fit(incident.severity, 13))} ` +
    `${fit(String(incident.alertCount), 7)} ${fit(incident.lastSeen ?? '(no time)', 24)} ` +
    `${fit(printable(incident.assignee ?? '-'), 16)} ${printable(incident.title)}`,
  none: 'No incidents.',
};

async function runList(flags: ListFlags): Promise<number> {
  const format = parseFormat(flags.format, process.stdout.isTTY ? 'table' : 'ndjson');
  const filter = filterOf(flags);
  const limit = parseLimit('--limit', flags.limit, 100);
  const offset = offsetOption(flags.offset);
  return withStore(flags, async (store) => {
    const output = openOutput(undefined);
    const writer = createRecordWriter(
      format,
      output.write,
      format === 'table' && colourEnabled(process.stdout),
      INCIDENT_LAYOUT,
    );
    let shown = 0;
    let more = false;
    // Pages of at most MAX_PAGE, one more than needed to know whether anything was left out.
    while (shown < limit) {
      const page = await store.listIncidents({
        ...filter,
        limit: Math.min(MAX_PAGE, limit - shown + 1),
        offset: offset + shown,
      });
      for (const incident of page) {
        if (shown >= limit) {
          more = true;
          break;
        }
        writer.write(incident);
        shown++;
      }
      if (page.length === 0 || more) break;
      await output.drain();
    }
    writer.end();
    await output.close();
    if (more)
      process.stderr.write(
        `(showing ${shown} of ${await store.countIncidents(filter)} matching incidents${offset > 0 ? ` from number ${offset + 1}` : ''}; use --limit N or --limit all, --offset N, or narrow the filters)\n`,
      );
    return EXIT.ok;
  });
}

function detailFormat(value: string | undefined, command: string): 'table' | 'json' {
  const format = parseFormat(value, process.stdout.isTTY ? 'table' : 'json');
  if (format !== 'table' && format !== 'json')
    throw new UsageError(`--format must be table or json for \`incidents ${command}\` (got '${format}')`);
  return format;
}

async function runShow(id: string, flags: ShowFlags): Promise<number> {
  const incidentNumber = incidentId(id);
  const format = detailFormat(flags.format, 'show');
  const limit = parseLimit('--limit', flags.limit, 100);
  return withStore(flags, async (store) => {
    const incident = await store.getIncident(incidentNumber, { alertLimit: MAX_PAGE });
    if (incident === undefined) {
      process.stderr.write(
        `ballotguard: no incident ${incidentNumber} in ${store.location} (see \`ballotguard incidents list\`)\n`,
      );
      return EXIT.failure;
    }
    const timeline = await store.incidentTimeline(incidentNumber, { limit: MAX_PAGE });
    const opened = await openCatalogue({
      ...(flags.attack !== undefined ? { file: flags.attack } : {}),
      dataDir:
        flags.dataDir ?? loadConfig(configPath(flags.config)).server?.dataDir ?? defaultDataDir(process.env),
    });
    const view = incidentView(incident, timeline, new AttackIndex(opened.catalogue), limit);
    if (opened.catalogue === undefined && view.techniques.length > 0)
      process.stderr.write(`ballotguard: technique and tactic names are missing: ${IMPORT_HINT}\n`);
    const output = openOutput(undefined);
    if (format === 'json') output.write(`${JSON.stringify(view, null, 2)}\n`);
    else output.write(renderIncident(view, colourEnabled(process.stdout)));
    await output.close();
    return EXIT.ok;
  });
}

const recordOf = ({ alerts: _alerts, notes: _notes, ...record }: IncidentDetail): IncidentRecord => record;

/** Problems with the options themselves, found before the store is opened: exit 2. */
function checkUpdateFlags(flags: UpdateFlags): void {
  const given = ['status', 'assignee', 'unassign', 'note', 'title', 'severity'] as const;
  if (given.every((name) => flags[name] === undefined))
    throw new UsageError(
      'nothing to change: give --status, --assignee NAME, --unassign, --note TEXT, --title TEXT or --severity LEVEL',
    );
  if (flags.assignee !== undefined && flags.unassign)
    throw new UsageError('give --assignee NAME or --unassign, not both');
  const blank = (name: string, value: string | undefined): void => {
    if (value !== undefined && value.trim() === '') throw new UsageError(`${name} must not be empty`);
  };
  blank('--assignee', flags.assignee);
  blank('--note', flags.note);
  blank('--title', flags.title);
  blank('--actor', flags.actor);
  for (const [name, value] of [
    ['--assignee', flags.assignee],
    ['--title', flags.title],
    ['--actor', flags.actor],
  ] as const)
    if (value !== undefined && /[\u0000-\u001f\u007f]/.test(value))
      throw new UsageError(`${name} must not contain control characters (a line break, an escape)`);
  if (flags.severity !== undefined && !(RULE_LEVELS as readonly string[]).includes(flags.severity))
    throw new UsageError(`--severity must be one of ${RULE_LEVELS.join(', ')} (got '${flags.severity}')`);
}

async function runUpdate(id: string, flags: UpdateFlags): Promise<number> {
  const incidentNumber = incidentId(id);
  const format = detailFormat(flags.format, 'update');
  checkUpdateFlags(flags);
  const status = flags.status !== undefined ? statusOption('--status', flags.status) : undefined;
  const actor = (flags.actor ?? currentUser()).trim();
  return withStore(flags, async (store) => {
    const current = await store.getIncident(incidentNumber, { alertLimit: 1 });
    if (current === undefined) {
      process.stderr.write(
        `ballotguard: no incident ${incidentNumber} in ${store.location} (see \`ballotguard incidents list\`)\n`,
      );
      return EXIT.failure;
    }
    // Every change is checked before any is stored, so a refused one leaves the incident as it was.
    const context = { actor, at: new Date() };
    let statusChange: StatusChange | undefined;
    let assigneeChange: AssigneeChange | undefined;
    let note: ReturnType<typeof createNote> | undefined;
    try {
      if (status !== undefined)
        statusChange = transition(current.status, status, {
          ...context,
          ...(flags.note !== undefined ? { note: flags.note } : {}),
        });
      if (flags.unassign) assigneeChange = assign(current.assignee, null, context);
      else if (flags.assignee !== undefined)
        assigneeChange = assign(current.assignee, flags.assignee, context);
      if (flags.note !== undefined) note = createNote(flags.note, context);
    } catch (error) {
      if (!(error instanceof WorkflowError)) throw error;
      process.stderr.write(
        `ballotguard: incident ${incidentNumber}: ${error.message}; nothing was changed\n`,
      );
      return EXIT.failure;
    }
    const title = flags.title?.trim();
    const patch: IncidentPatch = {
      ...(statusChange !== undefined ? { status: statusChange.to } : {}),
      ...(assigneeChange !== undefined ? { assignee: assigneeChange.to } : {}),
      ...(title !== undefined && title !== current.title ? { title } : {}),
      ...(flags.severity !== undefined && flags.severity !== current.severity
        ? { severity: flags.severity as RuleLevel }
        : {}),
    };
    if (Object.keys(patch).length > 0) await store.updateIncident(incidentNumber, patch, actor);
    const stored =
      note !== undefined ? await store.addIncidentNote(incidentNumber, note.author, note.text) : undefined;
    const changes = describeChanges(current, patch, stored !== undefined);
    if (changes.length > 0)
      await store.appendAudit({
        actor,
        action: 'incidents.update',
        target: `incident:${incidentNumber}`,
        outcome: 'ok',
        detail: { via: 'cli', changes: changes.map((change) => change.kind) },
      });
    // Read back, so the output shows the incident as stored (its new update time included).
    const updated = recordOf((await store.getIncident(incidentNumber, { alertLimit: 1 })) ?? current);
    const output = openOutput(undefined);
    if (format === 'json') {
      output.write(
        `${JSON.stringify(
          {
            incident: updated,
            changes,
            ...(stored !== undefined ? { note: stored } : {}),
            transitions: [...allowedTransitions(updated.status)],
          },
          null,
          2,
        )}\n`,
      );
    } else {
      const colour = colourEnabled(process.stdout);
      const lines =
        changes.length > 0 ? changes.map((change) => `  ${printable(change.text)}`) : ['  nothing changed'];
      output.write(
        `${paint(colour, 'bold', `Incident ${updated.id}: ${printable(updated.title)}`)} [${paint(colour, STATUS_COLOURS[updated.status], updated.status)}]\n` +
          `${lines.join('\n')}\n` +
          `  next: ${allowedTransitions(updated.status).join(', ')}\n`,
      );
    }
    await output.close();
    return EXIT.ok;
  });
}

const DETAIL_FORMAT_HELP = 'table|json (default: table on a TTY, otherwise json)';

export function incidentsCommand(): Command {
  const list = storeOptions(
    new Command('list')
      .description('List incidents, most recent activity first, with filters')
      .option(
        '--status <status>',
        'new|triaging|contained|closed|false_positive, or open (= new, triaging, contained); repeatable or comma-separated',
        collect,
      )
      .option('--severity <level>', 'only these severities (repeatable or comma-separated)', collect)
      .option('--min-severity <level>', 'this severity or higher: informational|low|medium|high|critical')
      .option('--assignee <name>', 'assigned to this analyst')
      .option('--search <text>', 'part of the title (any case)')
      .option(
        '--since <time>',
        'active at or after: 2021-05-04, 2021-05-04T10:00:00Z, or an age (30m, 24h, 7d)',
      )
      .option('--until <time>', 'first seen at or before (same forms as --since)')
      .option(
        '--host <name>',
        'with an alert on this host, any case, with or without domain (repeatable)',
        collect,
      )
      .option('--rule <id-or-title>', 'with an alert of this rule: its id, or a part of its title')
      .option(
        '--technique <id>',
        'with an alert tagged with this ATT&CK technique, e.g. T1003 (with its sub-techniques) or T1003.001',
      )
      .option('--limit <n>', 'at most N incidents, or "all" (default 100)')
      .option('--offset <n>', 'skip the first N matching incidents (default 0)'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ ballotguard incidents list --db cases.db --status open --min-severity high
  $ ballotguard incidents list --host exch01 --technique T1003 --since 7d
  $ ballotguard incidents list --assignee dana --format json | jq '.id'
  $ ballotguard incidents list --db postgres://bg@db.internal/ballotguard --limit all --format csv > incidents.csv`,
    )
    .action(async (flags: ListFlags, command: Command) => {
      command.setOptionValue('exitCode', await runList(flags));
    });

  const show = storeOptions(
    new Command('show')
      .description(
        'Show one incident: status, kill chain, its alerts with why each joined, notes and timeline',
      )
      .argument('<id>', 'incident number, as `incidents list` shows it')
      .option(
        '--limit <n>',
        'list at most N alerts, in the members and in the timeline, or "all" (default 100)',
      )
      .option(
        '--attack <file>',
        'ATT&CK catalogue or STIX bundle for technique names (default: the imported one)',
      )
      .option(
        '--data-dir <dir>',
        "where `attack import` saved the catalogue (default: the config's server.dataDir, $BALLOTGUARD_DATA_DIR, …)",
      ),
    DETAIL_FORMAT_HELP,
  )
    .addHelpText(
      'after',
      `
Examples:
  $ ballotguard incidents show 7 --db cases.db
  $ ballotguard incidents show 7 --limit all | less -R
  $ ballotguard incidents show 7 --format json | jq '.killChain[].name'

Technique and tactic names come from the ATT&CK catalogue (\`ballotguard attack import FILE\`); without one,
IDs are shown.`,
    )
    .action(async (id: string, flags: ShowFlags, command: Command) => {
      command.setOptionValue('exitCode', await runShow(id, flags));
    });

  const update = storeOptions(
    new Command('update')
      .description(
        'Change an incident: status (following the workflow), assignee, title, severity; add a note',
      )
      .argument('<id>', 'incident number, as `incidents list` shows it')
      .option(
        '--status <status>',
        'new status: triaging|contained|closed|false_positive (see the workflow below)',
      )
      .option('--assignee <name>', 'assign to this analyst')
      .option('--unassign', 'remove the assignee')
      .option('--note <text>', 'add a note (needed to mark a false positive: say why)')
      .option('--title <text>', 'rename the incident')
      .option('--severity <level>', 'set the severity: informational|low|medium|high|critical')
      .option('--actor <name>', 'who makes the change, as the timeline records it (default: the OS user)'),
    DETAIL_FORMAT_HELP,
  )
    .addHelpText(
      'after',
      `
Examples:
  $ ballotguard incidents update 7 --db cases.db --status triaging --assignee dana
  $ ballotguard incidents update 7 --note "Isolated EXCH01 from the network" --status contained
  $ ballotguard incidents update 9 --status false_positive --note "Backup job of the register, approved change 2021-118"
  $ ballotguard incidents update 7 --status triaging --actor "dana (night shift)"   # reopen a closed incident

Workflow: new → triaging, contained, closed, false_positive; triaging → contained, closed, false_positive;
contained → triaging, closed, false_positive; closed and false_positive → triaging (reopen).
Exit status: 0 changed; 1 no such incident, or a change the workflow refuses (nothing is changed then);
2 usage error.`,
    )
    .action(async (id: string, flags: UpdateFlags, command: Command) => {
      command.setOptionValue('exitCode', await runUpdate(id, flags));
    });

  return new Command('incidents')
    .description(
      `Work on the incidents \`hunt --db\` grouped its alerts into (default database: ./${DEFAULT_DATABASE})`,
    )
    .addCommand(list)
    .addCommand(show)
    .addCommand(update)
    .addHelpText(
      'after',
      `
Examples:
  $ ballotguard hunt /cases/ec-2021 --db cases.db --output /dev/null
  $ ballotguard incidents list --db cases.db --status open
  $ ballotguard incidents show 7 --db cases.db
  $ ballotguard incidents update 7 --db cases.db --status triaging --assignee dana`,
    );
}
