import { describe, expect, it } from 'vitest';
import { compileText, detectorFor, securityEvent, sysmonEvent } from '../../../test/helpers/engine.js';

const PROCESS_RULE = (selection: string, condition = 'selection'): string => `title: Shell from IIS
id: 22222222-2222-4222-8222-222222222222
logsource: { category: process_creation, product: windows }
detection:
${selection}
  condition: ${condition}
level: high
`;

describe('logsource variants', () => {
  it('process_creation runs on Sysmon 1 and on Security 4688 with renamed fields', () => {
    const detector = detectorFor(
      PROCESS_RULE("  selection:\n    ParentImage|endswith: '\\w3wp.exe'\n    Image|endswith: '\\cmd.exe'"),
    );
    expect(
      detector.matchEvent(sysmonEvent(1, { ParentImage: 'C:\\w\\w3wp.exe', Image: 'C:\\Windows\\cmd.exe' })),
    ).toHaveLength(1);
    expect(
      detector.matchEvent(
        securityEvent(4688, { ParentProcessName: 'C:\\w\\w3wp.exe', NewProcessName: 'C:\\Windows\\cmd.exe' }),
      ),
    ).toHaveLength(1);
    // Right fields, wrong event: Sysmon 3 is network_connection.
    expect(
      detector.matchEvent(sysmonEvent(3, { ParentImage: 'C:\\w\\w3wp.exe', Image: 'C:\\Windows\\cmd.exe' })),
    ).toHaveLength(0);
    // No Windows channel: a process_creation rule does not apply to arbitrary JSON.
    expect(
      detector.matchEvent({ ParentImage: 'C:\\w\\w3wp.exe', Image: 'C:\\Windows\\cmd.exe' }),
    ).toHaveLength(0);
  });

  it('keeps the 4688 variant when a field 4688 lacks is only read positively', () => {
    const detector = detectorFor(
      PROCESS_RULE("  selection:\n    - Image|endswith: '\\bcp.exe'\n    - OriginalFileName: BCP.EXE"),
    );
    expect(detector.matchEvent(securityEvent(4688, { NewProcessName: 'C:\\sql\\bcp.exe' }))).toHaveLength(1);
  });

  it('drops the 4688 variant when such a field sits under a negation (it would always pass)', () => {
    const rule = PROCESS_RULE(
      "  selection:\n    Image|endswith: '\\bcp.exe'\n  filter:\n    OriginalFileName: BCP.EXE",
      'selection and not filter',
    );
    const detector = detectorFor(rule);
    expect(detector.matchEvent(securityEvent(4688, { NewProcessName: 'C:\\sql\\bcp.exe' }))).toHaveLength(0);
    expect(
      detector.matchEvent(sysmonEvent(1, { Image: 'C:\\x\\bcp.exe', OriginalFileName: 'evil.exe' })),
    ).toHaveLength(1);
    expect(
      detector.matchEvent(sysmonEvent(1, { Image: 'C:\\x\\bcp.exe', OriginalFileName: 'BCP.EXE' })),
    ).toHaveLength(0);
  });

  it('routes services to channels and warns about logsources it cannot map', () => {
    const result = compileText(`title: Odd
logsource: { product: windows, service: no-such-service }
detection:
  selection: { EventID: 1 }
  condition: selection
`);
    expect(result.rules).toHaveLength(1);
    expect(
      result.issues.some((issue) => issue.code === 'unmapped-logsource' && issue.severity === 'warning'),
    ).toBe(true);
  });
});

describe('filters (meta rules)', () => {
  const RULE = `title: Archive of register files
id: 33333333-3333-4333-8333-333333333333
logsource: { category: process_creation, product: windows }
detection:
  selection:
    Image|endswith: '\\7z.exe'
    CommandLine|contains: elector
  condition: selection
level: medium
`;
  const FILTER = `title: Nightly backup job
logsource: { category: process_creation, product: windows }
filter:
  rules: [33333333-3333-4333-8333-333333333333]
  selection:
    User|startswith: 'EC\\svc_backup'
  condition: selection
`;
  it('suppresses matches of the rules it names, and only those', () => {
    const detector = detectorFor(`${RULE}---\n${FILTER}`);
    const archive = (user: string) =>
      sysmonEvent(1, { Image: 'C:\\7z.exe', CommandLine: '7z a electors.7z', User: user });
    expect(detector.matchEvent(archive('EC\\alice'))).toHaveLength(1);
    expect(detector.matchEvent(archive('EC\\svc_backup'))).toHaveLength(0);
  });

  it('warns when the named rule is not loaded', () => {
    const result = compileText(FILTER);
    expect(result.issues.map((issue) => issue.code)).toContain('filter-target-missing');
  });
});

describe('correlation rules', () => {
  it('compile beside the rules they refer to; an unknown reference fails that correlation alone', () => {
    const result = compileText(`title: Failed logon
name: failed_logon
logsource: { product: windows, service: security }
detection: { selection: { EventID: 4625 }, condition: selection }
---
title: Brute force
correlation: { type: event_count, rules: [failed_logon], group-by: [TargetUserName], timespan: 1m, condition: { gte: 10 } }
---
title: Broken
correlation: { type: event_count, rules: [x], group-by: [TargetUserName], timespan: 1m, condition: { gte: 10 } }
`);
    expect(result.rules).toHaveLength(1);
    expect(result.correlations.map((correlation) => correlation.title)).toEqual(['Brute force']);
    expect(result.failed).toEqual([expect.objectContaining({ code: 'correlation-unknown-rule' })]);
  });
});
