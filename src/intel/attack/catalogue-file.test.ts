import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttackCatalogue } from './catalogue.js';
import {
  CatalogueFileError,
  cataloguePath,
  defaultDataDir,
  openCatalogue,
  parseCatalogue,
  saveCatalogue,
} from './catalogue-file.js';
import { loadMiniCatalogue, miniBundle } from './testing.js';

const work = mkdtempSync(join(tmpdir(), 'bg-catalogue-file-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let catalogue: AttackCatalogue;
beforeAll(async () => {
  catalogue = await loadMiniCatalogue();
});

describe('defaultDataDir', () => {
  it('prefers BALLOTGUARD_DATA_DIR, then XDG_DATA_HOME, then ~/.local/share', () => {
    expect(defaultDataDir({ BALLOTGUARD_DATA_DIR: '/srv/bg', XDG_DATA_HOME: '/xdg' })).toBe('/srv/bg');
    expect(defaultDataDir({ XDG_DATA_HOME: '/xdg' })).toBe(join('/xdg', 'ballotguard'));
    expect(defaultDataDir({})).toBe(join(homedir(), '.local', 'share', 'ballotguard'));
    expect(defaultDataDir({ BALLOTGUARD_DATA_DIR: '', XDG_DATA_HOME: '' })).toBe(
      join(homedir(), '.local', 'share', 'ballotguard'),
    );
  });
});

describe('saveCatalogue and openCatalogue', () => {
  it('saves atomically into a new folder and reads the same catalogue back', async () => {
    const dataDir = join(work, 'nested', 'data');
    const path = saveCatalogue(catalogue, dataDir);
    expect(path).toBe(cataloguePath(dataDir));
    expect(readdirSync(dataDir)).toEqual(['attack-catalogue.json']); // no temporary file left behind
    const opened = await openCatalogue({ dataDir });
    expect(opened.catalogue).toEqual(catalogue);
    expect(opened.path).toBe(path);
    // Saving again replaces the file whole.
    saveCatalogue({ ...catalogue, attackVersion: '100.0' }, dataDir);
    expect((await openCatalogue({ dataDir })).catalogue?.attackVersion).toBe('100.0');
    expect(readdirSync(dataDir)).toEqual(['attack-catalogue.json']);
  });

  it('says nothing is imported when the data folder has no catalogue', async () => {
    const opened = await openCatalogue({ dataDir: join(work, 'empty') });
    expect(opened.catalogue).toBeUndefined();
  });

  it('opens --attack FILE whether it is a saved catalogue or a STIX bundle', async () => {
    const dataDir = join(work, 'for-attack-flag');
    const saved = saveCatalogue(catalogue, dataDir);
    expect((await openCatalogue({ file: saved, dataDir: join(work, 'none') })).catalogue).toEqual(catalogue);
    const bundleFile = join(work, 'mini-bundle.json');
    writeFileSync(bundleFile, JSON.stringify(miniBundle().bundle));
    const fromBundle = await openCatalogue({ file: bundleFile, dataDir: join(work, 'none') });
    expect(fromBundle.catalogue?.techniques).toEqual(catalogue.techniques);
    await expect(openCatalogue({ file: join(work, 'nope.json'), dataDir: work })).rejects.toThrow(
      /cannot read --attack/,
    );
  });

  it('refuses a damaged catalogue, naming the field and how to fix it', async () => {
    expect(() => parseCatalogue('{"format": "ballotguard-attack-catalogue"', 'x.json')).toThrow(
      CatalogueFileError,
    );
    const broken = JSON.parse(JSON.stringify(catalogue)) as { techniques: { id: string }[] };
    broken.techniques[0]!.id = 'X1';
    expect(() => parseCatalogue(JSON.stringify(broken), 'x.json')).toThrow(
      /x\.json is not a usable ATT&CK catalogue \(techniques\.0\.id: .*\); import the bundle again/,
    );
    const dataDir = join(work, 'damaged');
    saveCatalogue(catalogue, dataDir);
    writeFileSync(cataloguePath(dataDir), '{"format": "ballotguard-attack-catalogue", "formatVersion": 99}');
    await expect(openCatalogue({ dataDir })).rejects.toThrow(/formatVersion/);
  });

  it('reports a data directory it cannot create', () => {
    const blocker = join(work, 'a-file');
    writeFileSync(blocker, 'x');
    expect(() => saveCatalogue(catalogue, join(blocker, 'sub'))).toThrow(/cannot create the data directory/);
    expect(existsSync(join(blocker, 'sub'))).toBe(false);
    expect(readFileSync(blocker, 'utf8')).toBe('x');
  });
});
