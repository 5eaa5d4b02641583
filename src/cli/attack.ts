/** `ballotguard attack import|show|coverage`: MITRE ATT&CK catalogue, lookups and rule coverage. */
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../issues.js';
import type { Issue } from '../issues.js';
import { AttackIndex } from '../intel/attack/catalogue.js';
import type { AttackCatalogue, AttackTechnique } from '../intel/attack/catalogue.js';
import { IMPORT_HINT, defaultDataDir, openCatalogue, saveCatalogue } from '../intel/attack/catalogue-file.js';
import { computeCoverage, navigatorLayer } from '../intel/attack/coverage.js';
import type { CoverageReport } from '../intel/attack/coverage.js';
import { loadAttackBundle } from '../intel/attack/load-bundle.js';
import { parseAttackTag } from '../intel/attack/tags.js';
import { packageRoot } from '../paths.js';
import { compileRules } from '../sigma/compile/compile-rules.js';
import { EXIT, IssueReporter, openOutput, prepareRules } from './common.js';
import { csvField } from './output/alert-writers.js';
import { colourEnabled, formatCount, paint } from './output/terminal.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

interface CatalogueFlags {
  attack?: string;
  dataDir?: string;
}

function dataDirOf(flags: CatalogueFlags): string {
  return flags.dataDir ?? defaultDataDir(process.env);
}

function generator(): string {
  try {
    const manifest = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as {
      version: string;
    };
    return `ballotguard ${manifest.version}`;
  } catch {
    return 'ballotguard';
  }
}

async function catalogueFor(
  flags: CatalogueFlags,
  reporter: IssueReporter,
): Promise<{ index: AttackIndex; catalogue: AttackCatalogue | undefined }> {
  const opened = await openCatalogue({
    ...(flags.attack !== undefined ? { file: flags.attack } : {}),
    dataDir: dataDirOf(flags),
  });
  for (const issue of opened.issues) reporter.report(issue);
  if (opened.catalogue === undefined) process.stderr.write(`ballotguard: ${IMPORT_HINT}\n`);
  return { index: new AttackIndex(opened.catalogue), catalogue: opened.catalogue };
}

function pick<T extends string>(value: string, allowed: readonly T[], what: string): T {
  if (!(allowed as readonly string[]).includes(value))
    throw new UsageError(`${what} must be one of ${allowed.join(', ')} (got '${value}')`);
  return value as T;
}

