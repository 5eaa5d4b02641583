/** The seam between detection and correlation: what a match of a correlated rule carries. */
import type { EventOrigin } from '../events/event.js';
import type { FieldValue } from '../sigma/correlation/types.js';

/** Where one contributing match came from: enough to find the event again, not the event itself. */
export interface MatchRef {
  readonly rule: string;
  readonly timestamp: string;
  readonly source: EventOrigin;
}

/** One match of a rule that correlations refer to, as a detector reports it (posted between threads). */
export interface CorrelationInput {
  readonly rule: string;
  /** Event time in ms since the epoch; null when the event carries no timestamp we recognise. */
  readonly timeMs: number | null;
  /** The event's timestamp as ISO text ('' when it has none). */
  readonly timestamp: string;
  /** Values of the rule's feed fields (`CorrelationPlan.feeds`), in that order. */
  readonly values: readonly FieldValue[];
  readonly source: EventOrigin;
}
