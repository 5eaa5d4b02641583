/**
 * Windows event records in the JSON shape of the Rust `evtx_dump` (`{"Event": {"#attributes", "System",
 * "EventData"}}`), one per line. Builders take decided facts (image, command line, account…) and add what
 * Sysmon and the Security log would: GUIDs, ids, hashes, the System block. The EventRecordID is given when
 * the record is written, because it follows the order of the file.
 */
import type { Account, Host } from './estate.js';
import { LOCAL_SERVICE, NETWORK_SERVICE, SYSTEM } from './estate.js';
import type { Prng } from './prng.js';
import { hashString, Prng as Random } from './prng.js';

export type Channel =
  'Security' | 'Microsoft-Windows-Sysmon/Operational' | 'System' | 'MSExchange Management';

export const SYSMON: Channel = 'Microsoft-Windows-Sysmon/Operational';

export type EventData = Record<string, string | number | boolean>;

/** A record before it is numbered and written. */
export interface WinRecord {
  readonly timeUs: number;
  readonly channel: Channel;
  readonly eventId: number;
  /** Only for providers that write EventID with Qualifiers (Service Control Manager, MSExchange). */
  readonly qualifiers?: number;
  readonly version: number;
  readonly level: number;
  readonly task: number;
  readonly keywords: string;
  readonly threadId: number;
  /** `System.Security.UserID`; absent for the Security channel, which writes `null`. */
  readonly userId?: string;
  readonly activityId?: string;
  /** Named EventData fields, or the unnamed `<Data>` list of classic providers. */
  readonly data: EventData | { readonly Data: { readonly '#text': readonly string[] } };
}

/** The context a builder draws from: the host the event happens on and that host's random stream. */
export interface Ctx {
  readonly host: Host;
  readonly rng: Prng;
}

const XMLNS = { xmlns: 'http://schemas.microsoft.com/win/2004/08/events/event' };
const PROVIDERS: Readonly<Record<Channel, unknown>> = {
  'Microsoft-Windows-Sysmon/Operational': {
    '#attributes': { Name: 'Microsoft-Windows-Sysmon', Guid: '5770385F-C22A-43E0-BF4C-06F5698FFBD9' },
  },
  Security: {
    '#attributes': {
      Name: 'Microsoft-Windows-Security-Auditing',
      Guid: '54849625-5478-4994-A5BA-3E3B0328C30D',
    },
  },
  System: {
    '#attributes': {
      Name: 'Service Control Manager',
      Guid: '555908D1-A6D7-4695-8E1E-26931D2012F4',
      EventSourceName: 'Service Control Manager',
    },
  },
  'MSExchange Management': { '#attributes': { Name: 'MSExchange CmdletLogs' } },
};

/** `2021-08-10T03:12:09.123456Z`, as evtx_dump prints `SystemTime`. */
export function systemTime(us: number): string {
  const ms = Math.floor(us / 1000);
  return `${new Date(ms).toISOString().slice(0, 23)}${String(us % 1000).padStart(3, '0')}Z`;
}

