/**
 * Builds an `AttackCatalogue` from an official MITRE ATT&CK STIX 2.x bundle (enterprise-attack.json, about
 * 50 MB), streaming: objects are framed one at a time (`BundleScanner`), parsed, validated with zod and
 * reduced to the few fields the catalogue keeps, so memory stays near the size of the catalogue.
 *
 * Objects that fail validation are skipped and reported as issues naming the object and the field; the
 * load goes on. A file that is not an ATT&CK bundle at all (not JSON, not a bundle, no techniques) is an
 * `AttackBundleError`. Gzip-compressed bundles are read as well.
 *
 * @example
 *   const { catalogue, issues } = await loadAttackBundle('enterprise-attack.json');
 *   catalogue.techniques.find((t) => t.id === 'T1059.001')?.name; // 'PowerShell'
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { z } from 'zod';
import type { Issue } from '../../issues.js';
import { BallotguardError } from '../../issues.js';
import { BundleScanner } from './bundle-scanner.js';
import type { ScannedLocation } from './bundle-scanner.js';
import type {
  AttackCampaign,
  AttackCatalogue,
  AttackGroup,
  AttackSoftware,
  AttackTactic,
  AttackTechnique,
} from './catalogue.js';
import { CATALOGUE_FORMAT, CATALOGUE_FORMAT_VERSION } from './catalogue.js';

/** The file cannot be used as an ATT&CK bundle. */
export class AttackBundleError extends BallotguardError {
  constructor(message: string) {
    super('attack-bundle-invalid', message);
    this.name = 'AttackBundleError';
  }
}

export interface BundleLoadStats {
  readonly objects: number;
  /** Objects of types the catalogue does not use (analytics, data sources, mitigations…), by type. */
  readonly ignoredByType: Readonly<Record<string, number>>;
  /** Objects skipped because they were malformed or failed validation. */
  readonly invalid: number;
  /** Relationships whose source or target is not in the bundle. */
  readonly danglingRelationships: number;
  /** Objects that repeat an ATT&CK ID already taken by a current (not revoked) object. */
  readonly duplicateIds: number;
}

export interface BundleLoadResult {
  readonly catalogue: AttackCatalogue;
  readonly issues: readonly Issue[];
  readonly stats: BundleLoadStats;
}

// --- STIX object schemas: only the fields we read; everything else passes untouched. -------------------

const externalReference = z.object({
  source_name: z.string(),
  external_id: z.string().optional(),
  url: z.string().optional(),
});

const common = {
  id: z.string().min(1),
  external_references: z.array(externalReference).optional(),
  revoked: z.boolean().optional(),
  x_mitre_deprecated: z.boolean().optional(),
  modified: z.string().optional(),
};

const attackPatternSchema = z.object({
  ...common,
  type: z.literal('attack-pattern'),
  name: z.string(),
  kill_chain_phases: z.array(z.object({ kill_chain_name: z.string(), phase_name: z.string() })).optional(),
  x_mitre_platforms: z.array(z.string()).optional(),
  x_mitre_is_subtechnique: z.boolean().optional(),
});

const tacticSchema = z.object({
  ...common,
  type: z.literal('x-mitre-tactic'),
  name: z.string(),
  x_mitre_shortname: z.string().min(1),
});

const matrixSchema = z.object({
  ...common,
  type: z.literal('x-mitre-matrix'),
  name: z.string(),
  tactic_refs: z.array(z.string()),
});

const collectionSchema = z.object({
  id: z.string(),
  type: z.literal('x-mitre-collection'),
  name: z.string().optional(),
  x_mitre_version: z.string().optional(),
  x_mitre_attack_spec_version: z.string().optional(),
});

const intrusionSetSchema = z.object({
  ...common,
  type: z.literal('intrusion-set'),
  name: z.string(),
  aliases: z.array(z.string()).optional(),
});

