/**
 * The entities an alert's event is about — host, account, source IP, file hash, process — read through
 * the one field resolver (`EventView`), so evtx_dump JSON, flat NXLog/Winlogbeat JSON and W3C web logs
 * all give the same entities. Incident grouping links alerts that share them.
 *
 * Values are normalised into linking keys, so the same thing written differently still links:
 * - host: lowercase, the first DNS label (`EC-WS-0001.elections.local` → `ec-ws-0001`); IP addresses
 *   stay whole.
 * - account: lowercase user name without domain or UPN suffix (`ELECTIONS\Alice`, `alice@elections.gov`
 *   and `alice` are one person in Security logs, Exchange and web logs). Built-in service identities
 *   (SYSTEM, LOCAL SERVICE, NETWORK SERVICE, ANONYMOUS LOGON, DWM-/UMFD- sessions), machine accounts
 *   (`HOST$`), `-` and empty values are not entities: every event on a machine has them.
 * - source IP: canonical text (`::ffff:10.0.0.5` → `10.0.0.5`); loopback, unspecified and `-` are
 *   dropped because they say nothing about where an attacker is.
 * - file hash: `sha256:…`, `sha1:…`, `md5:…` from Sysmon's `Hashes` (`SHA256=…,MD5=…`) and from single
 *   hash fields. Hashes of files under `\Windows\` are dropped: they are the same on every machine, so
 *   they would tie every PowerShell alert in the estate together.
 * - process: Sysmon process GUIDs (lowercase, no braces) of the process, its parent, and the source
 *   process of process access; a child's ParentProcessGuid equals its parent's ProcessGuid, so sharing a
 *   GUID is sharing a process tree.
 */
import { isIP } from 'node:net';
import { EventView } from '../events/field-resolver.js';

export const ENTITY_KINDS = ['host', 'account', 'source-ip', 'file-hash', 'process'] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];

export interface Entity {
  readonly kind: EntityKind;
  /** The normalised linking key (see above). */
  readonly value: string;
  /** The value as the event wrote it (first one seen), for display. */
  readonly display: string;
  /** The field it came from, e.g. `TargetUserName`, `ParentProcessGuid`. */
  readonly field: string;
}

/** `kind:value`, the key that incident grouping indexes. */
export function entityKey(entity: { readonly kind: EntityKind; readonly value: string }): string {
  return `${entity.kind}:${entity.value}`;
}

const HOST_FIELDS = [
  'Computer',
  'Hostname',
  'host.name',
  'hostname',
  'host',
  's-computername',
  'ComputerName',
] as const;
/** The machine a logon came from: a host involved in the event, even if not the one that logged it. */
const SOURCE_HOST_FIELDS = ['WorkstationName', 'Workstation'] as const;
/** Fields holding a plain user name, and the domain field that goes with it. */
const ACCOUNT_FIELDS: readonly (readonly [string, string | undefined])[] = [
  ['TargetUserName', 'TargetDomainName'],
  ['SubjectUserName', 'SubjectDomainName'],
  ['User', undefined],
  ['UserName', undefined],
  ['AccountName', undefined],
  ['cs-username', undefined],
  ['user.name', undefined],
  ['winlog.user.name', undefined],
];
const IP_FIELDS = [
  'IpAddress',
  'SourceIp',
  'SourceAddress',
  'ClientIP',
  'c-ip',
  'src_ip',
  'source.ip',
  'client.ip',
] as const;
const PROCESS_FIELDS = [
  'ProcessGuid',
  'ParentProcessGuid',
  'SourceProcessGuid',
  'SourceProcessGUID',
] as const;
const SINGLE_HASH_FIELDS: readonly (readonly [string, string])[] = [
  ['sha256', 'sha256'],
  ['SHA256', 'sha256'],
  ['file.hash.sha256', 'sha256'],
  ['hash.sha256', 'sha256'],
  ['sha1', 'sha1'],
  ['SHA1', 'sha1'],
  ['file.hash.sha1', 'sha1'],
  ['md5', 'md5'],
  ['MD5', 'md5'],
  ['file.hash.md5', 'md5'],
];
/** Which file a `Hashes` field describes, to tell operating-system files from dropped ones. */
const HASHED_FILE_FIELDS = ['Image', 'ImageLoaded', 'TargetFilename'] as const;

