/**
 * Security-log records (logons, Kerberos, NTLM, lockouts, explicit credentials, process creation), the
 * System log's service installation and the Exchange cmdlet log, with the fields and versions Windows
 * Server 2016/2019 writes.
 */
import type { Account, Host } from './estate.js';
import { DOMAIN, DNS_DOMAIN, SYSTEM } from './estate.js';
import type { Ctx, EventData, Integrity, Proc, WinRecord } from './evtx.js';
import { logonId, newPid } from './evtx.js';

const META: Readonly<Record<number, readonly [version: number, task: number]>> = {
  4624: [2, 12544],
  4625: [0, 12544],
  4634: [0, 12545],
  4648: [0, 12544],
  4672: [0, 12548],
  4688: [2, 13312],
  4740: [0, 13824],
  4768: [0, 14339],
  4769: [0, 14337],
  4771: [0, 14339],
  4776: [0, 14336],
};
const WITH_ACTIVITY = new Set([4624, 4625, 4648]);

function securityRecord(
  c: Ctx,
  timeUs: number,
  eventId: number,
  data: EventData,
  failure = false,
): WinRecord {
  const [version, task] = META[eventId] ?? [0, 12544];
  return {
    timeUs,
    channel: 'Security',
    eventId,
    version,
    level: 0,
    task,
    keywords: failure ? '0x8010000000000000' : '0x8020000000000000',
    threadId: c.host.lsassPid + 4 * (1 + c.rng.int(400)),
    ...(WITH_ACTIVITY.has(eventId) ? { activityId: `{${c.host.activityId}}` } : {}),
    data,
  };
}

/** The Security log's subject: SYSTEM appears as the machine account (`EXCH01$`). */
function subject(account: Account, host: Host): EventData {
  const system = account === SYSTEM;
  return {
    SubjectUserSid: account.sid,
    SubjectUserName: system ? `${host.name}$` : account.name,
    SubjectDomainName: system ? DOMAIN : account.domain,
    SubjectLogonId: logonId(account, host),
  };
}

const NO_SUBJECT: EventData = {
  SubjectUserSid: 'S-1-0-0',
  SubjectUserName: '-',
  SubjectDomainName: '-',
  SubjectLogonId: '0x0',
};

function randomLogonId(c: Ctx): string {
  return `0x${(0x100000 + c.rng.int(0xefffff)).toString(16)}`;
}

function highPort(c: Ctx): string {
  return String(c.rng.range(49152, 65535));
}

export type LogonKind = 'interactive' | 'network-kerberos' | 'network-ntlm' | 'remote-interactive';

export interface Logon {
  readonly account: Account;
  readonly kind: LogonKind;
  /** Source address (`127.0.0.1` for local interactive logons). */
  readonly ip: string;
  /** The client's NetBIOS name, as NTLM reports it. */
  readonly workstation: string;
  /** Reused by the matching 4634 so that logon and logoff pair up. */
  readonly logonId?: string;
}

const LOGON_TYPES: Readonly<Record<LogonKind, number>> = {
  interactive: 2,
  'network-kerberos': 3,
  'network-ntlm': 3,
  'remote-interactive': 10,
};

