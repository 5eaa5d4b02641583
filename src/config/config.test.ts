import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../issues.js';
import { loadConfig } from './config.js';

function file(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'bg-config-'));
  const path = join(dir, 'ballotguard.yaml');
  writeFileSync(path, text);
  return path;
}

describe('loadConfig', () => {
  it('reads hunt defaults and resolves paths relative to the file', () => {
    const path = file(
      'hunt:\n  rules: [rules, /abs/rules]\n  placeholders: p.yml\n  minLevel: high\n  threads: 2\n',
    );
    const config = loadConfig(path);
    expect(config.hunt?.rules?.[0]).toBe(join(path, '..', 'rules'));
    expect(config.hunt?.rules?.[1]).toBe('/abs/rules');
    expect(config.hunt?.placeholders).toBe(join(path, '..', 'p.yml'));
    expect(config.hunt).toMatchObject({ minLevel: 'high', threads: 2 });
  });

  it('names the file and the field when the config is invalid', () => {
    expect(() => loadConfig(file('hunt:\n  minLevel: severe\n'))).toThrow(
      /ballotguard\.yaml is invalid: hunt\.minLevel/,
    );
    expect(() => loadConfig(file('hunt:\n  threds: 2\n'))).toThrow(UsageError);
    expect(() => loadConfig(file('hunt: [unclosed\n'))).toThrow(/cannot read the config file/);
  });

  it('is empty when there is no file', () => {
    expect(loadConfig(undefined)).toEqual({});
    expect(loadConfig(file(''))).toEqual({});
  });
});
