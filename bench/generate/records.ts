/**
 * Builders of single records in the evtx_dump JSON shape (`{"Event": {"#attributes", "System", "EventData"}}`),
 * shared by the benign and the attack scenarios. They take fully decided facts (image, command line,
 * account...) and add what Sysmon and the Security log would: GUIDs, ids, hashes, times.
 */
import type { Ctx, Integrity, PeInfo } from './catalog.js';
import type { Account, Host } from './estate.js';
import { DOMAIN, LOCAL_SERVICE, NETWORK_SERVICE, SYSTEM } from './estate.js';
import { hashString, Prng } from './prng.js';

export type EventData = Record<string, string | number | boolean>;

/** What a scenario returns: the record's body, before the envelope (System block) is added. */
export interface RecordBody {
  readonly log: 'sysmon' | 'security';
  readonly eventId: number;
  readonly data: EventData;
  /** Security events: audit failure (4625) rather than success. */
  readonly failure?: boolean;
}

/** A process as the logs see it. */
export interface ProcSpec {
  readonly image: string;
  readonly pe: PeInfo;
  readonly cmd: string;
  readonly account: Account;
  readonly integrity: Integrity;
}

const SYSMON_VERSIONS: Readonly<Record<number, number>> = {
  1: 5,
  3: 5,
  5: 3,
  7: 3,
  10: 3,
  11: 2,
  12: 2,
  13: 2,
  22: 5,
};
const SECURITY_META: Readonly<Record<number, readonly [version: number, task: number]>> = {
  4624: [2, 12544],
  4625: [0, 12544],
  4634: [0, 12545],
  4672: [0, 12548],
  4688: [2, 13312],
  4663: [1, 12800],
  4776: [0, 14336],
  5156: [1, 12810],
};
const XMLNS = { xmlns: 'http://schemas.microsoft.com/win/2004/08/events/event' };
const SYSMON_PROVIDER = {
  '#attributes': { Name: 'Microsoft-Windows-Sysmon', Guid: '5770385F-C22A-43E0-BF4C-06F5698FFBD9' },
};
const SECURITY_PROVIDER = {
  '#attributes': {
    Name: 'Microsoft-Windows-Security-Auditing',
    Guid: '54849625-5478-4994-A5BA-3E3B0328C30D',
  },
};
const SYSMON_SECURITY = { '#attributes': { UserID: 'S-1-5-18' } };

/** Formats microseconds since the epoch as evtx_dump prints `SystemTime`: `2025-04-28T06:17:19.772545Z`. */
export function systemTime(us: number): string {
  const ms = Math.floor(us / 1000);
  return `${new Date(ms).toISOString().slice(0, 23)}${String(us % 1000).padStart(3, '0')}Z`;
}