/** Security 4624. */
export function logonSuccess(c: Ctx, timeUs: number, logon: Logon): WinRecord {
  const local = logon.kind === 'interactive' || logon.kind === 'remote-interactive';
  const ntlm = logon.kind === 'network-ntlm';
  const kerberos = logon.kind === 'network-kerberos';
  const elevated = logon.account.kind === 'admin' || logon.account.kind === 'builtin';
  return securityRecord(c, timeUs, 4624, {
    ...(local
      ? {
          SubjectUserSid: 'S-1-5-18',
          SubjectUserName: `${c.host.name}$`,
          SubjectDomainName: DOMAIN,
          SubjectLogonId: '0x3e7',
        }
      : NO_SUBJECT),
    TargetUserSid: logon.account.sid,
    TargetUserName: logon.account.name,
    TargetDomainName: logon.account.domain,
    TargetLogonId: logon.logonId ?? randomLogonId(c),
    LogonType: LOGON_TYPES[logon.kind],
    LogonProcessName: kerberos ? 'Kerberos' : ntlm ? 'NtLmSsp ' : 'User32 ',
    AuthenticationPackageName: kerberos ? 'Kerberos' : ntlm ? 'NTLM' : 'Negotiate',
    WorkstationName: kerberos ? '-' : logon.kind === 'remote-interactive' ? c.host.name : logon.workstation,
    LogonGuid: kerberos || local ? `{${c.rng.guid()}}` : '{00000000-0000-0000-0000-000000000000}',
    TransmittedServices: '-',
    LmPackageName: ntlm ? 'NTLM V2' : '-',
    KeyLength: ntlm ? 128 : 0,
    ProcessId: local ? `0x${newPid(c.rng).toString(16)}` : '0x0',
    ProcessName: local ? 'C:\\Windows\\System32\\svchost.exe' : '-',
    IpAddress: logon.ip,
    IpPort: logon.kind === 'interactive' ? '0' : highPort(c),
    ImpersonationLevel: '%%1833',
    RestrictedAdminMode: logon.kind === 'remote-interactive' ? '%%1843' : '-',
    TargetOutboundUserName: '-',
    TargetOutboundDomainName: '-',
    VirtualAccount: '%%1843',
    TargetLinkedLogonId: '0x0',
    ElevatedToken: elevated ? '%%1842' : '%%1843',
  });
}

export interface LogonFailure {
  readonly userName: string;
  readonly domainName: string;
  readonly logonType: 2 | 3 | 8 | 10;
  readonly ip: string;
  readonly workstation: string;
  /** `0xc000006a` bad password, `0xc0000064` no such user, `0xc0000234` locked out. */
  readonly subStatus: string;
  /** The process that asked (w3wp for OWA forms logons); `-` for network logons. */
  readonly processName?: string;
}

const FAILURE_STATUS: Readonly<Record<string, string>> = {
  '0xc000006a': '0xc000006d',
  '0xc0000064': '0xc000006d',
  '0xc0000234': '0xc0000234',
};
const FAILURE_REASON: Readonly<Record<string, string>> = {
  '0xc000006a': '%%2313',
  '0xc0000064': '%%2313',
  '0xc0000234': '%%2307',
};

/** Security 4625. */
export function logonFailure(c: Ctx, timeUs: number, failure: LogonFailure): WinRecord {
  const network = failure.logonType === 3;
  const process = failure.processName;
  return securityRecord(
    c,
    timeUs,
    4625,
    {
      ...(network
        ? NO_SUBJECT
        : {
            SubjectUserSid: 'S-1-5-18',
            SubjectUserName: `${c.host.name}$`,
            SubjectDomainName: DOMAIN,
            SubjectLogonId: '0x3e7',
          }),
      TargetUserSid: 'S-1-0-0',
      TargetUserName: failure.userName,
      TargetDomainName: failure.domainName,
      Status: FAILURE_STATUS[failure.subStatus] ?? '0xc000006d',
      FailureReason: FAILURE_REASON[failure.subStatus] ?? '%%2313',
      SubStatus: failure.subStatus,
      LogonType: failure.logonType,
      LogonProcessName: network ? 'NtLmSsp ' : failure.logonType === 8 ? 'Advapi  ' : 'User32 ',
      AuthenticationPackageName: network ? 'NTLM' : 'Negotiate',
      WorkstationName: failure.workstation,
      TransmittedServices: '-',
      LmPackageName: '-',
      KeyLength: 0,
      ProcessId: process === undefined ? '0x0' : `0x${newPid(c.rng).toString(16)}`,
      ProcessName: process ?? '-',
      IpAddress: failure.ip,
      IpPort: failure.ip === '-' || failure.ip === '127.0.0.1' ? '0' : highPort(c),
    },
    true,
  );
}

/** Security 4634. */
export function logoff(c: Ctx, timeUs: number, account: Account, logonType: number, id?: string): WinRecord {
  return securityRecord(c, timeUs, 4634, {
    TargetUserSid: account.sid,
    TargetUserName: account.name,
    TargetDomainName: account.domain,
    TargetLogonId: id ?? randomLogonId(c),
    LogonType: logonType,
  });
}

