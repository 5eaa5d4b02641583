/**
 * Parses a mapping file (format documented at the top of `windows.yaml`) into a `MappingPipeline`. Bad
 * input never throws: every problem is an `Issue` naming the file, line, column and entry; an invalid entry
 * is left out and the rest of the file is still used.
 */
import { isMap, isNode, LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import type { Issue, Location } from '../issues.js';
import type {
  ClassVariantSpec,
  FieldCondition,
  GenericVariantSpec,
  LogsourceMatch,
  MappingEntry,
  MappingPipeline,
  VariantSpec,
  WindowsVariantSpec,
} from './types.js';

export const MAPPING_FORMAT_VERSION = 1;

const text = z.string().trim().min(1, { error: 'expected a non-empty string' });
// A single value stands for a one-element list; errors then point into the list as written.
const oneOrMore = <T extends z.ZodType>(item: T) =>
  z.preprocess(
    (v: unknown): unknown[] => (Array.isArray(v) ? (v as unknown[]) : [v]),
    z.array(item).min(1, { error: 'expected at least one value' }),
  );
const textOrList = oneOrMore(text);
const eventId = z.int({ error: 'expected an event ID (an integer from 0 to 65535)' }).min(0).max(65535, {
  error: 'expected an event ID (an integer from 0 to 65535)',
});
const scalar = z.union([z.string(), z.number(), z.boolean()], {
  error: 'expected a string, number or boolean',
});

// zod's record drops a `__proto__` key without a word; refuse it instead so nothing is lost silently.
function record<V extends z.ZodType>(value: V) {
  return z
    .unknown()
    .refine((v) => !(typeof v === 'object' && v !== null && Object.hasOwn(v, '__proto__')), {
      error: '"__proto__" is not allowed as a key',
    })
    .pipe(z.record(text, value));
}

const variantSchema = z
  .strictObject({
    name: text.optional(),
    channels: textOrList.optional(),
    service: text.optional(),
    classes: textOrList.optional(),
    eventIds: oneOrMore(eventId).optional(),
    conditions: record(oneOrMore(scalar)).optional(),
    fieldRenames: record(text).optional(),
    availableFields: z.array(text).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.channels !== undefined && v.service !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['service'],
        message: 'give either `channels` or `service`, not both',
      });
    }
    if (v.classes !== undefined) {
      for (const key of ['channels', 'service', 'eventIds', 'availableFields'] as const) {
        if (v[key] !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `\`${key}\` does not go with \`classes\` (a variant on text log classes takes name, conditions and fieldRenames)`,
          });
        }
      }
    } else if (v.channels === undefined && v.service === undefined) {
      for (const key of ['eventIds', 'conditions', 'availableFields'] as const) {
        if (v[key] !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `\`${key}\` needs \`channels\` or \`service\` (a variant without them is generic: name and fieldRenames only)`,
          });
        }
      }
    }
  });

const entrySchema = z
  .strictObject({
    name: text,
    match: z
      .strictObject({
        category: text.nullable().optional(),
        product: text.nullable().optional(),
        service: text.nullable().optional(),
      })
      .refine((m) => [m.category, m.product, m.service].some((value) => typeof value === 'string'), {
        error: 'name at least one of category, product, service',
      })
      .optional(),
    disabled: z.boolean().optional(),
    variants: z.array(z.unknown()).optional(),
  })
  .superRefine((e, ctx) => {
    if (e.disabled !== true && e.match === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['match'],
        message: 'an entry needs `match` (unless it is `disabled`)',
      });
    }
    if (e.disabled !== true && (e.variants === undefined || e.variants.length === 0)) {
      ctx.addIssue({ code: 'custom', path: ['variants'], message: 'an entry needs at least one variant' });
    }
  });

const topSchema = z.strictObject({
  'ballotguard-mapping': z.literal(MAPPING_FORMAT_VERSION, {
    error: `expected \`ballotguard-mapping: ${MAPPING_FORMAT_VERSION}\` (the format version)`,
  }),
  name: text.optional(),
  systemFields: z.array(text).optional(),
  services: record(z.unknown()).optional(),
  entries: z.array(z.unknown()).optional(),
});

type Path = readonly PropertyKey[];

/** `variants[1].eventIds[0]` */
function formatPath(path: Path): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

class FileContext {
  readonly issues: Issue[] = [];

