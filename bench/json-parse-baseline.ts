/**
 * The hunt benchmark's baseline, run as a child process like the CLI: stream an NDJSON file, split it into
 * lines and `JSON.parse` each, nothing else. Prints `{"events", "skipped", "bytes"}` on stdout.
 *
 * Usage: `node dist/bench/json-parse-baseline.js FILE`
 */
import { createReadStream } from 'node:fs';

async function main(path: string): Promise<void> {
  // TextDecoder in streaming mode is the fastest UTF-8 decoder Node offers for chunks (about twice
  // StringDecoder on non-ASCII text such as Sysmon's "Microsoft®"); the baseline should be the fast floor.
  const decoder = new TextDecoder('utf-8');
  let carry = '';
  let events = 0;
  let skipped = 0;
  let bytes = 0;
  const parseLine = (line: string): void => {
    if (line.length === 0 || line === '\r') return;
    try {
      // Keep the result observable so the parse cannot be optimised away.
      const value: unknown = JSON.parse(line);
      if (typeof value === 'object' && value !== null) events++;
      else skipped++;
    } catch {
      skipped++;
    }
  };
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const buffer = chunk as Buffer;
    bytes += buffer.length;
    const text = carry + decoder.decode(buffer, { stream: true });
    let start = 0;
    for (let end = text.indexOf('\n', start); end !== -1; end = text.indexOf('\n', start)) {
      parseLine(text.slice(start, end));
      start = end + 1;
    }
    carry = text.slice(start);
  }
  parseLine(carry + decoder.decode());
  process.stdout.write(`${JSON.stringify({ events, skipped, bytes })}\n`);
}

const path = process.argv[2];
if (path === undefined) {
  process.stderr.write('usage: json-parse-baseline FILE\n');
  process.exitCode = 2;
} else {
  await main(path);
}
