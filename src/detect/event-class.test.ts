/**
 * Routing by event class: events of a text log class (W3C, syslog, auditd …) are matched only by the rules
 * the mapping gives that class; Windows rules never see them; JSON events without a channel keep being
 * matched by every non-Windows rule, as before text sources existed.
 */
import { describe, expect, it } from 'vitest';
import { defaultMapping } from '../mapping/mapping.js';
import { parseRuleText } from '../sigma/parse/parse-rules.js';
import { Detector } from './detector.js';

function rule(id: number, logsource: string, detection: string): { path: string; text: string } {
  return {
    path: `r${id}.yml`,
    text: `title: rule ${id}
id: 00000000-0000-4000-8000-${String(id).padStart(12, '0')}
status: test
logsource:
${logsource
  .split('\n')
  .map((line) => `    ${line}`)
  .join('\n')}
detection:
${detection
  .split('\n')
  .map((line) => `    ${line}`)
  .join('\n')}
level: high
`,
  };
}

const RULES = [
  // 1: a webserver rule
  rule(1, 'category: webserver', "selection:\n    cs-uri-query|contains: '../../etc/'\ncondition: selection"),
  // 2: a Linux keyword rule (any Linux log)
  rule(2, 'product: linux', "keywords:\n    - '../../etc/'\ncondition: keywords"),
  // 3: an sshd rule
  rule(3, 'product: linux\nservice: sshd', "keywords:\n    - 'Corrupted MAC on input'\ncondition: keywords"),
  // 4: a Windows keyword rule on every Windows event
  rule(4, 'product: windows', "keywords:\n    - '../../etc/'\ncondition: keywords"),
  // 5: a webserver rule whose filter reads a field under not: the HttpProxy renames must apply
  rule(
    5,
    'category: webserver',
    'selection:\n    cs-method: POST\nfilter:\n    cs-user-agent|contains: Outlook\ncondition: selection and not filter',
  ),
  // 6: Linux process creation (Sysmon for Linux)
  rule(
    6,
    'product: linux\ncategory: process_creation',
    'selection:\n    Image|endswith: /curl\ncondition: selection',
  ),
  // 7: a rule about another product
  rule(7, 'product: aws\nservice: cloudtrail', "keywords:\n    - '../../etc/'\ncondition: keywords"),
];

const detector = new Detector({
  sources: RULES.map(({ path, text }) => ({ path, documents: parseRuleText(text, path).documents })),
  mapping: defaultMapping(),
  placeholders: [],
  minLevel: 'informational',
});

const ids = (event: Record<string, unknown>, eventClass?: string): number[] =>
  detector.matchEvent(event, eventClass).map((r) => Number(r.id.slice(-12)));

describe('routing by event class', () => {
  const traversal = { 'cs-method': 'GET', 'cs-uri-query': 'file=../../etc/passwd' };

  it('a W3C event meets webserver rules only', () => {
    expect(ids(traversal, 'w3c')).toEqual([1]);
  });

  it('a syslog event meets Linux rules only; service rules need their program', () => {
    const message = { program: 'sshd', message: 'Corrupted MAC on input; file=../../etc/passwd' };
    expect(ids(message, 'syslog')).toEqual([2, 3]);
    expect(ids({ ...message, program: 'cron' }, 'syslog')).toEqual([2]);
  });

  it('an auditd event meets the Linux keyword rule, not the sshd one', () => {
    expect(ids({ type: 'EXECVE', a0: 'cat', a1: '../../etc/passwd', program: 'sshd' }, 'auditd')).toEqual([
      2,
    ]);
  });

  it('a Windows event with the same text meets Windows rules only', () => {
    const windowsEvent = {
      Event: { System: { Channel: 'Security', EventID: 4688 }, EventData: { CommandLine: '../../etc/x' } },
    };
    expect(ids(windowsEvent)).toEqual([4]);
  });

  it('a JSON event without a channel keeps meeting every non-Windows rule', () => {
    expect(ids(traversal)).toEqual([1, 2, 7]);
  });

  it('an HttpProxy event is read through the renames, negations included', () => {
    const post = { Method: 'POST', UserAgent: 'Microsoft Office/16.0 (Outlook)' };
    expect(ids(post, 'exchange-httpproxy')).toEqual([]);
    expect(ids({ ...post, UserAgent: 'python-requests/2.25' }, 'exchange-httpproxy')).toEqual([5]);
  });

  it('Sysmon for Linux events meet Linux process_creation rules by event ID, not Windows ones', () => {
    const sysmon = (eventId: number) => ({
      Event: {
        System: { Channel: 'Linux-Sysmon/Operational', EventID: eventId },
        EventData: { Image: '/usr/bin/curl', CommandLine: '../../etc/' },
      },
    });
    expect(ids(sysmon(1), 'sysmon-linux')).toEqual([2, 6]);
    expect(ids(sysmon(3), 'sysmon-linux')).toEqual([2]);
  });

  it('a class no rule is mapped to meets no rule', () => {
    expect(ids(traversal, 'exchange-message-tracking')).toEqual([]);
  });

  it('the index reports the class buckets', () => {
    expect(detector.index.stats().buckets).toBeGreaterThan(2);
  });
});