export function attackCommand(): Command {
  const attack = new Command('attack')
    .description('MITRE ATT&CK: import the catalogue, look up IDs, rule coverage')
    .addHelpText(
      'after',
      `
Examples:
  $ ballotguard attack import enterprise-attack.json
  $ ballotguard attack show T1059.001
  $ ballotguard attack coverage --format navigator --output coverage-layer.json`,
    );

  attack
    .command('import')
    .description('Load the official ATT&CK STIX bundle and save its catalogue in the data directory')
    .argument(
      '<file>',
      'STIX 2.x bundle, e.g. enterprise-attack.json from github.com/mitre-attack/attack-stix-data (.gz too)',
    )
    .option(
      '--data-dir <dir>',
      'where to save attack-catalogue.json (default: $BALLOTGUARD_DATA_DIR, else $XDG_DATA_HOME/ballotguard, else ~/.local/share/ballotguard)',
    )
    .option('--format <format>', 'table|json', 'table')
    .option('-v, --verbose', 'print every skipped object, not the first few of each kind')
    .addHelpText(
      'after',
      `
Examples:
  $ ballotguard attack import enterprise-attack.json
  $ BALLOTGUARD_DATA_DIR=/var/lib/ballotguard ballotguard attack import enterprise-attack-18.1.json --format json

Exit status: 0 imported (skipped objects are reported on stderr); 1 the file is not a usable bundle; 2 usage error.`,
    )
    .action(
      async (
        file: string,
        flags: { dataDir?: string; format: string; verbose?: boolean },
        command: Command,
      ) => {
        const format = pick(flags.format, ['table', 'json'] as const, '--format');
        const reporter = new IssueReporter(
          (text) => process.stderr.write(text),
          flags.verbose ? Infinity : 5,
        );
        const loaded = await loadAttackBundle(file);
        for (const issue of loaded.issues) reporter.report(issue);
        const path = saveCatalogue(loaded.catalogue, dataDirOf(flags));
        const catalogue = loaded.catalogue;
        const techniques = catalogue.techniques.filter(
          (t) => !t.subtechnique && !t.revoked && !t.deprecated,
        ).length;
        const subtechniques = catalogue.techniques.filter(
          (t) => t.subtechnique && !t.revoked && !t.deprecated,
        ).length;
        const summary = {
          path,
          name: catalogue.name,
          domain: catalogue.domain,
          attackVersion: catalogue.attackVersion,
          ...(catalogue.specVersion !== undefined ? { specVersion: catalogue.specVersion } : {}),
          sha256: catalogue.source.sha256,
          tactics: catalogue.tactics.length,
          techniques,
          subtechniques,
          revokedOrDeprecated: catalogue.techniques.length - techniques - subtechniques,
          groups: catalogue.groups.filter((group) => !group.revoked && !group.deprecated).length,
          software: catalogue.software.filter((software) => !software.revoked && !software.deprecated).length,
          campaigns: catalogue.campaigns.filter((campaign) => !campaign.revoked && !campaign.deprecated)
            .length,
          groupTechniqueUses: catalogue.groups.reduce((sum, group) => sum + group.techniques.length, 0),
          objects: loaded.stats.objects,
          skipped: loaded.stats.invalid,
          ignoredByType: loaded.stats.ignoredByType,
        };
        if (format === 'json') process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
        else {
          process.stdout.write(
            `Imported ${catalogue.name} ${catalogue.attackVersion} (${catalogue.domain}) from ${file}\n` +
              `  ${summary.tactics} tactics, ${formatCount(techniques)} techniques, ${formatCount(subtechniques)} sub-techniques` +
              ` (+${summary.revokedOrDeprecated} revoked or deprecated)\n` +
              `  ${summary.groups} groups (${formatCount(summary.groupTechniqueUses)} technique uses), ${summary.software} software, ${summary.campaigns} campaigns\n` +
              `  ${formatCount(summary.objects)} objects read, ${summary.skipped} skipped\n` +
              `Saved to ${path}\n`,
          );
        }
        const hidden = reporter.summary();
        if (hidden !== undefined) process.stderr.write(`${hidden}\n`);
        command.setOptionValue('exitCode', EXIT.ok);
      },
    );

  attack
    .command('show')
    .description('Show a technique, tactic, group, software or campaign by ATT&CK ID (or tactic name)')
    .argument(
      '<id>',
      'T1059.001, TA0002, execution, G0007, S0002, C0001 (or a Sigma tag like attack.t1059.001)',
    )
    .option('--attack <file>', 'use this catalogue or STIX bundle instead of the imported one')
    .option('--data-dir <dir>', 'data directory holding the imported catalogue')
    .option('--format <format>', 'table|json', 'table')
    .addHelpText(
      'after',
      `
Examples:
  $ ballotguard attack show T1059.001
  $ ballotguard attack show credential-access
  $ ballotguard attack show G0007 --format json

Exit status: 0 found; 1 not in the catalogue (or none imported); 2 usage error.`,
    )
    .action(async (id: string, flags: CatalogueFlags & { format: string }, command: Command) => {
      const format = pick(flags.format, ['table', 'json'] as const, '--format');
      const reporter = new IssueReporter((text) => process.stderr.write(text), 5);
      const { index } = await catalogueFor(flags, reporter);
      const found = lookup(id, index);
      if (found === undefined) {
        process.stderr.write(
          `ballotguard: ${id} is not ${index.loaded ? 'in the loaded ATT&CK catalogue' : 'a known tactic, and no catalogue is imported'}\n`,
        );
        command.setOptionValue('exitCode', EXIT.failure);
        return;
      }
      process.stdout.write(
        format === 'json' ? `${JSON.stringify(found.data, null, 2)}\n` : `${found.text}\n`,
      );
      command.setOptionValue('exitCode', EXIT.ok);
    });

  attack
    .command('coverage')
    .description('ATT&CK coverage of a rule set: rules per technique, uncovered techniques, Navigator layer')
    .option('--rules <path>', 'Sigma rule file or folder (repeatable)', collect)
    .option('--no-builtin', 'do not include the built-in rule pack (rules/)')
    .option('--mapping <file>', 'extra logsource/field mapping pipeline (repeatable)', collect)
    .option('--placeholders <file>', 'YAML file of values for %placeholders%')
    .option('--format <format>', 'table|json|csv|navigator', 'table')
    .option('--output <file>', 'write to FILE instead of stdout')
    .option('--uncovered', 'table: also list the techniques no rule covers')
    .option('--attack <file>', 'use this catalogue or STIX bundle instead of the imported one')
    .option('--data-dir <dir>', 'data directory holding the imported catalogue')
    .option('--no-cache', 'parse every rule file again instead of using the parsed-rule cache')
    .addHelpText(
      'after',
      `
Counting: a rule counts for each technique it is tagged with (attack.t1003.001); a technique also counts
the rules of its sub-techniques (each rule once), not the other way round. Only rules that compile count.

Examples:
  $ ballotguard attack coverage
  $ ballotguard attack coverage --rules ../sigma/rules/windows --no-builtin --uncovered
  $ ballotguard attack coverage --format navigator --output layer.json   # open in ATT&CK Navigator

Exit status: 0 report written; 1 no rule could be loaded; 2 usage error.`,
    )
    .action(
      async (
        flags: CatalogueFlags & {
          rules?: string[];
          builtin: boolean;
          mapping?: string[];
          placeholders?: string;
          format: string;
          output?: string;
          uncovered?: boolean;
          cache: boolean;
        },
        command: Command,
      ) => {
        const format = pick(flags.format, ['table', 'json', 'csv', 'navigator'] as const, '--format');
        const reporter = new IssueReporter((text) => process.stderr.write(text), 5);
        const prepared = await prepareRules(
          {
            builtin: flags.builtin,
            cache: flags.cache,
            ...(flags.rules ? { rules: flags.rules } : {}),
            ...(flags.mapping ? { mapping: flags.mapping } : {}),
            ...(flags.placeholders !== undefined ? { placeholders: flags.placeholders } : {}),
          },
          reporter.report,
        );
        for (const issue of prepared.loaded.issues) reporter.report(issue);
        const compiled = compileRules(prepared.loaded.sources, {
          mapping: prepared.mapping,
          placeholders: prepared.placeholders,
          retainDocuments: false,
        });
        for (const issue of compiled.issues) if (issue.severity === 'error') reporter.report(issue);
        const failed =
          prepared.loaded.issues.filter((issue: Issue) => issue.severity === 'error').length +
          compiled.failed.length;
        if (failed > 0)
          process.stderr.write(`ballotguard: ${failed} rule(s) failed to load and are not counted\n`);
        if (compiled.rules.length === 0) {
          process.stderr.write('ballotguard: no rule could be loaded\n');
          command.setOptionValue('exitCode', EXIT.failure);
          return;
        }
        const { index } = await catalogueFor(flags, reporter);
        const report = computeCoverage(compiled.rules, index);
        const output = openOutput(flags.output);
        if (format === 'json') output.write(`${JSON.stringify(report, null, 2)}\n`);
        else if (format === 'navigator')
          output.write(`${JSON.stringify(navigatorLayer(report, { generator: generator() }), null, 2)}\n`);
        else if (format === 'csv') output.write(coverageCsv(report, index));
        else
          output.write(coverageTable(report, index, flags.uncovered === true, colourEnabled(output.stream)));
        await output.close();
        const hidden = reporter.summary();
        if (hidden !== undefined) process.stderr.write(`${hidden}\n`);
        command.setOptionValue('exitCode', EXIT.ok);
      },
    );
  return attack;
}