/** Sysmon's `UtcTime`: `2021-08-10 03:12:09.101`. */
export function sysmonUtcTime(us: number): string {
  const iso = new Date(Math.floor(us / 1000)).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

/** The process that writes a channel: Sysmon's service, lsass for Security, services.exe for System. */
function writerPid(channel: Channel, host: Host): number {
  if (channel === SYSMON) return host.sysmonPid;
  if (channel === 'Security') return host.lsassPid;
  if (channel === 'System') return host.servicesPid;
  return 4 * (1000 + (hashString(host.name) % 2000));
}

/** The complete JSON line of a record (without the newline). */
export function serialise(record: WinRecord, host: Host, recordId: number): string {
  const system: Record<string, unknown> = {
    Provider: PROVIDERS[record.channel],
    EventID:
      record.qualifiers === undefined
        ? record.eventId
        : { '#attributes': { Qualifiers: record.qualifiers }, '#text': record.eventId },
    Version: record.version,
    Level: record.level,
    Task: record.task,
    Opcode: 0,
    Keywords: record.keywords,
    TimeCreated: { '#attributes': { SystemTime: systemTime(record.timeUs) } },
    EventRecordID: recordId,
    Correlation:
      record.activityId === undefined ? null : { '#attributes': { ActivityID: record.activityId } },
    Execution: { '#attributes': { ProcessID: writerPid(record.channel, host), ThreadID: record.threadId } },
    Channel: record.channel,
    Computer: host.fqdn,
    Security: record.userId === undefined ? null : { '#attributes': { UserID: record.userId } },
  };
  return JSON.stringify({ Event: { '#attributes': XMLNS, System: system, EventData: record.data } });
}

// ---------------------------------------------------------------------------------------------------------
// Processes

export type Integrity = 'System' | 'High' | 'Medium' | 'Low';

export interface PeInfo {
  readonly fileVersion: string;
  readonly description: string;
  readonly product: string;
  readonly company: string;
  readonly originalFileName: string;
}

/** A running process as Sysmon identifies it. */
export interface Proc {
  readonly image: string;
  readonly cmd: string;
  readonly account: Account;
  readonly guid: string;
  readonly pid: number;
}

/** A process about to start: what it is, who runs it, where. */
export interface NewProc {
  readonly image: string;
  readonly pe: PeInfo;
  readonly cmd: string;
  readonly account: Account;
  readonly integrity: Integrity;
  readonly cwd?: string;
}

/**
 * A Sysmon ProcessGuid: the machine part, the process start time (seconds, low and high 16 bits), a
 * counter, and the boot part, as Sysmon builds it.
 */
export function processGuid(c: Ctx, startUs: number): string {
  const seconds = Math.floor(startUs / 1e6) >>> 0;
  const low = (seconds & 0xffff).toString(16).toUpperCase().padStart(4, '0');
  const high = (seconds >>> 16).toString(16).toUpperCase().padStart(4, '0');
  return `${c.host.guidPrefix}-${low}-${high}-${c.rng.hex(4).toUpperCase()}-${c.host.guidSuffix}`;
}

export function newPid(rng: Prng): number {
  return 4 * rng.range(100, 5000);
}

/** Starts `proc` under `parent`: returns the running process and its Sysmon 1 record. */
export function startProcess(
  c: Ctx,
  timeUs: number,
  proc: NewProc,
  parent: Proc,
): { readonly proc: Proc; readonly record: WinRecord } {
  const started: Proc = {
    image: proc.image,
    cmd: proc.cmd,
    account: proc.account,
    guid: processGuid(c, timeUs),
    pid: newPid(c.rng),
  };
  return { proc: started, record: sysmonProcessCreate(c, timeUs, proc, started, parent) };
}

const hashCache = new Map<string, string>();

/** Stable `MD5=…,SHA256=…,IMPHASH=…` per image file name and version (the same binary everywhere). */
export function hashesFor(image: string, version: string): string {
  const key = `${image.slice(image.lastIndexOf('\\') + 1).toLowerCase()}|${version}`;
  let hashes = hashCache.get(key);
  if (hashes === undefined) {
    const r = new Random(hashString(key));
    hashes = `MD5=${r.hex(32).toUpperCase()},SHA256=${r.hex(64).toUpperCase()},IMPHASH=${r.hex(32).toUpperCase()}`;
    if (hashCache.size < 10_000) hashCache.set(key, hashes);
  }
  return hashes;
}

export function qualifiedName(account: Account): string {
  return `${account.domain}\\${account.name}`;
}

/** `0x3e7` for SYSTEM; a stable session id per host and account otherwise. */
export function logonId(account: Account, host: Host): string {
  if (account === SYSTEM) return '0x3e7';
  if (account === LOCAL_SERVICE) return '0x3e5';
  if (account === NETWORK_SERVICE) return '0x3e4';
  return `0x${(0x20000 + (hashString(`${host.name}|${account.name}`) % 0x7fffff)).toString(16)}`;
}

function logonGuid(account: Account, host: Host): string {
  const id = logonId(account, host).slice(2).toUpperCase().padStart(8, '0');
  return `${host.guidPrefix}-${id.slice(0, 4)}-${host.guidSuffix.slice(0, 4)}-${id.slice(4, 8)}-000000000000`;
}

function currentDirectory(proc: NewProc): string {
  if (proc.cwd !== undefined) return proc.cwd;
  if (proc.account.kind === 'person' || proc.account.kind === 'admin')
    return `C:\\Users\\${proc.account.name}\\`;
  return 'C:\\Windows\\system32\\';
}

function sysmonRecord(c: Ctx, timeUs: number, eventId: number, version: number, data: EventData): WinRecord {
  return {
    timeUs,
    channel: SYSMON,
    eventId,
    version,
    level: 4,
    task: eventId,
    keywords: '0x8000000000000000',
    threadId: c.host.sysmonPid + 4 * (1 + c.rng.int(30)),
    userId: 'S-1-5-18',
    data,
  };
}

/** Sysmon 1. */
export function sysmonProcessCreate(
  c: Ctx,
  timeUs: number,
  proc: NewProc,
  started: Proc,
  parent: Proc,
): WinRecord {
  const human = proc.account.kind === 'person' || proc.account.kind === 'admin';
  return sysmonRecord(c, timeUs, 1, 5, {
    RuleName: '-',
    UtcTime: sysmonUtcTime(timeUs - 1000 * c.rng.range(2, 40)),
    ProcessGuid: started.guid,
    ProcessId: started.pid,
    Image: proc.image,
    FileVersion: proc.pe.fileVersion,
    Description: proc.pe.description,
    Product: proc.pe.product,
    Company: proc.pe.company,
    OriginalFileName: proc.pe.originalFileName,
    CommandLine: proc.cmd,
    CurrentDirectory: currentDirectory(proc),
    User: qualifiedName(proc.account),
    LogonGuid: logonGuid(proc.account, c.host),
    LogonId: logonId(proc.account, c.host),
    TerminalSessionId: human ? 1 + (hashString(`${c.host.name}|${proc.account.name}`) % 3) : 0,
    IntegrityLevel: proc.integrity,
    Hashes: hashesFor(proc.image, proc.pe.fileVersion),
    ParentProcessGuid: parent.guid,
    ParentProcessId: parent.pid,
    ParentImage: parent.image,
    ParentCommandLine: parent.cmd,
    ParentUser: qualifiedName(parent.account),
  });
}

const PORT_NAMES: Readonly<Record<number, string>> = {
  53: 'domain',
  80: 'http',
  88: 'kerberos',
  135: 'epmap',
  389: 'ldap',
  443: 'https',
  445: 'microsoft-ds',
  636: 'ldaps',
  1433: 'ms-sql-s',
  3268: 'msft-gc',
  3389: 'ms-wbt-server',
  8530: '-',
};

export interface Connection {
  readonly proc: Proc;
  readonly initiated: boolean;
  readonly sourceIp: string;
  readonly sourceHostname: string;
  readonly sourcePort: number;
  readonly destinationIp: string;
  readonly destinationHostname: string;
  readonly destinationPort: number;
}

/** Sysmon 3 (TCP). */
export function sysmonNetworkConnect(c: Ctx, timeUs: number, conn: Connection): WinRecord {
  return sysmonRecord(c, timeUs, 3, 5, {
    RuleName: '-',
    // Sysmon reports a connection a little after it was made.
    UtcTime: sysmonUtcTime(timeUs - 1000 * c.rng.range(20, 400)),
    ProcessGuid: conn.proc.guid,
    ProcessId: conn.proc.pid,
    Image: conn.proc.image,
    User: qualifiedName(conn.proc.account),
    Protocol: 'tcp',
    Initiated: conn.initiated,
    SourceIsIpv6: false,
    SourceIp: conn.sourceIp,
    SourceHostname: conn.sourceHostname,
    SourcePort: conn.sourcePort,
    SourcePortName: PORT_NAMES[conn.sourcePort] ?? '-',
    DestinationIsIpv6: false,
    DestinationIp: conn.destinationIp,
    DestinationHostname: conn.destinationHostname,
    DestinationPort: conn.destinationPort,
    DestinationPortName: PORT_NAMES[conn.destinationPort] ?? '-',
  });
}

/** Sysmon 11. `createdUs` differs from the event time when an existing file is overwritten. */
export function sysmonFileCreate(
  c: Ctx,
  timeUs: number,
  proc: Proc,
  target: string,
  createdUs: number = timeUs,
): WinRecord {
  const utc = sysmonUtcTime(timeUs - 1000 * c.rng.range(1, 20));
  return sysmonRecord(c, timeUs, 11, 2, {
    RuleName: '-',
    UtcTime: utc,
    ProcessGuid: proc.guid,
    ProcessId: proc.pid,
    Image: proc.image,
    TargetFilename: target,
    CreationUtcTime: createdUs === timeUs ? utc : sysmonUtcTime(createdUs),
    User: qualifiedName(proc.account),
  });
}

/** Sysmon 13 (registry value set). */
export function sysmonRegistrySet(
  c: Ctx,
  timeUs: number,
  proc: Proc,
  targetObject: string,
  details: string,
): WinRecord {
  return sysmonRecord(c, timeUs, 13, 2, {
    RuleName: '-',
    EventType: 'SetValue',
    UtcTime: sysmonUtcTime(timeUs - 1000 * c.rng.range(1, 20)),
    ProcessGuid: proc.guid,
    ProcessId: proc.pid,
    Image: proc.image,
    TargetObject: targetObject,
    Details: details,
    User: qualifiedName(proc.account),
  });
}

/** Sysmon 10. */
export function sysmonProcessAccess(
  c: Ctx,
  timeUs: number,
  source: Proc,
  target: Proc,
  grantedAccess: string,
  callTrace: string,
): WinRecord {
  return sysmonRecord(c, timeUs, 10, 3, {
    RuleName: '-',
    UtcTime: sysmonUtcTime(timeUs - 1000 * c.rng.range(1, 20)),
    SourceProcessGUID: source.guid,
    SourceProcessId: source.pid,
    SourceThreadId: newPid(c.rng),
    SourceImage: source.image,
    TargetProcessGUID: target.guid,
    TargetProcessId: target.pid,
    TargetImage: target.image,
    GrantedAccess: grantedAccess,
    CallTrace: callTrace,
    SourceUser: qualifiedName(source.account),
    TargetUser: qualifiedName(target.account),
  });
}

/** A `CallTrace` through ntdll and KERNELBASE into the caller, optionally via other modules. */
export function callTrace(c: Ctx, callerImage: string, via: readonly string[] = []): string {
  const frames = [
    `C:\\Windows\\SYSTEM32\\ntdll.dll+${c.rng.hex(5)}`,
    `C:\\Windows\\System32\\KERNELBASE.dll+${c.rng.hex(5)}`,
    ...via.map((module) => `${module}+${c.rng.hex(5)}`),
    `${callerImage}+${c.rng.hex(5)}`,
  ];
  return frames.join('|');
}
