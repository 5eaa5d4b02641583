/**
 * Picks, for each event, only the rule variants that can match it, then evaluates those:
 * 1. by logsource — the event's Windows channel and event ID select a bucket; events of a text log class
 *    (`w3c`, `syslog`, …) use that class's bucket, other non-Windows events the generic bucket;
 * 2. by literal prefilter — inside a bucket, each field that rules need literals from is scanned once
 *    (`LiteralScanner`, `AnchoredTrie`); a variant is evaluated only when every one of its need groups has a
 *    literal present (variants with no derivable literal are always evaluated).
 * Matching variants come out in rule order, so the alerts are the same whatever thread evaluates them.
 */
import type { EventView } from '../../events/field-resolver.js';
import type { CompiledRule, CompiledVariant } from '../compile/compile-rules.js';
import { collectLeafTexts } from '../../events/leaves.js';
import type { NeedGroups, NeedKind } from '../compile/field-match.js';
import { score } from '../compile/field-match.js';
import { AnchoredTrie } from './anchored-trie.js';
import { LiteralScanner } from './literal-scanner.js';

/** Everything the prefilter checks in one field: literals by kind, each id mapping to the variants needing it. */
interface FieldScan {
  /** Event field to check; null scans every value of the event (keyword searches). */
  readonly field: string | null;
  /** `contains` literals, found by scanning the value; undefined when the field has none. */
  readonly scanner: LiteralScanner | undefined;
  /** `startswith` and `equals` literals, by a forward trie walk. */
  readonly forward: AnchoredTrie | undefined;
  /** `endswith` literals, by a backward trie walk. */
  readonly backward: AnchoredTrie | undefined;
  /** For each literal id (shared by the three structures): the need groups (bucket-wide ids) it satisfies. */
  readonly targets: readonly Int32Array[];
  /** Keyword scans: whether a literal could occur in a number's or boolean's text (else those are skipped). */
  readonly scalars: boolean;
}

/** Every character `String()` of a number or boolean can hold (`1e+21`, `-Infinity`, `NaN`, `false`), lowercased. */
const SCALAR_CHARS = /^[0-9.+\-aefilnrstuy]*$/;

/** `literals` maps `kind:literal` to the need groups the literal satisfies. */
function buildFieldScan(field: string | null, literals: Map<string, number[]>): FieldScan {
  const contains: string[] = [];
  const containsTargets: number[][] = [];
  const forward = new AnchoredTrie(false);
  const backward = new AnchoredTrie(true);
  const anchoredTargets: number[][] = [];
  for (const [key, locals] of literals) {
    const separator = key.indexOf(':');
    const kind = key.slice(0, separator) as NeedKind;
    const literal = key.slice(separator + 1);
    if (kind === 'contains' || field === null) {
      contains.push(literal);
      containsTargets.push(locals);
      continue;
    }
    const id = anchoredTargets.length;
    anchoredTargets.push(locals);
    if (kind === 'endswith') backward.add(literal, id, 'prefix');
    else forward.add(literal, id, kind === 'equals' ? 'equals' : 'prefix');
  }
  // Sealed now: matching must not pay for it, and the building structures are freed.
  forward.seal();
  backward.seal();
  // One id space per field: anchored literals first, then the scanner's.
  return {
    field,
    scanner: contains.length > 0 ? new LiteralScanner(contains, anchoredTargets.length) : undefined,
    forward: forward.isEmpty ? undefined : forward,
    backward: backward.isEmpty ? undefined : backward,
    targets: [...anchoredTargets, ...containsTargets].map((list) => Int32Array.from(list)),
    scalars: contains.some((literal) => SCALAR_CHARS.test(literal)),
  };
}

/** At most this many need groups are checked per variant: each costs scanning, and few filter well enough. */
const MAX_GROUPS = 4;
/** A group with a one-character literal holds in almost every value (a dash, a space): not worth checking. */
const MIN_GROUP_LITERAL = 2;

/** The need groups of a variant the prefilter checks: the most selective, and others that filter well. */
function groupsToCheck(needs: NeedGroups): NeedGroups {
  if (needs.length <= 1) return needs;
  // A group no value can satisfy: the variant never matches.
  const impossible = needs.find((group) => group.length === 0);
  if (impossible !== undefined) return [impossible];
  const ranked = [...needs].sort((a, b) => score(b) - score(a));
  return ranked
    .filter(
      (group, rank) =>
        rank === 0 || Math.min(...group.map((need) => need.literal.length)) >= MIN_GROUP_LITERAL,
    )
    .slice(0, MAX_GROUPS);
}

