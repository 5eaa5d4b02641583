/**
 * Turns an `Alert` into what the store writes: its fingerprint (which stored alert it counts towards), the
 * identity of the occurrence (which record of which file it came from), its entities and its time.
 *
 * Fingerprint = rule id + host + account + source IP + time bucket (default one hour, by the alert's own
 * timestamp, not the wall clock), written as 8 hex digits of the bucket number then 24 of a SHA-256 of the
 * rest. When the event names none of host/account/IP, the record's position is
 * used instead, so unrelated events are never merged into one alert. Two alerts with the same fingerprint
 * are one stored alert with a count, first/last seen, and the event of its earliest occurrence.
 *
 * Occurrence identity = source path + position (byte offset, else record number, else line) + rule id. The
 * store keeps each identity once, so hunting the same files again (a rerun after a crash, an overlapping
 * hunt) never counts the same record twice. See docs/store.md.
 */
import { createHash } from 'node:crypto';
import type { Alert } from '../events/event.js';
import type { AlertEntities } from './alert-entities.js';
import { alertEntities } from './alert-entities.js';
import { isoToMicros } from './time.js';

export const DEFAULT_BUCKET_SECONDS = 3600;

export interface PreparedAlert {
  readonly alert: Alert;
  readonly fingerprint: string;
  readonly entities: AlertEntities;
  /** Event time in microseconds, or null when the event carries none. */
  readonly at: number | null;
  /** Position of the record in its file, or null when the source gives none (then it cannot be deduplicated). */
  readonly position: number | null;
}

/** Where in its file a record is: the byte offset when known, else the record number, else the line. */
export function recordPosition(alert: Alert): number | null {
  const source = alert.source;
  return source.offset ?? source.record ?? source.line ?? null;
}

export function fingerprintOf(
  ruleId: string,
  entities: AlertEntities,
  at: number | null,
  bucketSeconds: number,
  record: { path: string; position: number | null },
): string {
  const bucket = at === null ? null : Math.floor(at / (bucketSeconds * 1_000_000));
  const keyed = entities.host !== null || entities.account !== null || entities.sourceIp !== null;
  const parts = keyed
    ? [ruleId, entities.host, entities.account, entities.sourceIp, bucket]
    : [ruleId, null, null, null, bucket, record.path, record.position];
  // The bucket leads, so fingerprints of one period sort together: the unique index then grows at a few
  // places (logs are mostly read in time order) instead of everywhere, which keeps inserts cheap.
  const prefix =
    bucket === null || bucket < 0 || bucket > 0xfffffffe ? 'ffffffff' : bucket.toString(16).padStart(8, '0');
  return prefix + createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 24);
}

export function prepareAlert(alert: Alert, bucketSeconds: number): PreparedAlert {
  const entities = alertEntities(alert.event);
  const at = isoToMicros(alert.timestamp);
  const position = recordPosition(alert);
  return {
    alert,
    fingerprint: fingerprintOf(alert.rule.id, entities, at, bucketSeconds, {
      path: alert.source.path,
      position,
    }),
    entities,
    at,
    position,
  };
}

/**
 * Prepares a batch and drops occurrences that appear twice in it (the same record matched by the same rule
 * given twice), which the store would ignore anyway; returns how many were dropped.
 */
export function prepareBatch(
  alerts: readonly Alert[],
  bucketSeconds: number,
): { prepared: PreparedAlert[]; duplicates: number } {
  const prepared: PreparedAlert[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  for (const alert of alerts) {
    const item = prepareAlert(alert, bucketSeconds);
    if (item.position !== null) {
      const key = `${alert.rule.id}\u0000${alert.source.path}\u0000${item.position}`;
      if (seen.has(key)) {
        duplicates++;
        continue;
      }
      seen.add(key);
    }
    prepared.push(item);
  }
  return { prepared, duplicates };
}

/** ATT&CK technique ids in Sigma tags (`attack.t1003.001` → `t1003.001` and its parent `t1003`). */
export function techniquesOf(tags: readonly string[]): string[] {
  const out = new Set<string>();
  for (const tag of tags) {
    const match = /^attack\.(t\d{4})(?:\.(\d{3}))?$/i.exec(tag);
    if (match === null) continue;
    const parent = match[1]!.toLowerCase();
    out.add(parent);
    if (match[2] !== undefined) out.add(`${parent}.${match[2]}`);
  }
  return [...out];
}