const HASH_LENGTHS: Readonly<Record<string, number>> = { sha256: 64, sha1: 40, md5: 32 };

const SERVICE_ACCOUNTS = new Set([
  'system',
  'local service',
  'localservice',
  'network service',
  'networkservice',
  'anonymous logon',
  'anonymous',
  'iusr',
  'defaultapppool',
  'n/a',
]);

const IGNORED_IPS = new Set(['127.0.0.1', '::1', '0.0.0.0', '::']);

function text(value: unknown): string | undefined {
  if (typeof value === 'string') {
    const trimmed = value.trim();
    return trimmed === '' || trimmed === '-' ? undefined : trimmed;
  }
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** `EC-WS-0001.elections.local` → `ec-ws-0001`; IPs and odd values stay whole (lowercased). */
export function normaliseHost(raw: string): string | undefined {
  const value = raw.trim().toLowerCase().replace(/^\\\\/, '');
  if (value === '' || value === '-' || value === 'localhost' || value === 'unknown') return undefined;
  if (isIP(value) !== 0) return value;
  const label = value.split('.')[0]!;
  return label === '' ? undefined : label;
}

/** `ELECTIONS\Alice`, `alice@elections.gov`, `elections.local/Users/alice` → `alice`; service identities → undefined. */
export function normaliseAccount(raw: string): string | undefined {
  let value = raw.trim().toLowerCase();
  if (
    value.startsWith('nt authority\\') ||
    value.startsWith('font driver host\\') ||
    value.startsWith('window manager\\')
  )
    return undefined;
  const slash = Math.max(value.lastIndexOf('\\'), value.lastIndexOf('/'));
  if (slash >= 0) value = value.slice(slash + 1);
  const at = value.indexOf('@');
  if (at > 0) value = value.slice(0, at);
  if (value === '' || value === '-' || SERVICE_ACCOUNTS.has(value)) return undefined;
  if (value.endsWith('$')) return undefined; // machine account
  if (/^(dwm|umfd)-\d+$/.test(value)) return undefined; // per-session system identities
  if (/^s-1-5-(18|19|20)$/.test(value)) return undefined; // SYSTEM, LOCAL SERVICE, NETWORK SERVICE SIDs
  return value;
}

/** Canonical IP text, or undefined for loopback/unspecified/non-IP values. */
export function normaliseIp(raw: string): string | undefined {
  let value = raw.trim().toLowerCase();
  if (value.startsWith('[') && value.includes(']')) value = value.slice(1, value.indexOf(']'));
  if (value.startsWith('::ffff:') && isIP(value.slice(7)) === 4) value = value.slice(7);
  if (isIP(value) === 0) return undefined;
  if (IGNORED_IPS.has(value) || value.startsWith('127.')) return undefined;
  return value;
}

/** `{A1B2…}` → `a1b2…`; the all-zero GUID (no process) → undefined. */
export function normaliseGuid(raw: string): string | undefined {
  const value = raw
    .trim()
    .toLowerCase()
    .replace(/^\{|\}$/g, '');
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value)) return undefined;
  if (/^[0-]+$/.test(value)) return undefined;
  return value;
}

/** Sysmon's `Hashes`: `SHA1=…,MD5=…,SHA256=…,IMPHASH=…` → `[['sha1', …], ['md5', …], ['sha256', …]]`. */
export function parseHashes(raw: string): [algorithm: string, hex: string][] {
  const found: [string, string][] = [];
  for (const part of raw.split(/[,;\s]+/)) {
    const equals = part.indexOf('=');
    if (equals <= 0) continue;
    const algorithm = part.slice(0, equals).trim().toLowerCase();
    const hex = part
      .slice(equals + 1)
      .trim()
      .toLowerCase();
    // IMPHASH is shared by unrelated binaries built alike: not an identity of a file.
    if (HASH_LENGTHS[algorithm] !== hex.length || !/^[0-9a-f]+$/.test(hex)) continue;
    found.push([algorithm, hex]);
  }
  return found;
}

function isOperatingSystemFile(path: string | undefined): boolean {
  if (path === undefined) return false;
  return /^(?:[a-z]:|\\\\\?\\[a-z]:|%systemroot%|\\systemroot)?\\windows\\/i.test(path.trim());
}

