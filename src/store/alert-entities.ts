/**
 * The three entities the store indexes an alert by: the host it happened on, the account involved and the
 * remote address. Values are normalised with incident grouping's own rules (`correlate/entities.ts`), so
 * the store, its filters and the grouping engine agree on what "the same host" is: `DC01.corp.local` and
 * `dc01` are one host, `CORP\Alice` and `alice@corp.gov` one account; service identities, machine accounts,
 * loopback addresses and `-` are no entity at all.
 *
 * Only the first field that names each entity counts (in the order below), which keeps this cheap: it runs
 * for every alert written.
 *
 * @example
 *   alertEntities({ Event: { System: { Computer: 'DC01.corp.local' }, EventData: { IpAddress: '10.0.0.5' } } })
 *   // → { host: 'dc01', account: null, sourceIp: '10.0.0.5' }
 */
import { normaliseAccount, normaliseHost, normaliseIp } from '../correlate/entities.js';
import { EventView } from '../events/field-resolver.js';

export interface AlertEntities {
  readonly host: string | null;
  readonly account: string | null;
  readonly sourceIp: string | null;
}

/** Fields tried in order: Windows (evtx, NXLog, Winlogbeat), ECS, syslog-ish, W3C (IIS, Exchange). */
export const HOST_FIELDS = ['Computer', 'Hostname', 'host.name', 'hostname', 's-computername'] as const;
export const ACCOUNT_FIELDS = [
  'TargetUserName',
  'SubjectUserName',
  'User',
  'user.name',
  'cs-username',
] as const;
export const SOURCE_IP_FIELDS = ['IpAddress', 'SourceIp', 'source.ip', 'c-ip', 'src_ip'] as const;

type Normaliser = (raw: string) => string | undefined;

const MAX_ENTITY_LENGTH = 256;

function first(view: EventView, fields: readonly string[], normalise: Normaliser): string | null {
  for (const field of fields) {
    const value = view.get(field);
    if (typeof value !== 'string' && typeof value !== 'number') continue;
    const key = normalise(String(value));
    if (key !== undefined) return key.length > MAX_ENTITY_LENGTH ? key.slice(0, MAX_ENTITY_LENGTH) : key;
  }
  return null;
}

export function alertEntities(event: unknown): AlertEntities {
  if (typeof event !== 'object' || event === null || Array.isArray(event))
    return { host: null, account: null, sourceIp: null };
  const view = new EventView(event as Record<string, unknown>);
  return {
    host: first(view, HOST_FIELDS, normaliseHost),
    account: first(view, ACCOUNT_FIELDS, normaliseAccount),
    sourceIp: first(view, SOURCE_IP_FIELDS, normaliseIp),
  };
}

/** A value typed in a filter, normalised the way stored entities are (`DC01.corp.local` → `dc01`). */
export function entityFilterValue(kind: keyof AlertEntities, raw: string): string {
  const normalise: Normaliser =
    kind === 'host' ? normaliseHost : kind === 'account' ? normaliseAccount : normaliseIp;
  return normalise(raw) ?? raw.trim().toLowerCase();
}