class Bucket {
  readonly variants: readonly CompiledVariant[];
  private readonly always: Int32Array;
  private readonly scans: readonly FieldScan[];
  /** Per need group (numbered across the bucket): the local index of the variant it belongs to. */
  private readonly groupVariant: Int32Array;
  /** Per variant: how many need groups must hold before it is evaluated. */
  private readonly groupCount: Int32Array;
  private readonly groupMarks: Int32Array;
  private readonly variantMarks: Int32Array;
  /** Per variant, valid when its mark is the current epoch: groups found to hold so far. */
  private readonly satisfied: Int32Array;
  private readonly candidates: Int32Array;
  private epoch = 0;
  private count = 0;
  private currentTargets: readonly Int32Array[] = [];
  /** Reused buffer for the texts of an event's values (keyword scans). */
  private readonly leafTexts: string[] = [];
  private readonly onHit = (literalId: number): void => {
    const targets = this.currentTargets[literalId]!;
    const groupMarks = this.groupMarks;
    const epoch = this.epoch;
    for (let i = 0; i < targets.length; i++) {
      const group = targets[i]!;
      if (groupMarks[group] === epoch) continue;
      groupMarks[group] = epoch;
      const variant = this.groupVariant[group]!;
      let held = 1;
      if (this.variantMarks[variant] === epoch) held = this.satisfied[variant]! + 1;
      else this.variantMarks[variant] = epoch;
      this.satisfied[variant] = held;
      if (held === this.groupCount[variant]) this.candidates[this.count++] = variant;
    }
  };

  constructor(variants: readonly CompiledVariant[], prefilter: boolean) {
    this.variants = [...variants].sort((a, b) => a.rule.index - b.rule.index);
    const always: number[] = [];
    const groupVariant: number[] = [];
    const byField = new Map<string | null, Map<string, number[]>>();
    this.groupCount = new Int32Array(this.variants.length);
    this.variants.forEach((variant, local) => {
      if (variant.needs.length === 0 || !prefilter) {
        always.push(local);
        return;
      }
      const groups = groupsToCheck(variant.needs);
      this.groupCount[local] = groups.length;
      for (const group of groups) {
        const groupId = groupVariant.length;
        groupVariant.push(local);
        for (const need of group) {
          let literals = byField.get(need.field);
          if (literals === undefined) byField.set(need.field, (literals = new Map<string, number[]>()));
          const key = `${need.kind}:${need.literal}`;
          const list = literals.get(key);
          if (list === undefined) literals.set(key, [groupId]);
          else if (list.at(-1) !== groupId) list.push(groupId);
        }
      }
    });
    this.always = Int32Array.from(always);
    this.scans = [...byField].map(([field, literals]) => buildFieldScan(field, literals));
    this.groupVariant = Int32Array.from(groupVariant);
    this.groupMarks = new Int32Array(groupVariant.length);
    this.variantMarks = new Int32Array(this.variants.length);
    this.satisfied = new Int32Array(this.variants.length);
    this.candidates = new Int32Array(this.variants.length);
  }

  private check(scan: FieldScan, text: string, view: EventView): void {
    if (scan.forward !== undefined) scan.forward.walk(text, this.onHit);
    if (scan.backward !== undefined) scan.backward.walk(text, this.onHit);
    const scanner = scan.scanner;
    // Through the view's cache: the rules evaluated next fold the same long values.
    if (scanner !== undefined && text.length * 2 >= scanner.minLength)
      scanner.scanLowered(view.lower(text), this.onHit);
  }

  get size(): number {
    return this.variants.length;
  }

  /** Appends the matching variants to `out`, in rule order. */
  evaluate(view: EventView, out: CompiledVariant[]): void {
    if (this.variants.length === 0) return;
    this.epoch = (this.epoch + 1) | 0;
    if (this.epoch === 0) {
      this.groupMarks.fill(-1);
      this.variantMarks.fill(-1);
      this.epoch = 1;
    }
    this.count = 0;
    const always = this.always;
    for (let i = 0; i < always.length; i++) this.candidates[this.count++] = always[i]!;
    for (const scan of this.scans) {
      this.currentTargets = scan.targets;
      if (scan.field === null) {
        // The keyword predicate walks the same leaves (`someLeaf`); one scan covers them all.
        const texts = this.leafTexts;
        const scanner = scan.scanner!;
        collectLeafTexts(view.raw, texts, scan.scalars);
        for (let i = 0; i < texts.length; i++) scanner.scan(texts[i]!, this.onHit);
        texts.length = 0;
        continue;
      }
      const value = view.get(scan.field);
      if (value === undefined || value === null) continue;
      if (typeof value === 'string') this.check(scan, value, view);
      else if (typeof value === 'number' || typeof value === 'boolean') this.check(scan, String(value), view);
      else if (Array.isArray(value)) {
        for (const element of value) {
          if (typeof element === 'string') this.check(scan, element, view);
          else if (typeof element === 'number' || typeof element === 'boolean')
            this.check(scan, String(element), view);
        }
      }
    }
    const candidates = this.candidates.subarray(0, this.count);
    if (this.count > 1) candidates.sort();
    const variants = this.variants;
    for (let i = 0; i < candidates.length; i++) {
      const variant = variants[candidates[i]!]!;
      // Two variants of one rule can share a bucket (e.g. one per event ID and one for any ID).
      if (out.length > 0 && out[out.length - 1]!.rule === variant.rule) continue;
      if (variant.test(view)) out.push(variant);
    }
  }
}