const HOST_FIELD_SET = new Set<string>([...HOST_FIELDS, ...SOURCE_HOST_FIELDS]);
const ACCOUNT_FIELD_SET = new Set<string>(ACCOUNT_FIELDS.map(([field]) => field));
const IP_FIELD_SET = new Set<string>(IP_FIELDS);

/**
 * A correlation alert's event is a summary (src/correlate/correlation-engine.ts): what ties it to other
 * alerts is its `group` — the source address of a password spray, the account of a brute force. Group
 * fields are named by the rule (often an alias such as `auth_source`), so a value that is an IP address
 * counts as a source IP whatever its name; otherwise the field name must be one we know.
 */
function addCorrelationGroup(
  correlation: unknown,
  add: (kind: EntityKind, value: string | undefined, display: string, field: string) => void,
): void {
  if (typeof correlation !== 'object' || correlation === null) return;
  const group = (correlation as Record<string, unknown>)['group'];
  if (typeof group !== 'object' || group === null || Array.isArray(group)) return;
  for (const [field, value] of Object.entries(group as Record<string, unknown>)) {
    const raw = text(value);
    if (raw === undefined) continue;
    if (isIP(raw.replace(/^\[|\]$/g, '').replace(/^::ffff:/i, '')) !== 0 || IP_FIELD_SET.has(field))
      add('source-ip', normaliseIp(raw), raw, `correlation.group.${field}`);
    else if (HOST_FIELD_SET.has(field)) add('host', normaliseHost(raw), raw, `correlation.group.${field}`);
    else if (ACCOUNT_FIELD_SET.has(field))
      add('account', normaliseAccount(raw), raw, `correlation.group.${field}`);
  }
}

/**
 * Entities of one event, deduplicated by kind and value and sorted (kind order of `ENTITY_KINDS`, then
 * value), so the result is the same however the event's fields are ordered.
 */
export function extractEntities(event: unknown): Entity[] {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return [];
  const view = new EventView(event as Record<string, unknown>);
  const found = new Map<string, Entity>();
  const add = (kind: EntityKind, value: string | undefined, display: string, field: string): void => {
    if (value === undefined) return;
    const key = `${kind}:${value}`;
    if (!found.has(key)) found.set(key, { kind, value, display, field });
  };
  for (const field of [...HOST_FIELDS, ...SOURCE_HOST_FIELDS]) {
    const raw = text(view.get(field));
    if (raw !== undefined) add('host', normaliseHost(raw), raw, field);
  }
  for (const [field, domainField] of ACCOUNT_FIELDS) {
    const raw = text(view.get(field));
    if (raw === undefined) continue;
    const domain = domainField === undefined ? undefined : text(view.get(domainField));
    const display = domain !== undefined && !raw.includes('\\') ? `${domain}\\${raw}` : raw;
    add('account', normaliseAccount(display), display, field);
  }
  for (const field of IP_FIELDS) {
    const raw = text(view.get(field));
    if (raw !== undefined) add('source-ip', normaliseIp(raw), raw, field);
  }
  const hashedFile = HASHED_FILE_FIELDS.map((field) => text(view.get(field))).find(
    (value) => value !== undefined,
  );
  if (!isOperatingSystemFile(hashedFile)) {
    for (const field of ['Hashes', 'Hash']) {
      const raw = text(view.get(field));
      if (raw === undefined) continue;
      for (const [algorithm, hex] of parseHashes(raw))
        add('file-hash', `${algorithm}:${hex}`, `${algorithm.toUpperCase()}=${hex}`, field);
    }
    for (const [field, algorithm] of SINGLE_HASH_FIELDS) {
      const raw = text(view.get(field));
      if (raw === undefined) continue;
      const hex = raw.toLowerCase();
      if (HASH_LENGTHS[algorithm] === hex.length && /^[0-9a-f]+$/.test(hex))
        add('file-hash', `${algorithm}:${hex}`, raw, field);
    }
  }
  for (const field of PROCESS_FIELDS) {
    const raw = text(view.get(field));
    if (raw !== undefined) add('process', normaliseGuid(raw), raw, field);
  }
  addCorrelationGroup((event as Record<string, unknown>)['correlation'], add);
  const order = (kind: EntityKind): number => ENTITY_KINDS.indexOf(kind);
  return [...found.values()].sort((a, b) => order(a.kind) - order(b.kind) || a.value.localeCompare(b.value));
}