/** Security 4648: a process used explicit credentials (runas, PsExec -u, mapped drive with /user). */
export function explicitCredentials(
  c: Ctx,
  timeUs: number,
  subjectAccount: Account,
  target: Account,
  targetServer: string,
  process: Proc,
  ip: string,
): WinRecord {
  return securityRecord(c, timeUs, 4648, {
    ...subject(subjectAccount, c.host),
    LogonGuid: '{00000000-0000-0000-0000-000000000000}',
    TargetUserName: target.name,
    TargetDomainName: target.domain,
    TargetLogonGuid: '{00000000-0000-0000-0000-000000000000}',
    TargetServerName: targetServer,
    TargetInfo: targetServer,
    ProcessId: `0x${process.pid.toString(16)}`,
    ProcessName: process.image,
    IpAddress: ip,
    IpPort: '445',
  });
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
].join('\r\n\t\t\t');

/** Security 4672, after an administrator's logon. */
export function specialPrivileges(c: Ctx, timeUs: number, account: Account): WinRecord {
  return securityRecord(c, timeUs, 4672, {
    SubjectUserSid: account.sid,
    SubjectUserName: account.name,
    SubjectDomainName: account.domain,
    SubjectLogonId: randomLogonId(c),
    PrivilegeList: ADMIN_PRIVILEGES,
  });
}

const INTEGRITY_SID: Readonly<Record<Integrity, string>> = {
  System: 'S-1-16-16384',
  High: 'S-1-16-12288',
  Medium: 'S-1-16-8192',
  Low: 'S-1-16-4096',
};

/** Security 4688 with command-line auditing (domain controllers' audit policy). */
export function processCreation(
  c: Ctx,
  timeUs: number,
  proc: Proc,
  integrity: Integrity,
  parent: Proc,
): WinRecord {
  return securityRecord(c, timeUs, 4688, {
    ...subject(proc.account, c.host),
    NewProcessId: `0x${proc.pid.toString(16)}`,
    NewProcessName: proc.image,
    TokenElevationType: integrity === 'System' ? '%%1936' : integrity === 'High' ? '%%1937' : '%%1938',
    ProcessId: `0x${parent.pid.toString(16)}`,
    CommandLine: proc.cmd,
    TargetUserSid: 'S-1-0-0',
    TargetUserName: '-',
    TargetDomainName: '-',
    TargetLogonId: '0x0',
    ParentProcessName: parent.image,
    MandatoryLabel: INTEGRITY_SID[integrity],
  });
}

/** Security 4740 on the PDC emulator: an account was locked out after failures from `callerComputer`. */
export function accountLockedOut(
  c: Ctx,
  timeUs: number,
  account: Account,
  callerComputer: string,
): WinRecord {
  return securityRecord(c, timeUs, 4740, {
    TargetUserName: account.name,
    TargetDomainName: callerComputer,
    TargetSid: account.sid,
    ...subject(SYSTEM, c.host),
  });
}

const REALM = DNS_DOMAIN.toUpperCase();

/** Security 4768: a TGT was requested. */
export function kerberosTgt(c: Ctx, timeUs: number, account: Account, ip: string): WinRecord {
  return securityRecord(c, timeUs, 4768, {
    TargetUserName: account.name,
    TargetDomainName: REALM,
    TargetSid: account.sid,
    ServiceName: 'krbtgt',
    ServiceSid: `${account.sid.slice(0, account.sid.lastIndexOf('-'))}-502`,
    TicketOptions: '0x40810010',
    Status: '0x0',
    TicketEncryptionType: '0x12',
    PreAuthType: '2',
    IpAddress: `::ffff:${ip}`,
    IpPort: highPort(c),
    CertIssuerName: '',
    CertSerialNumber: '',
    CertThumbprint: '',
  });
}