interface ChannelEntry {
  readonly byEventId: Map<number, CompiledVariant[]>;
  readonly anyEventId: CompiledVariant[];
}

export interface RuleIndexStats {
  readonly variants: number;
  readonly buckets: number;
  /** Variants evaluated for every event of their bucket (no literal could be derived). */
  readonly unfiltered: number;
}

export interface RuleIndexOptions {
  /** False: evaluate every variant of the event's bucket (the reference for differential tests). Default true. */
  readonly prefilter?: boolean;
}

export class RuleIndex {
  private readonly channels = new Map<string, ChannelEntry>();
  private readonly anyWindows: CompiledVariant[] = [];
  private readonly generic: Bucket;
  private readonly classes = new Map<string, Bucket>();
  private readonly windowsFallback: Bucket;
  private readonly buckets = new Map<string, Map<number | 'any', Bucket>>();
  private readonly variantCount: number;
  private unfilteredCount = 0;
  private lastChannel: string | undefined;
  private lastPerChannel: Map<number | 'any', Bucket> | undefined;

  constructor(rules: readonly CompiledRule[], options: RuleIndexOptions = {}) {
    const prefilter = options.prefilter ?? true;
    const generic: CompiledVariant[] = [];
    const byClass = new Map<string, CompiledVariant[]>();
    let variantCount = 0;
    for (const rule of rules) {
      for (const variant of rule.variants) {
        variantCount++;
        if (variant.needs.length === 0) this.unfilteredCount++;
        const scope = variant.scope;
        if (scope.kind === 'generic') generic.push(variant);
        else if (scope.kind === 'any-windows') this.anyWindows.push(variant);
        else if (scope.kind === 'class') {
          for (const name of scope.classes) {
            const key = name.toLowerCase();
            const list = byClass.get(key);
            if (list === undefined) byClass.set(key, [variant]);
            else list.push(variant);
          }
        } else {
          for (const channel of scope.channels) {
            const key = channel.toLowerCase();
            let entry = this.channels.get(key);
            if (entry === undefined)
              this.channels.set(key, (entry = { byEventId: new Map(), anyEventId: [] }));
            if (scope.eventIds === null) entry.anyEventId.push(variant);
            else {
              for (const id of scope.eventIds) {
                const list = entry.byEventId.get(id);
                if (list === undefined) entry.byEventId.set(id, [variant]);
                else list.push(variant);
              }
            }
          }
        }
      }
    }
    this.variantCount = variantCount;
    this.generic = new Bucket(generic, prefilter);
    this.windowsFallback = new Bucket(this.anyWindows, prefilter);
    for (const [name, list] of byClass) this.classes.set(name, new Bucket(list, prefilter));
    // Build every bucket now: matching must not pay for construction, and workers start ready.
    for (const [channel, entry] of this.channels) {
      const perChannel = new Map<number | 'any', Bucket>();
      perChannel.set('any', new Bucket([...entry.anyEventId, ...this.anyWindows], prefilter));
      for (const [id, list] of entry.byEventId)
        perChannel.set(id, new Bucket([...list, ...entry.anyEventId, ...this.anyWindows], prefilter));
      this.buckets.set(channel, perChannel);
    }
  }

  stats(): RuleIndexStats {
    let buckets = 2 + this.classes.size;
    for (const perChannel of this.buckets.values()) buckets += perChannel.size;
    return { variants: this.variantCount, buckets, unfiltered: this.unfilteredCount };
  }

  /**
   * Appends the variants matching the event to `out` (at most one per rule). `eventClass` is the text log
   * class the event's source gave it (lowercase); such an event is matched only by that class's rules.
   */
  match(view: EventView, out: CompiledVariant[], eventClass?: string): void {
    if (eventClass !== undefined) {
      this.classes.get(eventClass)?.evaluate(view, out);
      return;
    }
    const channel = view.channel();
    if (channel === undefined) {
      this.generic.evaluate(view, out);
      return;
    }
    // Consecutive events mostly share a channel: skip folding and hashing it again.
    let perChannel = this.lastPerChannel;
    if (channel !== this.lastChannel) {
      perChannel = this.buckets.get(channel.toLowerCase());
      this.lastChannel = channel;
      this.lastPerChannel = perChannel;
    }
    if (perChannel === undefined) {
      this.windowsFallback.evaluate(view, out);
      return;
    }
    const eventId = view.eventId();
    const bucket = (eventId !== undefined ? perChannel.get(eventId) : undefined) ?? perChannel.get('any')!;
    bucket.evaluate(view, out);
  }
}
