/**
 * Picks, for each event, only the rule variants that can match it, then evaluates those:
 * 1. by logsource — the event's Windows channel and event ID select a bucket (non-Windows events use the
 *    generic bucket);
 * 2. by literal prefilter — inside a bucket, each field that rules need literals from is scanned once
 *    (`LiteralScanner`), and only variants with a literal present (plus those with no derivable literal)
 *    are evaluated.
 * Matching variants come out in rule order, so the alerts are the same whatever thread evaluates them.
 */
import type { EventView } from '../../events/field-resolver.js';
import type { CompiledRule, CompiledVariant } from '../compile/compile-rules.js';
import { someLeaf } from '../../events/leaves.js';
import type { NeedKind } from '../compile/field-match.js';
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
  /** For each literal id (shared by the three structures): the local variant indices that need it. */
  readonly targets: readonly Int32Array[];
}

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
  // One id space per field: anchored literals first, then the scanner's.
  return {
    field,
    scanner: contains.length > 0 ? new LiteralScanner(contains, anchoredTargets.length) : undefined,
    forward: forward.isEmpty ? undefined : forward,
    backward: backward.isEmpty ? undefined : backward,
    targets: [...anchoredTargets, ...containsTargets].map((list) => Int32Array.from(list)),
  };
}

class Bucket {
  readonly variants: readonly CompiledVariant[];
  private readonly always: Int32Array;
  private readonly scans: readonly FieldScan[];
  private readonly marks: Int32Array;
  private readonly candidates: Int32Array;
  private epoch = 0;
  private count = 0;
  private currentTargets: readonly Int32Array[] = [];
  private readonly onHit = (literalId: number): void => {
    const targets = this.currentTargets[literalId]!;
    const marks = this.marks;
    const epoch = this.epoch;
    for (let i = 0; i < targets.length; i++) {
      const target = targets[i]!;
      if (marks[target] !== epoch) {
        marks[target] = epoch;
        this.candidates[this.count++] = target;
      }
    }
  };

  constructor(variants: readonly CompiledVariant[]) {
    this.variants = [...variants].sort((a, b) => a.rule.index - b.rule.index);
    const always: number[] = [];
    const byField = new Map<string | null, Map<string, number[]>>();
    this.variants.forEach((variant, local) => {
      if (variant.needs === null) {
        always.push(local);
        return;
      }
      for (const need of variant.needs) {
        let literals = byField.get(need.field);
        if (literals === undefined) byField.set(need.field, (literals = new Map<string, number[]>()));
        const key = `${need.kind}:${need.literal}`;
        const list = literals.get(key);
        if (list === undefined) literals.set(key, [local]);
        else if (list.at(-1) !== local) list.push(local);
      }
    });
    this.always = Int32Array.from(always);
    this.scans = [...byField].map(([field, literals]) => buildFieldScan(field, literals));
    this.marks = new Int32Array(this.variants.length);
    this.candidates = new Int32Array(this.variants.length);
  }

  private check(scan: FieldScan, text: string): void {
    if (scan.forward !== undefined) scan.forward.walk(text, this.onHit);
    if (scan.backward !== undefined) scan.backward.walk(text, this.onHit);
    if (scan.scanner !== undefined) scan.scanner.scan(text, this.onHit);
  }

  get size(): number {
    return this.variants.length;
  }

  /** Appends the matching variants to `out`, in rule order. */
  evaluate(view: EventView, out: CompiledVariant[]): void {
    if (this.variants.length === 0) return;
    this.epoch = (this.epoch + 1) | 0;
    if (this.epoch === 0) {
      this.marks.fill(-1);
      this.epoch = 1;
    }
    this.count = 0;
    const always = this.always;
    for (let i = 0; i < always.length; i++) {
      this.marks[always[i]!] = this.epoch;
      this.candidates[this.count++] = always[i]!;
    }
    for (const scan of this.scans) {
      this.currentTargets = scan.targets;
      if (scan.field === null) {
        const scanner = scan.scanner!;
        someLeaf(view.raw, (text) => {
          scanner.scan(text, this.onHit);
          return false;
        });
        continue;
      }
      const value = view.get(scan.field);
      if (value === undefined || value === null) continue;
      if (typeof value === 'string') this.check(scan, value);
      else if (typeof value === 'number' || typeof value === 'boolean') this.check(scan, String(value));
      else if (Array.isArray(value)) {
        for (const element of value) {
          if (typeof element === 'string') this.check(scan, element);
          else if (typeof element === 'number' || typeof element === 'boolean')
            this.check(scan, String(element));
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

export class RuleIndex {
  private readonly channels = new Map<string, ChannelEntry>();
  private readonly anyWindows: CompiledVariant[] = [];
  private readonly generic: Bucket;
  private readonly windowsFallback: Bucket;
  private readonly buckets = new Map<string, Map<number | 'any', Bucket>>();
  private readonly variantCount: number;
  private unfilteredCount = 0;

  constructor(rules: readonly CompiledRule[]) {
    const generic: CompiledVariant[] = [];
    let variantCount = 0;
    for (const rule of rules) {
      for (const variant of rule.variants) {
        variantCount++;
        if (variant.needs === null) this.unfilteredCount++;
        const scope = variant.scope;
        if (scope.kind === 'generic') generic.push(variant);
        else if (scope.kind === 'any-windows') this.anyWindows.push(variant);
        else {
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
    this.generic = new Bucket(generic);
    this.windowsFallback = new Bucket(this.anyWindows);
    // Build every bucket now: matching must not pay for construction, and workers start ready.
    for (const [channel, entry] of this.channels) {
      const perChannel = new Map<number | 'any', Bucket>();
      perChannel.set('any', new Bucket([...entry.anyEventId, ...this.anyWindows]));
      for (const [id, list] of entry.byEventId)
        perChannel.set(id, new Bucket([...list, ...entry.anyEventId, ...this.anyWindows]));
      this.buckets.set(channel, perChannel);
    }
  }

  stats(): RuleIndexStats {
    let buckets = 2;
    for (const perChannel of this.buckets.values()) buckets += perChannel.size;
    return { variants: this.variantCount, buckets, unfiltered: this.unfilteredCount };
  }

  /** Appends the variants matching the event to `out` (at most one per rule). */
  match(view: EventView, out: CompiledVariant[]): void {
    const channel = view.channel();
    if (channel === undefined) {
      this.generic.evaluate(view, out);
      return;
    }
    const perChannel = this.buckets.get(channel.toLowerCase());
    if (perChannel === undefined) {
      this.windowsFallback.evaluate(view, out);
      return;
    }
    const eventId = view.eventId();
    const bucket = (eventId !== undefined ? perChannel.get(eventId) : undefined) ?? perChannel.get('any')!;
    bucket.evaluate(view, out);
  }
}