// --- show -------------------------------------------------------------------------------------------

function lookup(raw: string, index: AttackIndex): { data: unknown; text: string } | undefined {
  const tag = parseAttackTag(raw.toLowerCase().startsWith('attack.') ? raw : `attack.${raw}`);
  const key = tag === undefined ? raw : tag.kind === 'tactic' ? tag.key : tag.id;
  const lines = (entries: [string, string | undefined][]): string =>
    entries
      .filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '')
      .map(([label, value]) => `${`${label}:`.padEnd(14)}${value}`)
      .join('\n');
  const flags = (item: { deprecated: boolean; revoked: boolean; revokedBy?: string }): string | undefined =>
    item.revoked
      ? `revoked${item.revokedBy !== undefined ? ` (replaced by ${item.revokedBy})` : ''}`
      : item.deprecated
        ? 'deprecated'
        : undefined;
  switch (tag?.kind) {
    case 'technique': {
      const technique = index.technique(key);
      if (technique === undefined) return undefined;
      const subs = index.subtechniquesOf(technique.id);
      const groups = index.groupsUsing(technique.id);
      const tactics = technique.tactics.map((shortname) => {
        const tactic = index.tactic(shortname);
        return tactic === undefined ? shortname : `${tactic.name} (${tactic.id})`;
      });
      const parent = technique.parent !== undefined ? index.technique(technique.parent) : undefined;
      return {
        data: {
          ...technique,
          subtechniques: subs.map((sub) => sub.id),
          groups: groups.map((group) => group.id),
        },
        text: lines([
          ['Technique', `${technique.id} ${technique.name}`],
          ['Status', flags(technique)],
          ['Parent', parent !== undefined ? `${parent.id} ${parent.name}` : technique.parent],
          ['Tactics', tactics.join(', ')],
          ['Platforms', technique.platforms.join(', ')],
          [
            'Sub-techniques',
            subs.map((sub: AttackTechnique) => `${sub.id} ${sub.name}`).join('\n              '),
          ],
          [
            'Groups',
            groups.length === 0
              ? undefined
              : `${groups.length}: ${groups
                  .slice(0, 12)
                  .map((group) => `${group.name} (${group.id})`)
                  .join(', ')}${groups.length > 12 ? ', …' : ''}`,
          ],
          ['URL', technique.url],
        ]),
      };
    }
    case 'tactic': {
      const tactic = index.tactic(key);
      if (tactic === undefined) return undefined;
      const techniques = index
        .activeTechniques()
        .filter((technique) => !technique.subtechnique && technique.tactics.includes(tactic.shortname));
      return {
        data: { ...tactic, techniques: techniques.map((technique) => technique.id) },
        text: lines([
          ['Tactic', `${tactic.id} ${tactic.name} (${tactic.shortname})`],
          ['Matrix order', String(tactic.order + 1)],
          ['Techniques', index.loaded ? String(techniques.length) : undefined],
          ['URL', tactic.url],
        ]),
      };
    }
    case 'group': {
      const group = index.group(key);
      if (group === undefined) return undefined;
      return {
        data: group,
        text: lines([
          ['Group', `${group.id} ${group.name}`],
          ['Status', flags(group)],
          ['Aliases', group.aliases.join(', ')],
          ['Techniques', `${group.techniques.length}: ${group.techniques.join(', ')}`],
          ['Software', group.software.map((id) => `${index.software(id)?.name ?? id} (${id})`).join(', ')],
          ['URL', group.url],
        ]),
      };
    }
    case 'software': {
      const software = index.software(key);
      if (software === undefined) return undefined;
      return {
        data: software,
        text: lines([
          ['Software', `${software.id} ${software.name} (${software.type})`],
          ['Status', flags(software)],
          ['Aliases', software.aliases.join(', ')],
          ['Platforms', software.platforms.join(', ')],
          ['Techniques', `${software.techniques.length}: ${software.techniques.join(', ')}`],
          ['URL', software.url],
        ]),
      };
    }
    case 'campaign': {
      const campaign = index.campaign(key);
      if (campaign === undefined) return undefined;
      return {
        data: campaign,
        text: lines([
          ['Campaign', `${campaign.id} ${campaign.name}`],
          ['Aliases', campaign.aliases.join(', ')],
          [
            'Seen',
            campaign.firstSeen !== undefined
              ? `${campaign.firstSeen} – ${campaign.lastSeen ?? '?'}`
              : undefined,
          ],
          ['Groups', campaign.groups.map((id) => `${index.group(id)?.name ?? id} (${id})`).join(', ')],
          ['Techniques', `${campaign.techniques.length}: ${campaign.techniques.join(', ')}`],
          ['URL', campaign.url],
        ]),
      };
    }
    default:
      return undefined;
  }
}

