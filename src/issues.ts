/**
 * Issues are data: every problem found while reading rules or logs is a value with a `code`, a location and
 * a severity. Batch operations collect them and go on; formatting to text happens at the edge.
 */

export type Severity = 'error' | 'warning';

export interface Location {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  /** Byte offset in the (decompressed) input, when known. */
  readonly offset?: number;
  /** Record number (1-based) within the file, for record-oriented formats. */
  readonly record?: number;
}

export interface Issue {
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  readonly location: Location;
  /** Rule id or title the issue belongs to, when it concerns a rule. */
  readonly rule?: string;
}

export function formatLocation(loc: Location): string {
  let text = loc.file;
  if (loc.line !== undefined) {
    text += `:${loc.line}`;
    if (loc.column !== undefined) text += `:${loc.column}`;
  }
  if (loc.record !== undefined) text += ` (record ${loc.record})`;
  if (loc.offset !== undefined && loc.line === undefined) text += ` (offset ${loc.offset})`;
  return text;
}

export function formatIssue(issue: Issue): string {
  const rule = issue.rule ? ` [${issue.rule}]` : '';
  return `${formatLocation(issue.location)}: ${issue.severity} ${issue.code}${rule}: ${issue.message}`;
}

/** Operational errors: the work cannot go on as asked. The CLI maps `code` to an exit code in one place. */
export class BallotguardError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable = false,
  ) {
    super(message);
    this.name = 'BallotguardError';
  }
}

export class UsageError extends BallotguardError {
  constructor(message: string) {
    super('usage', message);
    this.name = 'UsageError';
  }
}