const softwareSchema = z.object({
  ...common,
  type: z.enum(['malware', 'tool']),
  name: z.string(),
  x_mitre_aliases: z.array(z.string()).optional(),
  x_mitre_platforms: z.array(z.string()).optional(),
});

const campaignSchema = z.object({
  ...common,
  type: z.literal('campaign'),
  name: z.string(),
  aliases: z.array(z.string()).optional(),
  first_seen: z.string().optional(),
  last_seen: z.string().optional(),
});

const relationshipSchema = z.object({
  ...common,
  type: z.literal('relationship'),
  relationship_type: z.string(),
  source_ref: z.string(),
  target_ref: z.string(),
});

const SCHEMAS = {
  'attack-pattern': attackPatternSchema,
  'x-mitre-tactic': tacticSchema,
  'x-mitre-matrix': matrixSchema,
  'x-mitre-collection': collectionSchema,
  'intrusion-set': intrusionSetSchema,
  malware: softwareSchema,
  tool: softwareSchema,
  campaign: campaignSchema,
  relationship: relationshipSchema,
} as const;

type SchemaType = keyof typeof SCHEMAS;

/** Relationship types that carry something the catalogue keeps. */
const KEPT_RELATIONSHIPS = new Set(['uses', 'revoked-by', 'attributed-to']);

// --- Accumulation -------------------------------------------------------------------------------------

interface Pending<T> {
  readonly stixId: string;
  readonly attackId: string;
  readonly url: string | undefined;
  readonly value: T;
  readonly location: Location;
}

type Location = ScannedLocation & { readonly record: number };

function attackReference(
  references: readonly z.infer<typeof externalReference>[] | undefined,
): { id: string; url: string | undefined } | undefined {
  const reference = references?.find((entry) => entry.source_name.startsWith('mitre-') && entry.external_id);
  return reference?.external_id === undefined ? undefined : { id: reference.external_id, url: reference.url };
}

function describeZodIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(object)'}: ${issue.message}`)
    .join('; ');
}

const sortedUnique = (values: Iterable<string>): string[] => [...new Set(values)].sort();

class CatalogueBuilder {
  readonly issues: Issue[] = [];
  objects = 0;
  invalid = 0;
  dangling = 0;
  duplicates = 0;
  readonly ignoredByType: Record<string, number> = {};
  private bundleType: unknown;
  private readonly techniques: Pending<z.infer<typeof attackPatternSchema>>[] = [];
  private readonly tactics: Pending<z.infer<typeof tacticSchema>>[] = [];
  private readonly matrices: { value: z.infer<typeof matrixSchema>; domain: string | undefined }[] = [];
  private collection: z.infer<typeof collectionSchema> | undefined;
  private readonly groups: Pending<z.infer<typeof intrusionSetSchema>>[] = [];
  private readonly software: Pending<z.infer<typeof softwareSchema>>[] = [];
  private readonly campaigns: Pending<z.infer<typeof campaignSchema>>[] = [];
  private readonly relationships: z.infer<typeof relationshipSchema>[] = [];
  private newestModified = '';
  private specVersion: string | undefined;

  constructor(private readonly file: string) {}

  member(key: string, text: string, location: ScannedLocation): void {
    if (key !== 'type') return;
    try {
      this.bundleType = JSON.parse(text);
    } catch {
      this.issue('error', 'attack-bad-json', `the bundle's "type" is not valid JSON`, location);
    }
  }

