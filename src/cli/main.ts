/** The `ballotguard` command: wires the subcommands and maps errors to exit codes in one place. */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../paths.js';
import { EXIT, describeError, exitCodeFor } from './common.js';
import { alertsCommand } from './alerts.js';
import { attackCommand } from './attack.js';
import { evtxCommand } from './evtx.js';
import { demoCommand } from './demo.js';
import { huntCommand } from './hunt.js';
import { incidentsCommand } from './incidents.js';
import { rulesCommand } from './rules.js';
import { scenarioCommand } from './scenario.js';
import { serveCommand } from './serve.js';
import { tokenCommand } from './token.js';

function version(): string {
  const manifest = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

export function buildProgram(): Command {
  const program = new Command('ballotguard')
    .description(
      'Ballotguard: defend election infrastructure and officials against state-sponsored intrusion',
    )
    .version(version())
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Examples:
  $ ballotguard hunt examples/logs
  $ ballotguard rules check rules/
  $ ballotguard rules test`,
    );
  program.addCommand(demoCommand());
  program.addCommand(huntCommand());
  program.addCommand(rulesCommand());
  program.addCommand(alertsCommand());
  program.addCommand(incidentsCommand());
  program.addCommand(evtxCommand());
  program.addCommand(attackCommand());
  program.addCommand(scenarioCommand());
  program.addCommand(serveCommand());
  program.addCommand(tokenCommand());
  const exitOverride = (command: Command): void => {
    command.exitOverride();
    for (const sub of command.commands) exitOverride(sub);
  };
  exitOverride(program);
  return program;
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        (error.code === 'commander.help' && error.exitCode === 0)
      )
        return EXIT.ok;
      return EXIT.usage;
    }
    process.stderr.write(`ballotguard: ${describeError(error)}\n`);
    return exitCodeFor(error);
  }
  const invoked = findInvoked(program);
  const code: unknown = invoked?.getOptionValue('exitCode');
  return typeof code === 'number' ? code : EXIT.ok;
}

function findInvoked(command: Command): Command | undefined {
  for (const sub of command.commands) {
    if (sub.getOptionValue('exitCode') !== undefined) return sub;
    const nested = findInvoked(sub);
    if (nested) return nested;
  }
  return undefined;
}
