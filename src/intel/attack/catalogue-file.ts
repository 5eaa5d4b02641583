/**
 * Where the imported ATT&CK catalogue lives and how it is saved and read back.
 *
 * `attack import FILE` saves `attack-catalogue.json` in the data directory — `$BALLOTGUARD_DATA_DIR`, else
 * `$XDG_DATA_HOME/ballotguard`, else `~/.local/share/ballotguard` — by writing a temporary file beside it
 * and renaming it over the old one, so a reader never sees half a catalogue. Commands read it from there,
 * or from `--attack FILE`, which may name a saved catalogue or a STIX bundle (loaded on the fly).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, readSync, closeSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Issue } from '../../issues.js';
import { BallotguardError } from '../../issues.js';
import type { AttackCatalogue } from './catalogue.js';
import { CATALOGUE_FORMAT, catalogueSchema } from './catalogue.js';
import { AttackBundleError, loadAttackBundle } from './load-bundle.js';

export const CATALOGUE_FILE_NAME = 'attack-catalogue.json';

/** The hint printed when a command needs names but no catalogue has been imported. */
export const IMPORT_HINT =
  'no ATT&CK catalogue imported: showing IDs only; run `ballotguard attack import enterprise-attack.json` ' +
  '(the STIX bundle from github.com/mitre-attack/attack-stix-data) to get names';

/** The data directory for an environment (a parameter, so nothing reads the environment at import time). */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env['BALLOTGUARD_DATA_DIR'];
  if (explicit) return explicit;
  const xdg = env['XDG_DATA_HOME'];
  return join(xdg ? xdg : join(homedir(), '.local', 'share'), 'ballotguard');
}

export function cataloguePath(dataDir: string): string {
  return join(dataDir, CATALOGUE_FILE_NAME);
}

/** Writes the catalogue atomically (temporary file in the same folder, then rename). Returns its path. */
export function saveCatalogue(catalogue: AttackCatalogue, dataDir: string): string {
  const target = cataloguePath(dataDir);
  try {
    mkdirSync(dirname(target), { recursive: true });
  } catch (error) {
    throw new BallotguardError(
      'attack-catalogue-write',
      `cannot create the data directory ${dirname(target)}: ${(error as Error).message} (set BALLOTGUARD_DATA_DIR to a writable folder)`,
    );
  }
  const temporary = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    // `format` first: `openCatalogue` recognises a catalogue by its first bytes.
    writeFileSync(temporary, `${JSON.stringify(catalogue)}\n`, { mode: 0o644 });
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new BallotguardError(
      'attack-catalogue-write',
      `cannot write the ATT&CK catalogue ${target}: ${(error as Error).message}`,
    );
  }
  return target;
}

/** A saved catalogue that cannot be used (corrupt, from another format version). */
export class CatalogueFileError extends BallotguardError {
  constructor(message: string) {
    super('attack-catalogue-invalid', message);
    this.name = 'CatalogueFileError';
  }
}

/** Parses and validates saved catalogue text; errors name the file and the field. */
export function parseCatalogue(text: string, file: string): AttackCatalogue {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new CatalogueFileError(
      `${file} is not valid JSON (${(error as Error).message}); import the bundle again with \`ballotguard attack import FILE\``,
    );
  }
  const parsed = catalogueSchema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`);
    throw new CatalogueFileError(
      `${file} is not a usable ATT&CK catalogue (${problems.join('; ')}); import the bundle again with \`ballotguard attack import FILE\``,
    );
  }
  return parsed.data as AttackCatalogue;
}

function startsLikeCatalogue(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(256);
    const read = readSync(fd, head, 0, head.length, 0);
    return new RegExp(`^\\s*\\{\\s*"format"\\s*:\\s*"${CATALOGUE_FORMAT}"`).test(
      head.subarray(0, read).toString('utf8'),
    );
  } finally {
    closeSync(fd);
  }
}

export interface OpenedCatalogue {
  /** Undefined when nothing is imported and no `--attack FILE` was given. */
  readonly catalogue: AttackCatalogue | undefined;
  /** Where it came from: the saved catalogue, or the file given. */
  readonly path: string;
  /** Problems met while loading a bundle given with `--attack` (skipped objects). */
  readonly issues: readonly Issue[];
}

export interface OpenCatalogueOptions {
  /** `--attack FILE`: a saved catalogue or a STIX bundle. */
  readonly file?: string;
  readonly dataDir: string;
}

/**
 * The catalogue for a command: `--attack FILE` when given (a missing or bad file is an error), else the
 * imported one, else `catalogue: undefined` (commands then show IDs and print `IMPORT_HINT`).
 */
export async function openCatalogue(options: OpenCatalogueOptions): Promise<OpenedCatalogue> {
  if (options.file !== undefined) {
    const file = options.file;
    let isCatalogue: boolean;
    try {
      isCatalogue = startsLikeCatalogue(file);
    } catch (error) {
      throw new AttackBundleError(`cannot read --attack ${file}: ${(error as Error).message}`);
    }
    if (isCatalogue)
      return { catalogue: parseCatalogue(await readFile(file, 'utf8'), file), path: file, issues: [] };
    const loaded = await loadAttackBundle(file);
    return { catalogue: loaded.catalogue, path: file, issues: loaded.issues };
  }
  const path = cataloguePath(options.dataDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { catalogue: undefined, path, issues: [] };
    throw new CatalogueFileError(`cannot read the ATT&CK catalogue ${path}: ${(error as Error).message}`);
  }
  return { catalogue: parseCatalogue(text, path), path, issues: [] };
}