// --- coverage output --------------------------------------------------------------------------------

function fit(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
}

function tacticNames(shortnames: readonly string[], index: AttackIndex): string {
  return shortnames.map((shortname) => index.tactic(shortname)?.name ?? shortname).join(', ');
}

function coverageTable(
  report: CoverageReport,
  index: AttackIndex,
  uncovered: boolean,
  colour: boolean,
): string {
  const out: string[] = [];
  out.push(paint(colour, 'bold', `${fit('Technique', 11)} ${fit('Name', 40)} ${fit('Tactics', 34)} Rules`));
  for (const entry of report.techniques) {
    const count =
      entry.viaSubtechniques.length > 0
        ? `${entry.count} (${entry.viaSubtechniques.length} via sub)`
        : String(entry.count);
    out.push(
      `${fit(entry.id, 11)} ${fit(entry.name ?? '', 40)} ${fit(tacticNames(entry.tactics, index), 34)} ${count}`,
    );
  }
  out.push('');
  const totals = report.totals;
  if (report.attack !== undefined) {
    const percent = (part: number, whole: number): string =>
      whole === 0 ? '0' : ((100 * part) / whole).toFixed(1);
    out.push(
      `${report.rules} rule(s) cover ${totals.coveredTechniques}/${totals.techniques} techniques (${percent(totals.coveredTechniques, totals.techniques)}%) ` +
        `and ${totals.coveredSubtechniques}/${totals.subtechniques} sub-techniques of ATT&CK ${report.attack.version}.`,
    );
    out.push('By tactic:');
    for (const tactic of report.tactics)
      out.push(
        `  ${fit(tactic.name ?? tactic.shortname, 22)} ${String(tactic.covered).padStart(3)}/${tactic.techniques}`,
      );
  } else out.push(`${report.rules} rule(s) tag ${report.techniques.length} technique(s).`);
  if (report.untagged.length > 0) out.push(`${report.untagged.length} rule(s) have no ATT&CK technique tag.`);
  for (const { rule, tag } of report.unknownTags)
    out.push(`rule ${rule}: tag ${tag} is not in the catalogue`);
  for (const { rule, tag, to } of report.remapped)
    out.push(`rule ${rule}: ${tag} is revoked; counted for ${to}`);
  if (uncovered && report.attack !== undefined) {
    out.push('', paint(colour, 'bold', 'Uncovered techniques:'));
    for (const entry of report.uncovered.filter((technique) => !technique.subtechnique))
      out.push(`${fit(entry.id, 11)} ${fit(entry.name, 40)} ${tacticNames(entry.tactics, index)}`);
  }
  return `${out.join('\n')}\n`;
}

function coverageCsv(report: CoverageReport, index: AttackIndex): string {
  const rows = ['technique_id,name,tactics,subtechnique,rules,via_subtechniques,count,rule_titles'];
  const covered = report.techniques.map((entry) => ({
    id: entry.id,
    name: entry.name ?? '',
    tactics: entry.tactics,
    subtechnique: entry.subtechnique,
    rules: entry.rules.length,
    via: entry.viaSubtechniques.length,
    count: entry.count,
    titles: [...entry.rules, ...entry.viaSubtechniques].map((rule) => rule.title).join('; '),
  }));
  const missing = report.uncovered.map((entry) => ({
    id: entry.id,
    name: entry.name,
    tactics: entry.tactics,
    subtechnique: entry.subtechnique,
    rules: 0,
    via: 0,
    count: 0,
    titles: '',
  }));
  for (const row of [...covered, ...missing].sort((a, b) => a.id.localeCompare(b.id)))
    rows.push(
      [
        row.id,
        csvField(row.name),
        csvField(tacticNames(row.tactics, index)),
        String(row.subtechnique),
        String(row.rules),
        String(row.via),
        String(row.count),
        csvField(row.titles),
      ].join(','),
    );
  return `${rows.join('\n')}\n`;
}
