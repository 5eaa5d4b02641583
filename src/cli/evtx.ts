/** `ballotguard evtx dump FILE [--format ndjson|json|xml]` (CONTRACTS.md). */
import { Command } from 'commander';
import { formatIssue, UsageError } from '../issues.js';
import type { Issue } from '../issues.js';
import { decodeEvtxFile } from '../sources/evtx/index.js';
import type { EvtxOutput } from '../sources/evtx/index.js';
import { EXIT } from './common.js';

const DUMP_FORMATS = ['ndjson', 'json', 'xml'] as const;
type DumpFormat = (typeof DUMP_FORMATS)[number];

/** Output is gathered into pieces of about this size before each write to stdout. */
const FLUSH_BYTES = 256 * 1024;

export function evtxCommand(): Command {
  const evtx = new Command('evtx')
    .description('Read Windows event log (.evtx) files with the built-in decoder')
    .addHelpText('after', '\nExamples:\n  $ ballotguard evtx dump Security.evtx | head -1');
  evtx
    .command('dump')
    .description(
      'Decode every record of an EVTX file: JSON in the shape of evtx_dump (the Rust evtx crate), or XML',
    )
    .argument('<file>', 'the .evtx file')
    .option('--format <format>', 'ndjson (one record per line) | json (one array) | xml', 'ndjson')
    .addHelpText(
      'after',
      `
Examples:
  $ ballotguard evtx dump Security.evtx > security.ndjson
  $ ballotguard evtx dump Security.evtx --format json | jq '.[].Event.System.EventID'
  $ ballotguard evtx dump System.evtx --format xml

Damaged chunks and records are reported on stderr with the file offset, chunk and record, and skipped.
Exit status: 0 the file was read (even if some records were skipped); 1 nothing could be read; 2 usage.`,
    )
    .action(async (file: string, flags: { format: string }, command: Command) => {
      if (!(DUMP_FORMATS as readonly string[]).includes(flags.format)) {
        throw new UsageError(`unknown --format "${flags.format}"; choose one of: ${DUMP_FORMATS.join(', ')}`);
      }
      command.setOptionValue('exitCode', await dump(file, flags.format as DumpFormat));
    });
  return evtx;
}

async function dump(file: string, format: DumpFormat): Promise<number> {
  const out = new StdoutWriter();
  const output: EvtxOutput = format === 'xml' ? 'xml' : 'json';
  let first = true;
  if (format === 'json') out.write('[');
  let errors = 0;
  const onIssue = (issue: Issue): void => {
    if (issue.severity === 'error') errors++;
    process.stderr.write(`${formatIssue(issue)}\n`);
  };
  const result = await decodeEvtxFile(
    file,
    output,
    (value) => {
      if (format === 'xml') out.write(value as string);
      else if (format === 'ndjson') out.write(`${JSON.stringify(value)}\n`);
      else {
        out.write(`${first ? '\n' : ',\n'}${JSON.stringify(value)}`);
        first = false;
      }
    },
    onIssue,
    { afterBatch: () => out.drained() },
  );
  if (format === 'json') out.write(first ? ']\n' : '\n]\n');
  await out.end();
  if (result.skipped > 0) {
    process.stderr.write(
      `ballotguard: ${file}: ${result.records} records read, ${result.skipped} skipped (see the messages above)\n`,
    );
  }
  const nothingRead = !result.readable || (result.records === 0 && errors > 0);
  return nothingRead ? EXIT.failure : EXIT.ok;
}

/**
 * Buffers output and writes it to stdout in large pieces, waiting for the pipe to drain so that memory stays
 * bounded when the reader is slow; a closed pipe (e.g. `| head`) stops the output quietly.
 */
class StdoutWriter {
  private parts: string[] = [];
  private size = 0;
  private closed = false;
  private pending: Promise<void> = Promise.resolve();

  constructor() {
    process.stdout.on('error', () => {
      this.closed = true;
    });
  }

  write(text: string): void {
    if (this.closed) return;
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= FLUSH_BYTES) this.flush();
  }

  private flush(): void {
    if (this.parts.length === 0 || this.closed) return;
    const text = this.parts.join('');
    this.parts = [];
    this.size = 0;
    if (!process.stdout.write(text)) {
      this.pending = this.pending.then(
        () => new Promise<void>((resolve) => process.stdout.once('drain', resolve)),
      );
    }
  }

  /** Resolves once everything handed to stdout so far has been taken by the pipe. */
  async drained(): Promise<void> {
    const pending = this.pending;
    this.pending = Promise.resolve();
    await pending;
  }

  async end(): Promise<void> {
    this.flush();
    await this.drained();
  }
}
