/** Test helpers: compile rule text with the default mapping and match events through the real index. */
import { Detector } from '../../src/detect/detector.js';
import { defaultMapping } from '../../src/mapping/mapping.js';
import { compileRules } from '../../src/sigma/compile/compile-rules.js';
import type { CompiledRuleSet } from '../../src/sigma/compile/compile-rules.js';
import { parseRuleText } from '../../src/sigma/parse/parse-rules.js';

export function detectorFor(ruleText: string, placeholders: Record<string, string[]> = {}): Detector {
  const parsed = parseRuleText(ruleText, 'test.yml');
  if (parsed.issues.some((issue) => issue.severity === 'error')) {
    throw new Error(`rule does not parse: ${parsed.issues.map((issue) => issue.message).join('; ')}`);
  }
  return new Detector({
    sources: [{ path: 'test.yml', documents: parsed.documents }],
    mapping: defaultMapping(),
    placeholders: Object.entries(placeholders),
    minLevel: 'informational',
  });
}

export function compileText(ruleText: string, placeholders: Record<string, string[]> = {}): CompiledRuleSet {
  const parsed = parseRuleText(ruleText, 'test.yml');
  return compileRules([{ path: 'test.yml', documents: parsed.documents }], {
    mapping: defaultMapping(),
    placeholders: new Map(Object.entries(placeholders)),
  });
}

/** A generic (non-Windows) rule over flat events with one selection. */
export function flatRule(selection: string, condition = 'selection'): string {
  return `title: t
id: 11111111-1111-4111-8111-111111111111
logsource:
  product: test
detection:
${selection
  .split('\n')
  .map((line) => `  ${line}`)
  .join('\n')}
  condition: ${condition}
level: high
`;
}

export function matches(
  ruleText: string,
  event: Record<string, unknown>,
  placeholders: Record<string, string[]> = {},
): boolean {
  return detectorFor(ruleText, placeholders).matchEvent(event).length > 0;
}

export function sysmonEvent(
  eventId: number,
  data: Record<string, unknown>,
  computer = 'EC-WS-0001',
): Record<string, unknown> {
  return {
    Event: {
      System: {
        Provider: { '#attributes': { Name: 'Microsoft-Windows-Sysmon' } },
        EventID: eventId,
        Channel: 'Microsoft-Windows-Sysmon/Operational',
        Computer: computer,
        TimeCreated: { '#attributes': { SystemTime: '2021-08-01T10:00:00.000000Z' } },
      },
      EventData: data,
    },
  };
}

export function securityEvent(eventId: number, data: Record<string, unknown>): Record<string, unknown> {
  return {
    Event: {
      System: {
        Provider: { '#attributes': { Name: 'Microsoft-Windows-Security-Auditing' } },
        EventID: eventId,
        Channel: 'Security',
        Computer: 'EC-DC01',
        TimeCreated: { '#attributes': { SystemTime: '2021-08-01T10:00:00.000000Z' } },
      },
      EventData: data,
    },
  };
}