/** Security 4769: a service ticket was requested (for `service`, e.g. `FS01$` or `MSSQLSvc/...`). */
export function kerberosServiceTicket(
  c: Ctx,
  timeUs: number,
  account: Account,
  service: string,
  ip: string,
): WinRecord {
  return securityRecord(c, timeUs, 4769, {
    TargetUserName: `${account.name}@${REALM}`,
    TargetDomainName: REALM,
    ServiceName: service,
    ServiceSid: `${account.sid.slice(0, account.sid.lastIndexOf('-'))}-${1000 + (service.length % 97)}`,
    TicketOptions: '0x40810000',
    TicketEncryptionType: '0x12',
    IpAddress: `::ffff:${ip}`,
    IpPort: highPort(c),
    Status: '0x0',
    LogonGuid: `{${c.rng.guid()}}`,
    TransmittedServices: '-',
  });
}

/** Security 4771: Kerberos pre-authentication failed (a mistyped password on a domain-joined machine). */
export function kerberosPreauthFailed(c: Ctx, timeUs: number, account: Account, ip: string): WinRecord {
  return securityRecord(
    c,
    timeUs,
    4771,
    {
      TargetUserName: account.name,
      TargetSid: account.sid,
      ServiceName: `krbtgt/${DOMAIN}`,
      TicketOptions: '0x40810010',
      Status: '0x18',
      PreAuthType: '2',
      IpAddress: `::ffff:${ip}`,
      IpPort: highPort(c),
      CertIssuerName: '',
      CertSerialNumber: '',
      CertThumbprint: '',
    },
    true,
  );
}

/** Security 4776: the DC validated NTLM credentials (`status` `0x0` on success). */
export function ntlmValidation(
  c: Ctx,
  timeUs: number,
  userName: string,
  workstation: string,
  status: string,
): WinRecord {
  return securityRecord(
    c,
    timeUs,
    4776,
    {
      PackageName: 'MICROSOFT_AUTHENTICATION_PACKAGE_V1_0',
      TargetUserName: userName,
      Workstation: workstation,
      Status: status,
    },
    status !== '0x0',
  );
}

/** System 7045: a service was installed. `installer` is the account whose token installed it. */
export function serviceInstalled(
  c: Ctx,
  timeUs: number,
  installer: Account,
  serviceName: string,
  imagePath: string,
  startType: 'demand start' | 'auto start',
  accountName = 'LocalSystem',
): WinRecord {
  return {
    timeUs,
    channel: 'System',
    eventId: 7045,
    qualifiers: 16384,
    version: 0,
    level: 4,
    task: 0,
    keywords: '0x8080000000000000',
    threadId: c.host.servicesPid + 4 * (1 + c.rng.int(50)),
    userId: installer.sid,
    data: {
      ServiceName: serviceName,
      ImagePath: imagePath,
      ServiceType: 'user mode service',
      StartType: startType,
      AccountName: accountName,
    },
  };
}

export interface Cmdlet {
  readonly name: string;
  readonly parameters: string;
  /** `elections.local/Users/owen.hughes` or `NT AUTHORITY\SYSTEM (w3wp)`... */
  readonly caller: string;
  readonly callerSid: string;
  /** `8412 w3wp#MSExchangePowerShellAppPool`. */
  readonly process: string;
  readonly remoteHost: string;
}

/** MSExchange Management 1: an Exchange cmdlet ran (classic provider: unnamed `<Data>` elements). */
export function exchangeCmdlet(c: Ctx, timeUs: number, cmdlet: Cmdlet): WinRecord {
  return {
    timeUs,
    channel: 'MSExchange Management',
    eventId: 1,
    qualifiers: 16388,
    version: 0,
    level: 4,
    task: 1,
    keywords: '0x80000000000000',
    threadId: 4 * (200 + c.rng.int(2000)),
    data: {
      Data: {
        '#text': [
          cmdlet.name,
          cmdlet.parameters,
          cmdlet.caller,
          cmdlet.callerSid,
          cmdlet.callerSid,
          cmdlet.remoteHost,
          cmdlet.process,
          String(c.rng.range(15, 900)),
          "View Entire Forest: 'False', ",
          '',
          '',
          `Microsoft Exchange Server 2019 CU9 (15.02.0858.005)`,
        ],
      },
    },
  };
}
