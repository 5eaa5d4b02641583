/**
 * Resolves a rule's `logsource` against a mapping pipeline. Pure: the same pipeline and logsource always
 * give the same resolution, and neither is changed.
 */
import { formatLocation } from '../issues.js';
import type { LogSource } from '../sigma/parse/ast.js';
import { renameTable } from './parse-mapping.js';
import type {
  ClassVariant,
  GenericVariant,
  LogsourceMatch,
  LogsourceResolution,
  LogsourceVariant,
  MappingEntry,
  MappingPipeline,
  VariantSpec,
  WindowsVariantSpec,
} from './types.js';

// Services may name services; deeper than this is a cycle in the mapping.
const MAX_SERVICE_DEPTH = 8;

const MATCH_KEYS = ['category', 'product', 'service'] as const;

/** A rule's logsource keys: lowercase, blank ones dropped. */
interface RuleKey {
  readonly category?: string;
  readonly product?: string;
  readonly service?: string;
}

function normalize(logsource: LogSource | LogsourceMatch): RuleKey {
  const out: { category?: string; product?: string; service?: string } = {};
  for (const key of MATCH_KEYS) {
    const value = logsource[key]?.trim().toLowerCase();
    if (value) out[key] = value;
  }
  return out;
}

function describe(key: RuleKey): string {
  const parts = MATCH_KEYS.filter((k) => key[k] !== undefined).map((k) => `${k}: ${key[k]}`);
  return parts.length > 0 ? `{${parts.join(', ')}}` : '{}';
}

/**
 * Enabled entries whose every key equals the logsource's (a `null` key: the logsource does not name it),
 * keeping only those that name the most keys.
 */
function bestMatches(mapping: MappingPipeline, key: RuleKey): MappingEntry[] {
  let best: MappingEntry[] = [];
  let bestSize = 0;
  for (const entry of mapping.entries) {
    if (entry.disabled) continue;
    let size = 0;
    let ok = true;
    for (const k of MATCH_KEYS) {
      const want = entry.match[k];
      if (want === undefined) continue;
      if (want === null ? key[k] !== undefined : key[k] !== want) {
        ok = false;
        break;
      }
      size++;
    }
    if (!ok || size === 0) continue;
    if (size > bestSize) {
      best = [entry];
      bestSize = size;
    } else if (size === bestSize) {
      best.push(entry);
    }
  }
  return best;
}

/**
 * A rule naming both a category and a service means the category's events from that service (an
 * intersection): `{category: process_creation, service: sysmon}` is Sysmon EID 1, not all of Sysmon. So
 * category entries win over service entries, and variants on the named service over the others.
 */
function selectVariants(
  entries: readonly MappingEntry[],
  key: RuleKey,
): { entry: MappingEntry; specs: readonly VariantSpec[] }[] {
  let chosen = entries;
  if (
    key.category !== undefined &&
    key.service !== undefined &&
    chosen.some((e) => typeof e.match.category === 'string')
  ) {
    chosen = chosen.filter((e) => typeof e.match.category === 'string');
  }
  const onService = (spec: VariantSpec) => spec.kind === 'windows' && spec.service === key.service;
  const narrow =
    key.service !== undefined &&
    chosen.some((e) => typeof e.match.service !== 'string' && e.variants.some(onService));
  return chosen.map((entry) => ({
    entry,
    specs:
      narrow && typeof entry.match.service !== 'string' ? entry.variants.filter(onService) : entry.variants,
  }));
}

function where(entry: MappingEntry): string {
  return `mapping entry "${entry.name}" (${formatLocation(entry.location)})`;
}

function serviceChannels(
  mapping: MappingPipeline,
  service: string,
  depth: number,
  warnings: string[],
): readonly string[] | undefined {
  const resolved = resolveKey(mapping, { product: 'windows', service }, depth);
  warnings.push(...resolved.warnings);
  if (resolved.kind !== 'windows') return undefined;
  return [...new Set(resolved.variants.flatMap((v) => v.channels))];
}

function buildVariant(
  mapping: MappingPipeline,
  entry: MappingEntry,
  spec: WindowsVariantSpec,
  depth: number,
  warnings: string[],
): LogsourceVariant | undefined {
  let channels = spec.channels;
  if (spec.service !== undefined) {
    if (depth >= MAX_SERVICE_DEPTH) {
      warnings.push(
        `${where(entry)}: services refer to each other in a cycle through "${spec.service}"; variant "${spec.name}" ignored`,
      );
      return undefined;
    }
    const fromService = serviceChannels(mapping, spec.service, depth + 1, warnings);
    if (fromService === undefined || fromService.length === 0) {
      warnings.push(
        `${where(entry)}: variant "${spec.name}" uses service "${spec.service}", which the mapping does not map to channels; variant ignored`,
      );
      return undefined;
    }
    channels = fromService;
  }
  const availableFields =
    spec.availableFields === undefined
      ? undefined
      : new Set([...Object.keys(spec.fieldRenames), ...spec.availableFields, ...mapping.systemFields]);
  return {
    name: `${entry.name}/${spec.name}`,
    channels,
    eventIds: spec.eventIds,
    conditions: spec.conditions,
    fieldRenames: spec.fieldRenames,
    ...(availableFields !== undefined && { availableFields }),
    location: entry.location,
  };
}