  element(text: string, index: number, location: ScannedLocation): void {
    this.objects++;
    const at: Location = { ...location, record: index + 1 };
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      this.invalid++;
      this.issue(
        'error',
        'attack-bad-json',
        `objects[${index}] is not valid JSON: ${(error as Error).message}`,
        at,
      );
      return;
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      this.invalid++;
      this.issue('error', 'attack-bad-object', `objects[${index}] is not a JSON object`, at);
      return;
    }
    const type = (data as { type?: unknown }).type;
    if (typeof type !== 'string') {
      this.invalid++;
      this.issue('error', 'attack-bad-object', `objects[${index}].type: expected a string`, at);
      return;
    }
    if (!(type in SCHEMAS)) {
      this.ignoredByType[type] = (this.ignoredByType[type] ?? 0) + 1;
      return;
    }
    const schemaType = type as SchemaType;
    if (
      schemaType === 'relationship' &&
      !KEPT_RELATIONSHIPS.has(String((data as { relationship_type?: unknown }).relationship_type))
    ) {
      const key = `relationship (${String((data as { relationship_type?: unknown }).relationship_type)})`;
      this.ignoredByType[key] = (this.ignoredByType[key] ?? 0) + 1;
      return;
    }
    const parsed = SCHEMAS[schemaType].safeParse(data);
    if (!parsed.success) {
      this.invalid++;
      const id = (data as { id?: unknown }).id;
      this.issue(
        'error',
        'attack-invalid-object',
        `objects[${index}] (${typeof id === 'string' ? id : type}) skipped: ${describeZodIssues(parsed.error)}`,
        at,
      );
      return;
    }
    this.accept(parsed.data, index, at);
  }

  private accept(object: z.infer<(typeof SCHEMAS)[SchemaType]>, index: number, at: Location): void {
    if ('modified' in object && object.modified !== undefined && object.modified > this.newestModified)
      this.newestModified = object.modified;
    switch (object.type) {
      case 'x-mitre-collection':
        this.collection ??= object;
        return;
      case 'x-mitre-matrix':
        this.matrices.push({ value: object, domain: attackReference(object.external_references)?.id });
        return;
      case 'relationship':
        this.relationships.push(object);
        return;
      default:
    }
    const reference = attackReference(object.external_references);
    if (reference === undefined) {
      this.invalid++;
      this.issue(
        'warning',
        'attack-no-id',
        `objects[${index}] (${object.id}) skipped: external_references has no mitre-attack external_id`,
        at,
      );
      return;
    }
    const base = {
      stixId: object.id,
      attackId: reference.id.toUpperCase(),
      url: reference.url,
      location: at,
    };
    switch (object.type) {
      case 'attack-pattern':
        if (!/^T\d{4}(\.\d{3})?$/.test(base.attackId)) {
          this.invalid++;
          this.issue(
            'error',
            'attack-invalid-object',
            `objects[${index}] (${object.id}) skipped: external_references.external_id: '${reference.id}' is not a technique ID (T1234 or T1234.001)`,
            at,
          );
          return;
        }
        this.techniques.push({ ...base, value: object });
        return;
      case 'x-mitre-tactic':
        this.tactics.push({ ...base, value: object });
        return;
      case 'intrusion-set':
        this.groups.push({ ...base, value: object });
        return;
      case 'malware':
      case 'tool':
        this.software.push({ ...base, value: object });
        return;
      case 'campaign':
        this.campaigns.push({ ...base, value: object });
    }
  }

  noteSpecVersion(): void {
    this.specVersion = this.collection?.x_mitre_attack_spec_version;
  }

  issue(
    severity: Issue['severity'],
    code: string,
    message: string,
    at: ScannedLocation & { record?: number },
  ): void {
    this.issues.push({
      code,
      severity,
      message,
      location: {
        file: this.file,
        line: at.line,
        offset: at.offset,
        ...(at.record !== undefined ? { record: at.record } : {}),
      },
    });
  }

  /** Keeps one object per ATT&CK ID: a current one over a revoked or deprecated one. */
  private dedupe<T extends { revoked?: boolean | undefined; x_mitre_deprecated?: boolean | undefined }>(
    pending: readonly Pending<T>[],
  ): Map<string, Pending<T>> {
    const byId = new Map<string, Pending<T>>();
    const rank = (entry: Pending<T>): number =>
      (entry.value.revoked === true ? 2 : 0) + (entry.value.x_mitre_deprecated === true ? 1 : 0);
    for (const entry of pending) {
      const existing = byId.get(entry.attackId);
      if (existing === undefined) {
        byId.set(entry.attackId, entry);
        continue;
      }
      this.duplicates++;
      if (rank(entry) < rank(existing)) byId.set(entry.attackId, entry);
    }
    return byId;
  }

  build(source: AttackCatalogue['source']): BundleLoadResult {
    if (this.bundleType !== undefined && this.bundleType !== 'bundle')
      throw new AttackBundleError(
        `${this.file} is not a STIX bundle: "type" is ${JSON.stringify(this.bundleType)}, expected "bundle"`,
      );
    if (this.objects === 0)
      throw new AttackBundleError(`${this.file} has no "objects" array: is it a STIX bundle?`);
    this.noteSpecVersion();
    const techniqueMap = this.dedupe(this.techniques);
    if (techniqueMap.size === 0)
      throw new AttackBundleError(
        `${this.file} has ${this.objects} objects but no ATT&CK techniques (attack-pattern objects with a mitre-attack ID): is it an ATT&CK bundle?`,
      );
    const stixToAttack = new Map<string, string>();
    const register = (entries: Iterable<Pending<unknown>>): void => {
      for (const entry of entries) stixToAttack.set(entry.stixId, entry.attackId);
    };
    // Every object, including duplicates, so relationships to a replaced object still resolve.
    register(this.techniques);
    register(this.groups);
    register(this.software);
    register(this.campaigns);

    const uses = new Map<string, Set<string>>();
    const revokedBy = new Map<string, string>();
    const attributed = new Map<string, Set<string>>();
    const add = (map: Map<string, Set<string>>, key: string, value: string): void => {
      const set = map.get(key) ?? new Set<string>();
      set.add(value);
      map.set(key, set);
    };
    for (const relationship of this.relationships) {
      if (relationship.revoked === true || relationship.x_mitre_deprecated === true) continue;
      const source = stixToAttack.get(relationship.source_ref);
      const target = stixToAttack.get(relationship.target_ref);
      if (source === undefined || target === undefined) {
        // Relationships to objects the catalogue does not keep (e.g. mitigations) are not dangling.
        const kept = /^(attack-pattern|intrusion-set|malware|tool|campaign)--/;
        if (kept.test(relationship.source_ref) && kept.test(relationship.target_ref)) this.dangling++;
        continue;
      }
      if (relationship.relationship_type === 'uses') add(uses, source, target);
      else if (relationship.relationship_type === 'revoked-by') revokedBy.set(source, target);
      else add(attributed, source, target);
    }
    const used = (id: string, pattern: RegExp): string[] =>
      sortedUnique([...(uses.get(id) ?? [])].filter((target) => pattern.test(target)));
    const TECHNIQUE = /^T\d/;
    const SOFTWARE = /^S\d/;
    const optional = <K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> =>
      (value === undefined ? {} : { [key]: value }) as Partial<Record<K, string>>;

    const tactics = this.orderedTactics();
    const knownTactics = new Set(tactics.map((tactic) => tactic.shortname));
    const domain = this.domain();
    const techniques: AttackTechnique[] = [...techniqueMap.values()].map((entry) => {
      const object = entry.value;
      const phases = (object.kill_chain_phases ?? []).filter((phase) =>
        phase.kill_chain_name.startsWith('mitre-'),
      );
      const parent = entry.attackId.includes('.')
        ? entry.attackId.slice(0, entry.attackId.indexOf('.'))
        : undefined;
      for (const phase of phases)
        if (!knownTactics.has(phase.phase_name) && object.revoked !== true)
          this.issue(
            'warning',
            'attack-unknown-tactic',
            `${entry.attackId} names tactic '${phase.phase_name}', which the matrix does not list`,
            entry.location,
          );
      return {
        id: entry.attackId,
        name: object.name,
        tactics: [...new Set(phases.map((phase) => phase.phase_name))],
        platforms: object.x_mitre_platforms ?? [],
        ...optional('url', entry.url),
        subtechnique: parent !== undefined,
        ...optional('parent', parent),
        deprecated: object.x_mitre_deprecated === true,
        revoked: object.revoked === true,
        ...optional('revokedBy', revokedBy.get(entry.attackId)),
      };
    });
    techniques.sort((a, b) => a.id.localeCompare(b.id));

    const groups: AttackGroup[] = [...this.dedupe(this.groups).values()].map((entry) => ({
      id: entry.attackId,
      name: entry.value.name,
      aliases: (entry.value.aliases ?? []).filter((alias) => alias !== entry.value.name),
      ...optional('url', entry.url),
      techniques: used(entry.attackId, TECHNIQUE),
      software: used(entry.attackId, SOFTWARE),
      deprecated: entry.value.x_mitre_deprecated === true,
      revoked: entry.value.revoked === true,
      ...optional('revokedBy', revokedBy.get(entry.attackId)),
    }));
    groups.sort((a, b) => a.id.localeCompare(b.id));

    const software: AttackSoftware[] = [...this.dedupe(this.software).values()].map((entry) => ({
      id: entry.attackId,
      name: entry.value.name,
      type: entry.value.type,
      aliases: (entry.value.x_mitre_aliases ?? []).filter((alias) => alias !== entry.value.name),
      platforms: entry.value.x_mitre_platforms ?? [],
      ...optional('url', entry.url),
      techniques: used(entry.attackId, TECHNIQUE),
      deprecated: entry.value.x_mitre_deprecated === true,
      revoked: entry.value.revoked === true,
      ...optional('revokedBy', revokedBy.get(entry.attackId)),
    }));
    software.sort((a, b) => a.id.localeCompare(b.id));

    const campaigns: AttackCampaign[] = [...this.dedupe(this.campaigns).values()].map((entry) => ({
      id: entry.attackId,
      name: entry.value.name,
      aliases: (entry.value.aliases ?? []).filter((alias) => alias !== entry.value.name),
      ...optional('url', entry.url),
      ...optional('firstSeen', entry.value.first_seen),
      ...optional('lastSeen', entry.value.last_seen),
      techniques: used(entry.attackId, TECHNIQUE),
      software: used(entry.attackId, SOFTWARE),
      groups: sortedUnique(attributed.get(entry.attackId) ?? []),
      deprecated: entry.value.x_mitre_deprecated === true,
      revoked: entry.value.revoked === true,
    }));
    campaigns.sort((a, b) => a.id.localeCompare(b.id));

    const attackVersion = this.collection?.x_mitre_version ?? this.newestModified.slice(0, 10);
    const catalogue: AttackCatalogue = {
      format: CATALOGUE_FORMAT,
      formatVersion: CATALOGUE_FORMAT_VERSION,
      domain,
      attackVersion: attackVersion === '' ? 'unknown' : attackVersion,
      ...optional('specVersion', this.specVersion),
      name: this.collection?.name ?? this.matrices[0]?.value.name ?? 'ATT&CK',
      source,
      tactics,
      techniques,
      groups,
      software,
      campaigns,
    };
    return {
      catalogue,
      issues: this.issues,
      stats: {
        objects: this.objects,
        ignoredByType: this.ignoredByType,
        invalid: this.invalid,
        danglingRelationships: this.dangling,
        duplicateIds: this.duplicates,
      },
    };
  }

  private domain(): string {
    return this.matrices[0]?.domain ?? 'enterprise-attack';
  }

  /**
   * Tactics in the order of the matrix's `tactic_refs`. Without a matrix (a partial bundle), tactics keep
   * the order of the ATT&CK IDs, and a warning says so.
   */
  private orderedTactics(): AttackTactic[] {
    const byStix = new Map([...this.dedupe(this.tactics).values()].map((entry) => [entry.stixId, entry]));
    const ordered: Pending<z.infer<typeof tacticSchema>>[] = [];
    const matrix = this.matrices.find((entry) => entry.value.x_mitre_deprecated !== true)?.value;
    if (matrix !== undefined) {
      for (const ref of matrix.tactic_refs) {
        const tactic = byStix.get(ref);
        if (tactic !== undefined) {
          ordered.push(tactic);
          byStix.delete(ref);
        } else
          this.issue(
            'warning',
            'attack-dangling-ref',
            `the matrix lists tactic ${ref}, which the bundle does not contain`,
            { line: 1, offset: 0 },
          );
      }
    } else if (byStix.size > 0)
      this.issue(
        'warning',
        'attack-no-matrix',
        'the bundle has no x-mitre-matrix object: tactics are ordered by their IDs',
        { line: 1, offset: 0 },
      );
    ordered.push(...[...byStix.values()].sort((a, b) => a.attackId.localeCompare(b.attackId)));
    return ordered.map((entry, order) => ({
      id: entry.attackId,
      shortname: entry.value.x_mitre_shortname,
      name: entry.value.name,
      ...(entry.url !== undefined ? { url: entry.url } : {}),
      order,
    }));
  }
}

