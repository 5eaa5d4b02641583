/**
 * Settings kept in the database itself. The fingerprint bucket is one: fingerprints only compare when every
 * writer cuts time the same way. The largest bucket ever used is kept too: an alert spans less than its
 * bucket, which bounds `last_seen` in time-window queries (see `queries.ts`).
 */
export const BUCKET_KEY = 'fingerprint_bucket_seconds';
export const MAX_BUCKET_KEY = 'fingerprint_max_bucket_seconds';

export const READ_SETTING_SQL = 'SELECT value FROM settings WHERE key = $1';
export const SET_SETTING_SQL =
  'INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value';
export const RAISE_SETTING_SQL = `INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE
  SET value = CASE WHEN CAST(excluded.value AS INTEGER) > CAST(settings.value AS INTEGER) THEN excluded.value
  ELSE settings.value END`;

export interface BucketSettings {
  readonly bucketSeconds: number;
  readonly maxBucketSeconds: number;
}