/** Merges generic variants in precedence order (later entries win a conflicting rename, with a warning). */
function mergeGeneric(
  parts: readonly { entry: MappingEntry; name: string; renames: Readonly<Record<string, string>> }[],
  warnings: string[],
): GenericVariant | undefined {
  if (parts.length === 0) return undefined;
  if (parts.length === 1 && parts[0] !== undefined)
    return { name: parts[0].name, fieldRenames: parts[0].renames };
  const renames = new Map<string, string>();
  const owner = new Map<string, MappingEntry>();
  for (const part of parts) {
    for (const [from, to] of Object.entries(part.renames)) {
      const earlier = renames.get(from);
      const earlierOwner = owner.get(from);
      if (earlier !== undefined && earlier !== to && earlierOwner !== undefined) {
        warnings.push(
          `${where(part.entry)} renames ${from} to ${to}, ${where(earlierOwner)} to ${earlier}; using ${to}`,
        );
      }
      renames.set(from, to);
      owner.set(from, part.entry);
    }
  }
  return {
    name: parts.map((p) => p.name).join(' + '),
    fieldRenames: renameTable(Object.fromEntries(renames)),
  };
}

const UNMAPPED: GenericVariant = { name: 'unmapped', fieldRenames: renameTable(undefined) };

function resolveKey(mapping: MappingPipeline, key: RuleKey, depth: number): LogsourceResolution {
  const warnings: string[] = [];
  const classes: ClassVariant[] = [];
  const productIsWindows = key.product === 'windows';
  // Channel variants describe Windows events: they cannot stand for a rule about another product.
  const windowsAllowed = key.product === undefined || productIsWindows;
  const variants: LogsourceVariant[] = [];
  const generic: { entry: MappingEntry; name: string; renames: Readonly<Record<string, string>> }[] = [];
  for (const { entry, specs } of selectVariants(bestMatches(mapping, key), key)) {
    for (const spec of specs) {
      if (spec.kind === 'generic') {
        generic.push({ entry, name: `${entry.name}/${spec.name}`, renames: spec.fieldRenames });
      } else if (spec.kind === 'class') {
        classes.push({
          name: `${entry.name}/${spec.name}`,
          classes: spec.classes,
          conditions: spec.conditions,
          fieldRenames: spec.fieldRenames,
          location: entry.location,
        });
      } else if (windowsAllowed) {
        const variant = buildVariant(mapping, entry, spec, depth, warnings);
        if (variant !== undefined) variants.push(variant);
      }
    }
  }
  const merged = mergeGeneric(generic, warnings);

  // A Windows rule mapped to text log classes only (e.g. a site's firewall log) applies to those alone.
  if (variants.length > 0 || (productIsWindows && classes.length > 0)) {
    return {
      kind: 'windows',
      variants,
      ...(key.product === undefined && merged !== undefined && { nonWindows: merged }),
      classes,
      warnings,
    };
  }
  if (productIsWindows) {
    const warning =
      key.category !== undefined || key.service !== undefined
        ? `no mapping for logsource ${describe(key)}: the rule is applied to every Windows event`
        : 'the logsource names only product windows: the rule is applied to every Windows event';
    return { kind: 'unknown-windows', variant: merged ?? UNMAPPED, classes, warning, warnings };
  }
  return { kind: 'generic', variant: merged ?? UNMAPPED, classes, warnings };
}

/**
 * Resolves a rule's logsource (category / product / service, compared without regard to case; other keys
 * are ignored). Entries whose keys all equal the rule's apply; of those, only the ones naming the most keys
 * are used, so `{category: process_creation, product: windows}` gets the process_creation entry's variants
 * and a bare `{product: windows, service: security}` gets channel Security with any event ID. A rule naming
 * a category and a service gets the category's variants on that service, when there are any.
 *
 * @example
 *   const r = resolveLogsource(defaultMapping(), { category: 'process_creation', product: 'windows', custom: {} });
 *   // r.kind === 'windows'; r.variants: Sysmon EID 1, and Security EID 4688 with Image → NewProcessName …
 */
export function resolveLogsource(
  mapping: MappingPipeline,
  logsource: LogSource | LogsourceMatch,
): LogsourceResolution {
  return resolveKey(mapping, normalize(logsource), 0);
}

/** The event field a rule's `field` is read from under `variant`. */
export function renameField(variant: LogsourceVariant | GenericVariant, field: string): string {
  return variant.fieldRenames[field] ?? field;
}

/**
 * The fields among `fields` (Sigma names, as the rule writes them) that events of `variant` never carry.
 * Empty when the variant carries any field. The compiler decides what to do with the rest: skip the variant
 * for that rule, or treat the missing fields as unknown rather than absent.
 */
export function unsupportedFields(variant: LogsourceVariant, fields: Iterable<string>): string[] {
  const available = variant.availableFields;
  if (available === undefined) return [];
  const missing = new Set<string>();
  for (const field of fields) if (!available.has(field)) missing.add(field);
  return [...missing];
}