/** Sysmon's `UtcTime`: `2025-04-28 06:17:19.636`. */
export function sysmonUtcTime(us: number): string {
  const iso = new Date(Math.floor(us / 1000)).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

/** Adds the System block. `recordId` is the per-host, per-channel EventRecordID. */
export function envelope(body: RecordBody, host: Host, timeUs: number, recordId: number, rng: Prng): unknown {
  if (body.log === 'sysmon') {
    return {
      Event: {
        '#attributes': XMLNS,
        System: {
          Provider: SYSMON_PROVIDER,
          EventID: body.eventId,
          Version: SYSMON_VERSIONS[body.eventId] ?? 2,
          Level: 4,
          Task: body.eventId,
          Opcode: 0,
          Keywords: '0x8000000000000000',
          TimeCreated: { '#attributes': { SystemTime: systemTime(timeUs) } },
          EventRecordID: recordId,
          Correlation: null,
          Execution: {
            '#attributes': { ProcessID: host.sysmonPid, ThreadID: host.sysmonPid + 4 * (1 + rng.int(24)) },
          },
          Channel: 'Microsoft-Windows-Sysmon/Operational',
          Computer: host.fqdn,
          Security: SYSMON_SECURITY,
        },
        EventData: body.data,
      },
    };
  }
  const [version, task] = SECURITY_META[body.eventId] ?? [0, 12544];
  const logon = body.eventId === 4624 || body.eventId === 4625 || body.eventId === 4672;
  return {
    Event: {
      '#attributes': XMLNS,
      System: {
        Provider: SECURITY_PROVIDER,
        EventID: body.eventId,
        Version: version,
        Level: 0,
        Task: task,
        Opcode: 0,
        Keywords: body.failure === true ? '0x8010000000000000' : '0x8020000000000000',
        TimeCreated: { '#attributes': { SystemTime: systemTime(timeUs) } },
        EventRecordID: recordId,
        Correlation: logon ? { '#attributes': { ActivityID: rng.guid() } } : null,
        Execution: { '#attributes': { ProcessID: host.lsassPid, ThreadID: 4 * rng.range(30, 2500) } },
        Channel: 'Security',
        Computer: host.fqdn,
        Security: null,
      },
      EventData: body.data,
    },
  };
}

const hashCache = new Map<string, string>();

/** Stable `MD5=…,SHA256=…,IMPHASH=…` per image path, as a Sysmon `Hashes` field. */
export function hashesFor(image: string): string {
  let hashes = hashCache.get(image);
  if (hashes === undefined) {
    const r = new Prng(hashString(image.toLowerCase()));
    hashes = `MD5=${r.hex(32).toUpperCase()},SHA256=${r.hex(64).toUpperCase()},IMPHASH=${r.hex(32).toUpperCase()}`;
    hashCache.set(image, hashes);
  }
  return hashes;
}

export function qualifiedName(account: Account): string {
  return `${account.domain}\\${account.name}`;
}

/** `0x3e7` for SYSTEM; a per-host, per-user stable session id for people. */
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

export function processGuid(c: Ctx): string {
  return `${c.host.guidPrefix}-${c.rng.hex(4).toUpperCase()}-${c.rng.hex(4).toUpperCase()}-${c.rng.hex(4).toUpperCase()}-${c.host.guidSuffix}`;
}

export function pid(c: Ctx): number {
  return 4 * c.rng.range(60, 6000);
}

/** The Security log's subject: SYSTEM shows up as the machine account (`EC-DC01$`). */
function subject(account: Account, host: Host): EventData {
  const system = account === SYSTEM;
  return {
    SubjectUserSid: account.sid,
    SubjectUserName: system ? `${host.name.toUpperCase()}$` : account.name,
    SubjectDomainName: system ? DOMAIN : account.domain,
    SubjectLogonId: logonId(account, host),
  };
}

function currentDirectory(spec: ProcSpec): string {
  if (spec.account.kind === 'person' || spec.account.kind === 'admin')
    return `C:\\Users\\${spec.account.name}\\`;
  return 'C:\\Windows\\system32\\';
}

const INTEGRITY_SID: Readonly<Record<Integrity, string>> = {
  System: 'S-1-16-16384',
  High: 'S-1-16-12288',
  Medium: 'S-1-16-8192',
  Low: 'S-1-16-4096',
  AppContainer: 'S-1-16-4096',
};

/** Sysmon 1. */
export function sysmonProcessCreate(c: Ctx, timeUs: number, proc: ProcSpec, parent: ProcSpec): RecordBody {
  const human = proc.account.kind === 'person' || proc.account.kind === 'admin';
  return {
    log: 'sysmon',
    eventId: 1,
    data: {
      RuleName: '-',
      UtcTime: sysmonUtcTime(timeUs - 1000 * c.rng.range(1, 40)),
      ProcessGuid: processGuid(c),
      ProcessId: pid(c),
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
      TerminalSessionId: human ? 1 + (hashString(c.host.name) % 2) : 0,
      IntegrityLevel: proc.integrity,
      Hashes: hashesFor(proc.image),
      ParentProcessGuid: processGuid(c),
      ParentProcessId: pid(c),
      ParentImage: parent.image,
      ParentCommandLine: parent.cmd,
      ParentUser: qualifiedName(parent.account),
    },
  };
}

/** Security 4688 with command-line auditing on. */
export function securityProcessCreate(c: Ctx, proc: ProcSpec, parent: ProcSpec): RecordBody {
  const elevated = proc.integrity === 'High' || proc.integrity === 'System';
  return {
    log: 'security',
    eventId: 4688,
    data: {
      ...subject(proc.account, c.host),
      NewProcessId: `0x${pid(c).toString(16)}`,
      NewProcessName: proc.image,
      TokenElevationType: elevated ? '%%1937' : proc.account.kind === 'builtin' ? '%%1936' : '%%1938',
      ProcessId: `0x${pid(c).toString(16)}`,
      CommandLine: proc.cmd,
      TargetUserSid: 'S-1-0-0',
      TargetUserName: '-',
      TargetDomainName: '-',
      TargetLogonId: '0x0',
      ParentProcessName: parent.image,
      MandatoryLabel: INTEGRITY_SID[proc.integrity],
    },
  };
}

const PORT_NAMES: Readonly<Record<number, string>> = {
  25: 'smtp',
  53: 'domain',
  88: 'kerberos',
  135: 'epmap',
  389: 'ldap',
  443: 'https',
  445: 'microsoft-ds',
  636: 'ldaps',
  1433: 'ms-sql-s',
  3389: 'ms-wbt-server',
  80: 'http',
  8080: 'http-alt',
};

export interface Connection {
  readonly proc: ProcSpec;
  readonly initiated: boolean;
  readonly protocol: 'tcp' | 'udp';
  readonly sourceIp: string;
  readonly sourceHostname: string;
  readonly sourcePort: number;
  readonly destinationIp: string;
  readonly destinationHostname: string;
  readonly destinationPort: number;
}

/** Sysmon 3. */
export function sysmonNetworkConnect(c: Ctx, timeUs: number, conn: Connection): RecordBody {
  return {
    log: 'sysmon',
    eventId: 3,
    data: {
      RuleName: '-',
      UtcTime: sysmonUtcTime(timeUs - 1000 * c.rng.range(100, 3000)),
      ProcessGuid: processGuid(c),
      ProcessId: conn.proc.image === 'System' ? 4 : pid(c),
      Image: conn.proc.image,
      User: qualifiedName(conn.proc.account),
      Protocol: conn.protocol,
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
    },
  };
}

/** Sysmon 22. */
export function sysmonDnsQuery(
  c: Ctx,
  timeUs: number,
  proc: ProcSpec,
  query: string,
  results: string,
): RecordBody {
  return {
    log: 'sysmon',
    eventId: 22,
    data: {
      RuleName: '-',
      UtcTime: sysmonUtcTime(timeUs - 1000 * c.rng.range(1, 50)),
      ProcessGuid: processGuid(c),
      ProcessId: pid(c),
      QueryName: query,
      QueryStatus: '0',
      QueryResults: results,
      Image: proc.image,
      User: qualifiedName(proc.account),
    },
  };
}

/** Sysmon 11. */
export function sysmonFileCreate(c: Ctx, timeUs: number, proc: ProcSpec, target: string): RecordBody {
  const utc = sysmonUtcTime(timeUs - 1000 * c.rng.range(1, 20));
  return {
    log: 'sysmon',
    eventId: 11,
    data: {
      RuleName: '-',
      UtcTime: utc,
      ProcessGuid: processGuid(c),
      ProcessId: pid(c),
      Image: proc.image,
      TargetFilename: target,
      CreationUtcTime: c.rng.chance(0.7)
        ? utc
        : sysmonUtcTime(timeUs - 1000_000 * c.rng.range(60, 86_400 * 30)),
      User: qualifiedName(proc.account),
    },
  };
}

/** Sysmon 12 (create/delete key) or 13 (set value, when `details` is given). */
export function sysmonRegistry(
  c: Ctx,
  timeUs: number,
  proc: ProcSpec,
  targetObject: string,
  details: string | undefined,
  eventType: 'CreateKey' | 'DeleteKey' | 'SetValue' = details === undefined ? 'CreateKey' : 'SetValue',
): RecordBody {
  const base: EventData = {
    RuleName: '-',
    EventType: eventType,
    UtcTime: sysmonUtcTime(timeUs - 1000 * c.rng.range(1, 20)),
    ProcessGuid: processGuid(c),
    ProcessId: pid(c),
    Image: proc.image,
    TargetObject: targetObject,
  };
  if (details !== undefined) base['Details'] = details;
  base['User'] = qualifiedName(proc.account);
  return { log: 'sysmon', eventId: details === undefined ? 12 : 13, data: base };
}

/** Sysmon 10. */
export function sysmonProcessAccess(
  c: Ctx,
  timeUs: number,
  source: ProcSpec,
  target: ProcSpec,
  grantedAccess: string,
  callTrace: string,
): RecordBody {
  return {
    log: 'sysmon',
    eventId: 10,
    data: {
      RuleName: '-',
      UtcTime: sysmonUtcTime(timeUs - 1000 * c.rng.range(1, 20)),
      SourceProcessGUID: processGuid(c),
      SourceProcessId: pid(c),
      SourceThreadId: pid(c),
      SourceImage: source.image,
      TargetProcessGUID: processGuid(c),
      TargetProcessId: target.image.endsWith('lsass.exe') ? c.host.lsassPid : pid(c),
      TargetImage: target.image,
      GrantedAccess: grantedAccess,
      CallTrace: callTrace,
      SourceUser: qualifiedName(source.account),
      TargetUser: qualifiedName(target.account),
    },
  };
}

/** A plausible `CallTrace` through ntdll and KERNELBASE into the calling image, optionally via extra modules. */
export function callTrace(c: Ctx, sourceImage: string, via: readonly string[] = []): string {
  const frames = [
    `C:\\Windows\\SYSTEM32\\ntdll.dll+${c.rng.hex(5)}`,
    `C:\\Windows\\System32\\KERNELBASE.dll+${c.rng.hex(5)}`,
    ...via.map((m) => `${m}+${c.rng.hex(5)}`),
    `${sourceImage}+${c.rng.hex(5)}`,
  ];
  return frames.join('|');
}

/** Sysmon 7. */
export function sysmonImageLoad(c: Ctx, timeUs: number, proc: ProcSpec, dll: string): RecordBody {
  const name = dll.slice(dll.lastIndexOf('\\') + 1);
  const microsoft = !dll.includes('Google') && !dll.includes('Adobe') && !dll.includes('ElectoralRoll');
  return {
    log: 'sysmon',
    eventId: 7,
    data: {
      RuleName: '-',
      UtcTime: sysmonUtcTime(timeUs - 1000 * c.rng.range(1, 20)),
      ProcessGuid: processGuid(c),
      ProcessId: pid(c),
      Image: proc.image,
      ImageLoaded: dll,
      FileVersion: dll.includes('Office16') ? '16.0.17928.20216' : '10.0.20348.2849 (WinBuild.160101.0800)',
      Description:
        name.replace(/\.dll$/i, '').toUpperCase() === name ? name : `${name.replace(/\.dll$/i, '')} library`,
      Product: microsoft ? 'Microsoft® Windows® Operating System' : '-',
      Company: microsoft ? 'Microsoft Corporation' : dll.includes('Google') ? 'Google LLC' : '-',
      OriginalFileName: name,
      Hashes: hashesFor(dll),
      Signed: true,
      Signature: microsoft
        ? dll.includes('Office')
          ? 'Microsoft Corporation'
          : 'Microsoft Windows'
        : 'Google LLC',
      SignatureStatus: 'Valid',
      User: qualifiedName(proc.account),
    },
  };
}

/** Sysmon 5. */
export function sysmonProcessTerminate(c: Ctx, timeUs: number, proc: ProcSpec): RecordBody {
  return {
    log: 'sysmon',
    eventId: 5,
    data: {
      RuleName: '-',
      UtcTime: sysmonUtcTime(timeUs - 1000 * c.rng.range(1, 20)),
      ProcessGuid: processGuid(c),
      ProcessId: pid(c),
      Image: proc.image,
      User: qualifiedName(proc.account),
    },
  };
}

export interface Logon {
  readonly account: Account;
  readonly logonType: number;
  readonly ip: string;
  readonly workstation: string;
  readonly processName: string;
  readonly kerberos: boolean;
}

/** Security 4624. */
export function securityLogon(c: Ctx, logon: Logon): RecordBody {
  const local = logon.ip === '127.0.0.1' || logon.ip === '-';
  const elevated = logon.account.kind === 'admin' || logon.account.kind === 'builtin';
  return {
    log: 'security',
    eventId: 4624,
    data: {
      SubjectUserSid: local ? 'S-1-5-18' : 'S-1-0-0',
      SubjectUserName: local ? `${c.host.name.toUpperCase()}$` : '-',
      SubjectDomainName: local ? DOMAIN : '-',
      SubjectLogonId: local ? '0x3e7' : '0x0',
      TargetUserSid: logon.account.sid,
      TargetUserName: logon.account.name,
      TargetDomainName: logon.account.domain,
      TargetLogonId: `0x${c.rng.hex(c.rng.range(5, 8)).replace(/^0+/, '') || '1'}`,
      LogonType: logon.logonType,
      LogonProcessName: logon.kerberos ? 'Kerberos' : logon.logonType === 5 ? 'Advapi  ' : 'User32 ',
      AuthenticationPackageName: logon.kerberos ? 'Kerberos' : 'Negotiate',
      WorkstationName: logon.kerberos ? '-' : logon.workstation,
      LogonGuid: logon.kerberos ? `{${c.rng.guid()}}` : '{00000000-0000-0000-0000-000000000000}',
      TransmittedServices: '-',
      LmPackageName: '-',
      KeyLength: 0,
      ProcessId: local ? `0x${pid(c).toString(16)}` : '0x0',
      ProcessName: local ? logon.processName : '-',
      IpAddress: logon.ip,
      IpPort: local ? '0' : String(c.rng.range(49152, 65535)),
      ImpersonationLevel: '%%1833',
      RestrictedAdminMode: '-',
      TargetOutboundUserName: '-',
      TargetOutboundDomainName: '-',
      VirtualAccount: '%%1843',
      TargetLinkedLogonId: '0x0',
      ElevatedToken: elevated ? '%%1842' : '%%1843',
    },
  };
}

/** Security 4625. */
export function securityLogonFailure(
  c: Ctx,
  name: string,
  ip: string,
  workstation: string,
  unknownUser: boolean,
): RecordBody {
  return {
    log: 'security',
    eventId: 4625,
    failure: true,
    data: {
      SubjectUserSid: 'S-1-0-0',
      SubjectUserName: '-',
      SubjectDomainName: '-',
      SubjectLogonId: '0x0',
      TargetUserSid: 'S-1-0-0',
      TargetUserName: name,
      TargetDomainName: DOMAIN,
      Status: '0xc000006d',
      FailureReason: '%%2313',
      SubStatus: unknownUser ? '0xc0000064' : '0xc000006a',
      LogonType: 3,
      LogonProcessName: 'NtLmSsp ',
      AuthenticationPackageName: 'NTLM',
      WorkstationName: workstation,
      TransmittedServices: '-',
      LmPackageName: '-',
      KeyLength: 0,
      ProcessId: '0x0',
      ProcessName: '-',
      IpAddress: ip,
      IpPort: String(c.rng.range(49152, 65535)),
    },
  };
}

/** Security 4634. */
export function securityLogoff(c: Ctx, account: Account, logonType: number): RecordBody {
  return {
    log: 'security',
    eventId: 4634,
    data: {
      TargetUserSid: account.sid,
      TargetUserName: account.name,
      TargetDomainName: account.domain,
      TargetLogonId: `0x${c.rng.hex(6).replace(/^0+/, '') || '1'}`,
      LogonType: logonType,
    },
  };
}

const ADMIN_PRIVILEGES = [
  'SeSecurityPrivilege',
  'SeBackupPrivilege',
  'SeRestorePrivilege',
  'SeTakeOwnershipPrivilege',
  'SeDebugPrivilege',
  'SeSystemEnvironmentPrivilege',
  'SeLoadDriverPrivilege',
  'SeImpersonatePrivilege',
  'SeDelegateSessionUserImpersonatePrivilege',
];
const SYSTEM_PRIVILEGES = [
  'SeAssignPrimaryTokenPrivilege',
  'SeTcbPrivilege',
  'SeSecurityPrivilege',
  'SeTakeOwnershipPrivilege',
  'SeLoadDriverPrivilege',
  'SeBackupPrivilege',
  'SeRestorePrivilege',
  'SeDebugPrivilege',
  'SeAuditPrivilege',
  'SeSystemEnvironmentPrivilege',
  'SeImpersonatePrivilege',
  'SeDelegateSessionUserImpersonatePrivilege',
];

/** Security 4672. */
export function securitySpecialLogon(c: Ctx, account: Account): RecordBody {
  const privileges = account === SYSTEM ? SYSTEM_PRIVILEGES : ADMIN_PRIVILEGES;
  return {
    log: 'security',
    eventId: 4672,
    data: { ...subject(account, c.host), PrivilegeList: privileges.join('\r\n\t\t\t') },
  };
}

/** Security 4663. */
export function securityObjectAccess(
  c: Ctx,
  account: Account,
  objectName: string,
  processId: string,
  processName: string,
  write: boolean,
): RecordBody {
  return {
    log: 'security',
    eventId: 4663,
    data: {
      ...subject(account, c.host),
      ObjectServer: 'Security',
      ObjectType: 'File',
      ObjectName: objectName,
      HandleId: `0x${c.rng.hex(4).replace(/^0+/, '') || '4'}`,
      AccessList: write ? '%%4417\r\n\t\t\t\t' : '%%4416\r\n\t\t\t\t',
      AccessMask: write ? '0x2' : '0x1',
      ProcessId: processId,
      ProcessName: processName,
      ResourceAttributes: 'S:AI',
    },
  };
}

/** Security 4776. */
export function securityCredentialValidation(name: string, workstation: string, ok: boolean): RecordBody {
  return {
    log: 'security',
    eventId: 4776,
    failure: !ok,
    data: {
      PackageName: 'MICROSOFT_AUTHENTICATION_PACKAGE_V1_0',
      TargetUserName: name,
      Workstation: workstation,
      Status: ok ? '0x0' : '0xc000006a',
    },
  };
}

/** Security 5156. */
export function securityWfpAllowed(
  c: Ctx,
  application: string,
  inbound: boolean,
  source: readonly [string, number],
  destination: readonly [string, number],
  protocol: 6 | 17,
): RecordBody {
  return {
    log: 'security',
    eventId: 5156,
    data: {
      ProcessID: pid(c),
      Application: application,
      Direction: inbound ? '%%14592' : '%%14593',
      SourceAddress: source[0],
      SourcePort: String(source[1]),
      DestAddress: destination[0],
      DestPort: String(destination[1]),
      Protocol: protocol,
      FilterRTID: c.rng.range(60000, 90000),
      LayerName: inbound ? '%%14610' : '%%14611',
      LayerRTID: inbound ? 44 : 48,
      RemoteUserID: 'S-1-0-0',
      RemoteMachineID: 'S-1-0-0',
    },
  };
}

/** `\device\harddiskvolume2\windows\system32\svchost.exe`, as WFP names applications. */
export function devicePath(image: string): string {
  return `\\device\\harddiskvolume2${image.slice(2)}`.toLowerCase();
}