/** Most bundle objects are a few KB; the x-mitre-collection lists every object (a few MB). */
const MAX_OBJECT_BYTES = 64 * 1024 * 1024;

/**
 * Reads and reduces a STIX bundle. Throws `AttackBundleError` when the file is unusable as a whole;
 * per-object problems come back as issues. `now` stamps `source.importedAt`.
 */
export async function loadAttackBundle(file: string, now: Date = new Date()): Promise<BundleLoadResult> {
  let bytes: number;
  try {
    const info = await stat(file);
    if (info.isDirectory()) throw new AttackBundleError(`${file} is a folder, not a STIX bundle file`);
    bytes = info.size;
  } catch (error) {
    if (error instanceof AttackBundleError) throw error;
    throw new AttackBundleError(`cannot read the ATT&CK bundle ${file}: ${(error as Error).message}`);
  }
  const builder = new CatalogueBuilder(file);
  let fatal: string | undefined;
  const scanner = new BundleScanner(
    {
      onElement: (text, index, location) => builder.element(text, index, location),
      onMember: (key, text, location) => builder.member(key, text, location),
      onError: (message, location, recoverable) => {
        if (recoverable) builder.issue('error', 'attack-object-too-large', message, location);
        else fatal ??= `line ${location.line} (offset ${location.offset}): ${message}`;
      },
    },
    { maxElementBytes: MAX_OBJECT_BYTES, maxMemberBytes: 1024 * 1024 },
  );
  const hash = createHash('sha256');
  try {
    await readInto(file, (chunk) => {
      hash.update(chunk);
      scanner.push(chunk);
    });
  } catch (error) {
    throw new AttackBundleError(`cannot read the ATT&CK bundle ${file}: ${(error as Error).message}`);
  }
  scanner.end();
  // A truncated or malformed document would give a silently partial catalogue: refuse it whole.
  if (fatal !== undefined) throw new AttackBundleError(`${file} is not a readable STIX bundle: ${fatal}`);
  return builder.build({ file, sha256: hash.digest('hex'), bytes, importedAt: now.toISOString() });
}

/** Streams the file's bytes (decompressing gzip, recognised by its magic number) into `consume`. */
async function readInto(file: string, consume: (chunk: Buffer) => void): Promise<void> {
  const head = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    createReadStream(file, { start: 0, end: 1 })
      .on('data', (chunk) => chunks.push(chunk as Buffer))
      .on('end', () => resolve(Buffer.concat(chunks)))
      .on('error', reject);
  });
  const gzipped = head.length === 2 && head[0] === 0x1f && head[1] === 0x8b;
  const raw = createReadStream(file, { highWaterMark: 1024 * 1024 });
  const stream = gzipped ? raw.pipe(createGunzip()) : raw;
  if (gzipped) raw.on('error', (error) => stream.destroy(error));
  for await (const chunk of stream) consume(chunk as Buffer);
}
