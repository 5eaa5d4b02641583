/**
 * Types of the logsource / field mapping: the loaded pipeline (what the YAML said, with where it said it)
 * and the resolution of one rule's `logsource` (what the compiler and the rule index use).
 */
import type { Location } from '../issues.js';

/**
 * The logsource keys an entry matches on; values are lowercase. At least one is set. `null` (written `~` in
 * YAML) means the rule must not name that key: `{product: linux, category: null, service: null}` matches
 * only rules that name product linux and nothing more.
 */
export interface LogsourceMatch {
  readonly category?: string | null;
  readonly product?: string | null;
  readonly service?: string | null;
}

/** One exact-value condition: the event's `field` equals (case-insensitively) one of `values`. */
export interface FieldCondition {
  readonly field: string;
  readonly values: readonly string[];
}

/** A variant as written: on Windows channels (given, or those of a named service). */
export interface WindowsVariantSpec {
  readonly kind: 'windows';
  readonly name: string;
  /** Non-empty unless `service` is set. */
  readonly channels: readonly string[];
  /** A Windows service whose channels this variant uses, resolved when a rule is resolved. */
  readonly service?: string;
  readonly eventIds: readonly number[];
  readonly conditions: readonly FieldCondition[];
  readonly fieldRenames: Readonly<Record<string, string>>;
  /** Sigma fields the events carry besides the renamed ones and the system fields; absent = any. */
  readonly availableFields?: readonly string[];
}

/** A variant for events without a Windows channel: renames only. */
export interface GenericVariantSpec {
  readonly kind: 'generic';
  readonly name: string;
  readonly fieldRenames: Readonly<Record<string, string>>;
}

/**
 * A variant on events of text log classes (`w3c`, `syslog`, `auditd`, `exchange-httpproxy`, …: the class a
 * source gives its events), with optional conditions and renames.
 */
export interface ClassVariantSpec {
  readonly kind: 'class';
  readonly name: string;
  /** Non-empty, lowercase. */
  readonly classes: readonly string[];
  readonly conditions: readonly FieldCondition[];
  readonly fieldRenames: Readonly<Record<string, string>>;
}

export type VariantSpec = WindowsVariantSpec | GenericVariantSpec | ClassVariantSpec;

export interface MappingEntry {
  readonly name: string;
  readonly match: LogsourceMatch;
  readonly variants: readonly VariantSpec[];
  /** A disabled entry removes the earlier entry of the same name when pipelines are merged. */
  readonly disabled: boolean;
  /** Where the entry was defined (file, line, column). */
  readonly location: Location;
}

/** A loaded (or merged) mapping. Immutable; later entries take precedence in rename conflicts. */
export interface MappingPipeline {
  readonly name: string;
  /** Files this pipeline was read from, in merge order. */
  readonly sources: readonly string[];
  /** Fields every Windows event carries (System section), available in every variant. */
  readonly systemFields: readonly string[];
  readonly entries: readonly MappingEntry[];
}

/**
 * One way a rule applies to Windows events: an event qualifies when its channel is one of `channels`
 * (case-insensitive), its EventID is one of `eventIds` (empty = any) and every condition holds; the
 * rule's fields are then looked up through `fieldRenames`.
 */
export interface LogsourceVariant {
  /** `entry/variant`, e.g. `process_creation/security-4688`. */
  readonly name: string;
  /** Never empty. */
  readonly channels: readonly string[];
  readonly eventIds: readonly number[];
  readonly conditions: readonly FieldCondition[];
  /** Sigma field -> event field, applied once per lookup (never chained). A null-prototype object. */
  readonly fieldRenames: Readonly<Record<string, string>>;
  /**
   * The Sigma fields these events carry (renamed, listed and system fields), or undefined when any field
   * may occur. A rule using a field outside it cannot be evaluated faithfully on this variant: the field
   * is always missing, so `not` over it would turn into matches. See `unsupportedFields`.
   */
  readonly availableFields?: ReadonlySet<string>;
  /** Where the entry that produced the variant was defined. */
  readonly location: Location;
}

/** How a rule applies to events without a Windows channel (or to all Windows events): renames only. */
export interface GenericVariant {
  readonly name: string;
  readonly fieldRenames: Readonly<Record<string, string>>;
}

/**
 * One way a rule applies to events of text log classes: an event qualifies when its class is one of
 * `classes` and every condition holds; the rule's fields are then looked up through `fieldRenames`.
 */
export interface ClassVariant {
  /** `entry/variant`, e.g. `linux-sshd/syslog`. */
  readonly name: string;
  /** Never empty, lowercase. */
  readonly classes: readonly string[];
  readonly conditions: readonly FieldCondition[];
  readonly fieldRenames: Readonly<Record<string, string>>;
  readonly location: Location;
}

/**
 * The resolution of a rule's logsource:
 * - `windows`: the rule applies to Windows events accepted by any of `variants`; when the rule names no
 *   product and the mapping has a generic variant for it too (e.g. `category: antivirus`), it also applies
 *   to events without a Windows channel, with `nonWindows`' renames.
 * - `generic`: the rule is not about Windows (other product, or no product and nothing mapped); it
 *   applies to events that carry no Windows channel, with `variant`'s renames (none when unmapped).
 * - `unknown-windows`: the rule is about Windows but the mapping cannot narrow it to channels: it applies
 *   to every Windows event, with `variant`'s renames. `warning` says why (a category or service the
 *   mapping does not know, or a bare `product: windows`).
 * Whatever the kind, `classes` lists the variants on text log classes (W3C, syslog, auditd events, …):
 * events of a class are matched only by the rules whose resolution lists that class, never by the
 * `generic` or Windows variants.
 * `warnings` reports problems in the mapping met while resolving (a variant naming a service that has no
 * channels, conflicting renames); it is usually empty.
 */
export type LogsourceResolution =
  | {
      readonly kind: 'windows';
      readonly variants: readonly LogsourceVariant[];
      readonly nonWindows?: GenericVariant;
      readonly classes: readonly ClassVariant[];
      readonly warnings: readonly string[];
    }
  | {
      readonly kind: 'generic';
      readonly variant: GenericVariant;
      readonly classes: readonly ClassVariant[];
      readonly warnings: readonly string[];
    }
  | {
      readonly kind: 'unknown-windows';
      readonly variant: GenericVariant;
      readonly classes: readonly ClassVariant[];
      readonly warning: string;
      readonly warnings: readonly string[];
    };
