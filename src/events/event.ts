/**
 * An event is the user's parsed record, unchanged, plus where it came from. Field access goes through
 * `field-resolver.ts`, which understands evtx_dump-shaped, flat (NXLog), Winlogbeat and dotted layouts.
 */
import type { RuleLevel } from '../sigma/parse/ast.js';

export interface EventOrigin {
  readonly path: string;
  /** Input format name from the source registry, e.g. `ndjson`. */
  readonly format: string;
  /** 1-based line of the record's first byte, for text formats. */
  readonly line?: number;
  /** 1-based record number within the file. */
  readonly record?: number;
  /** Byte offset of the record in the (decompressed) file. */
  readonly offset?: number;
}

/** An alert: one rule matched one event. Shape is a contract (CONTRACTS.md, `hunt` ndjson output). */
export interface Alert {
  readonly timestamp: string;
  readonly rule: {
    readonly id: string;
    readonly title: string;
    readonly level: RuleLevel;
    readonly tags: readonly string[];
    readonly path: string;
  };
  readonly source: EventOrigin;
  readonly event: unknown;
}
