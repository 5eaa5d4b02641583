/**
 * A folder mixing every input format hunts as one: each file is recognised by its content (the names say
 * nothing), each event meets only the rules of its kind of log, and every bad line is counted once.
 */
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Alert } from '../../src/events/event.js';
import type { Issue } from '../../src/issues.js';
import { hunt } from '../../src/detect/hunt.js';
import { defaultMapping } from '../../src/mapping/mapping.js';
import { parseRuleText } from '../../src/sigma/parse/parse-rules.js';
import { detectFormat } from '../../src/sources/registry.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bg-mixed-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** One rule per kind of log, all looking for the same text, so that the routing alone decides. */
function rules(): { path: string; documents: ReturnType<typeof parseRuleText>['documents'] }[] {
  const make = (n: number, logsource: string): string => `title: 'needle in ${logsource.replace(/\n/g, ', ')}'
id: 00000000-0000-4000-9000-00000000000${n}
status: test
logsource:
    ${logsource.replace(/\n/g, '\n    ')}
detection:
    keywords:
        - 'needle'
    condition: keywords
level: high
`;
  return [
    make(1, 'category: webserver'),
    make(2, 'product: linux\nservice: auditd'),
    make(3, 'product: linux\nservice: syslog'),
    make(4, 'product: windows'),
  ].map((text, i) => ({ path: `r${i + 1}.yml`, documents: parseRuleText(text, `r${i + 1}.yml`).documents }));
}

const FILES: Record<string, string | Buffer> = {
  // Names that give nothing away.
  a: '{"Event":{"System":{"Channel":"Security","EventID":4688},"EventData":{"CommandLine":"needle.exe"}}}\n{"msg":"no channel, nothing to see"}\n',
  b: '#Software: Microsoft Internet Information Services 10.0\n#Fields: date time cs-uri-stem cs-uri-query\n2024-03-07 09:15:02 /a q=needle\n2024-03-07 09:15:03 /b -\n',
  c: 'Mar  7 09:15:02 host app[1]: a needle\nMar  7 09:15:03 host app[1]: hay\n',
  d: 'type=EXECVE msg=audit(1709802902.113:1): argc=2 a0="grep" a1="needle"\ngarbage\n',
  e: 'TimeCreated,Channel,EventID,CommandLine\n2024-03-07T09:15:02Z,Security,4688,needle.exe\n2024-03-07T09:15:03Z,,,needle\n',
  f: gzipSync('<13>1 2024-03-07T09:15:02Z host app - - - needle in gzip\n'),
  g: '#Software: Microsoft Exchange Server\n#Log-type: Message Tracking Log\n#Fields: date-time,message-subject\n2024-03-07T09:15:02Z,needle\n',
};

describe('a folder of mixed formats', () => {
  test('each file is detected by content and each event meets the rules of its kind', async () => {
    const root = join(dir, 'case');
    await mkdir(root);
    for (const [name, content] of Object.entries(FILES)) {
      const path = join(root, name);
      await writeFile(path, content);
      await utimes(path, new Date(Date.UTC(2024, 2, 8)), new Date(Date.UTC(2024, 2, 8)));
    }
    const formats = await Promise.all(
      Object.keys(FILES).map(async (name) => {
        const r = await detectFormat(join(root, name));
        return r.ok ? r.format : r.issue.code;
      }),
    );
    expect(formats).toEqual(['ndjson', 'w3c', 'syslog', 'auditd', 'csv', 'syslog', 'csv']);

    const alerts: Alert[] = [];
    const issues: Issue[] = [];
    const documents = rules();
    const counts = await hunt({
      paths: [root],
      detector: () => ({
        sources: documents,
        mapping: defaultMapping(),
        placeholders: [],
        minLevel: 'informational',
      }),
      threads: 1,
      onAlert: (alert) => alerts.push(alert),
      onIssue: (issue) => issues.push(issue),
    });
    const got = alerts.map((a) => [
      a.source.path.slice(root.length + 1),
      a.source.line,
      a.source.format,
      a.rule.id.slice(-1),
    ]);
    expect(got).toEqual([
      ['a', 1, 'ndjson', '4'], // a Windows event: the Windows rule only
      ['b', 3, 'w3c', '1'], // a W3C line: the webserver rule only
      ['c', 1, 'syslog', '3'],
      ['d', 1, 'auditd', '2'],
      ['e', 2, 'csv', '4'], // a CSV export of Windows events is routed by its Channel column
      ['e', 3, 'csv', '1'], // ... and a row without one like any JSON event without a channel
      ['e', 3, 'csv', '2'],
      ['e', 3, 'csv', '3'],
      ['f', 1, 'syslog+gzip', '3'],
      // g: message tracking events have a class no rule is mapped to.
    ]);
    expect(counts).toMatchObject({ files: 7, events: 11, alerts: 9, skipped: 1, failedFiles: 0 });
    expect(issues.map((i) => [i.code, i.location.file.slice(root.length + 1), i.location.line])).toEqual([
      ['auditd-bad-record', 'd', 2],
    ]);
  });
});