  constructor(
    readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** Location of the deepest YAML node on `path` (or of `key` inside it, for unknown keys). */
  locate(path: Path, key?: string): Location {
    for (let n = path.length; n >= 0; n--) {
      let node: unknown = n === 0 ? this.doc.contents : this.doc.getIn(path.slice(0, n), true);
      if (n === path.length && key !== undefined && isMap(node)) {
        node = node.items.find(
          (pair) => isNode(pair.key) && (pair.key as { value?: unknown }).value === key,
        )?.key;
      }
      if (isNode(node) && node.range) {
        const pos = this.lines.linePos(node.range[0]);
        return { file: this.file, line: pos.line, column: pos.col };
      }
    }
    return { file: this.file };
  }

  add(code: string, message: string, location: Location, severity: 'error' | 'warning' = 'error'): void {
    this.issues.push({ code, severity, message, location });
  }

  /** Turns zod issues into mapping issues; `base` is the YAML path of the validated value. */
  addZod(error: z.ZodError, base: Path, what: string): void {
    for (const issue of error.issues) {
      let relative: Path = issue.path;
      // A scalar written where a list is allowed was wrapped as [value]: name it as written.
      if (relative.at(-1) === 0 && !this.doc.hasIn([...base, ...relative])) {
        relative = relative.slice(0, -1);
      }
      const path = [...base, ...relative];
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
      for (const key of keys) {
        const where = formatPath(key === undefined ? relative : [...relative, key]);
        const message = `${what}${where === '' ? '' : ` at ${where}`}: ${issue.message}`;
        this.add('mapping-invalid', message, this.locate(path, key));
      }
    }
  }
}

function lowerMatch(m: {
  category?: string | null | undefined;
  product?: string | null | undefined;
  service?: string | null | undefined;
}): LogsourceMatch {
  const lower = (value: string | null): string | null => (value === null ? null : value.toLowerCase());
  return {
    ...(m.category !== undefined && { category: lower(m.category) }),
    ...(m.product !== undefined && { product: lower(m.product) }),
    ...(m.service !== undefined && { service: lower(m.service) }),
  };
}

function list<T>(v: T | readonly T[] | undefined): readonly T[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? (v as readonly T[]) : [v as T];
}

/** A null-prototype copy, so that lookups of names like `constructor` find nothing inherited. */
export function renameTable(
  rec: Readonly<Record<string, string>> | undefined,
): Readonly<Record<string, string>> {
  const out = Object.create(null) as Record<string, string>;
  if (rec !== undefined) for (const [from, to] of Object.entries(rec)) out[from] = to;
  return out;
}

function buildVariant(v: z.infer<typeof variantSchema>, index: number): VariantSpec {
  const fieldRenames = renameTable(v.fieldRenames);
  const service = v.service?.toLowerCase();
  const name = v.name ?? service ?? `variant-${index + 1}`;
  const conditions: FieldCondition[] = Object.entries(v.conditions ?? {}).map(([field, values]) => ({
    field,
    values: list(values).map(String),
  }));
  if (v.classes !== undefined) {
    return {
      kind: 'class',
      name,
      classes: [...new Set(list(v.classes).map((c) => c.toLowerCase()))],
      conditions,
      fieldRenames,
    } satisfies ClassVariantSpec;
  }
  if (v.channels === undefined && service === undefined) {
    return { kind: 'generic', name, fieldRenames } satisfies GenericVariantSpec;
  }
  return {
    kind: 'windows',
    name,
    channels: list(v.channels),
    ...(service !== undefined && { service }),
    eventIds: [...new Set(list(v.eventIds))],
    conditions,
    fieldRenames,
    ...(v.availableFields !== undefined && { availableFields: v.availableFields }),
  } satisfies WindowsVariantSpec;
}

function parseEntry(ctx: FileContext, raw: unknown, index: number): MappingEntry | undefined {
  const base: Path = ['entries', index];
  const rawName = typeof raw === 'object' && raw !== null ? (raw as { name?: unknown }).name : undefined;
  const label = `entry ${index + 1}${typeof rawName === 'string' ? ` "${rawName}"` : ''}`;
  const parsed = entrySchema.safeParse(raw);
  if (!parsed.success) {
    ctx.addZod(parsed.error, base, label);
    return undefined;
  }
  const e = parsed.data;
  const variants: VariantSpec[] = [];
  let ok = true;
  for (const [i, rawVariant] of (e.variants ?? []).entries()) {
    const v = variantSchema.safeParse(rawVariant);
    if (!v.success) {
      ctx.addZod(v.error, [...base, 'variants', i], `${label}, variant ${i + 1}`);
      ok = false;
      continue;
    }
    const variant = buildVariant(v.data, i);
    if (variants.some((other) => other.name === variant.name)) {
      ctx.add(
        'mapping-invalid',
        `${label}: two variants are named "${variant.name}"`,
        ctx.locate([...base, 'variants', i]),
      );
      ok = false;
      continue;
    }
    variants.push(variant);
  }
  // A half-valid entry would silently narrow or widen what its rules match: drop it whole.
  if (!ok) return undefined;
  return {
    name: e.name,
    match: lowerMatch(e.match ?? {}),
    variants,
    disabled: e.disabled === true,
    location: ctx.locate(base),
  };
}

function parseServices(ctx: FileContext, services: Record<string, unknown>): MappingEntry[] {
  const entries: MappingEntry[] = [];
  for (const [service, value] of Object.entries(services)) {
    const path: Path = ['services', service];
    const channels = textOrList.safeParse(value);
    if (!channels.success) {
      ctx.addZod(channels.error, path, `service "${service}"`);
      continue;
    }
    const name = service.trim().toLowerCase();
    entries.push({
      name: `service:${name}`,
      match: { product: 'windows', service: name },
      variants: [
        {
          kind: 'windows',
          name,
          channels: list(channels.data),
          eventIds: [],
          conditions: [],
          fieldRenames: renameTable(undefined),
        },
      ],
      disabled: false,
      location: ctx.locate(path),
    });
  }
  return entries;
}

/**
 * Parses the text of a mapping file. `file` names it in issues and in the pipeline's `sources`.
 *
 * @example
 *   const { mapping, issues } = parseMapping(readFileSync(path, 'utf8'), path);
 */
export function parseMapping(source: string, file: string): { mapping: MappingPipeline; issues: Issue[] } {
  const lines = new LineCounter();
  const doc = parseDocument(source, {
    lineCounter: lines,
    prettyErrors: false,
    uniqueKeys: true,
    // 0x2 and 0o7 stay strings: access masks are compared as written in events ("0x2"), not as numbers.
    customTags: (tags) =>
      tags.filter(
        (t) =>
          typeof t === 'string' ||
          !(t.tag === 'tag:yaml.org,2002:int' && (t.format === 'HEX' || t.format === 'OCT')),
      ),
  });
  const ctx = new FileContext(file, doc, lines);
  const empty: MappingPipeline = { name: file, sources: [file], systemFields: [], entries: [] };

  for (const warning of doc.warnings) {
    const pos = lines.linePos(warning.pos[0]);
    ctx.add('mapping-yaml', warning.message, { file, line: pos.line, column: pos.col }, 'warning');
  }
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      const pos = lines.linePos(error.pos[0]);
      ctx.add('mapping-yaml', `YAML syntax: ${error.message}`, { file, line: pos.line, column: pos.col });
    }
    return { mapping: empty, issues: ctx.issues };
  }

  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    // toJS throws on alias bombs (maxAliasCount) and similar resource limits.
    ctx.add('mapping-yaml', `YAML: ${err instanceof Error ? err.message : String(err)}`, { file });
    return { mapping: empty, issues: ctx.issues };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    ctx.add(
      'mapping-invalid',
      `expected a YAML mapping starting with \`ballotguard-mapping: ${MAPPING_FORMAT_VERSION}\``,
      ctx.locate([]),
    );
    return { mapping: empty, issues: ctx.issues };
  }
  const top = topSchema.safeParse(raw);
  if (!top.success) {
    ctx.addZod(top.error, [], 'mapping file');
    return { mapping: empty, issues: ctx.issues };
  }

  const entries: MappingEntry[] = [];
  const seen = new Set<string>();
  const candidates = [
    ...parseServices(ctx, top.data.services ?? {}),
    ...(top.data.entries ?? []).map((e, i) => parseEntry(ctx, e, i)),
  ];
  for (const entry of candidates) {
    if (entry === undefined) continue;
    if (seen.has(entry.name)) {
      ctx.add(
        'mapping-duplicate',
        `entry "${entry.name}" is defined twice in this file; the later one is ignored`,
        entry.location,
      );
      continue;
    }
    seen.add(entry.name);
    entries.push(entry);
  }
  return {
    mapping: {
      name: top.data.name ?? file,
      sources: [file],
      systemFields: [...new Set(top.data.systemFields ?? [])],
      entries,
    },
    issues: inFileOrder(ctx.issues),
  };
}

function inFileOrder(issues: readonly Issue[]): Issue[] {
  const at = (i: Issue) => (i.location.line ?? 0) * 1e6 + (i.location.column ?? 0);
  return [...issues].sort((a, b) => at(a) - at(b));
}
