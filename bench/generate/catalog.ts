/**
 * The vocabulary of the estate's processes: the `ProcessProfile` type (image, version info, how its command
 * lines look, who runs it, its parent, the DLLs it loads, where it connects, what it resolves and writes),
 * and the word lists and helpers the profiles in `processes-*.ts` are written with.
 */
import type { Account, Estate, Host, HostRole } from './estate.js';
import { DNS_DOMAIN, LOCAL_SERVICE, NETWORK_SERVICE, SYSTEM } from './estate.js';
import type { Prng } from './prng.js';

/** What an event builder knows when it asks a profile for a command line or a path. */
export interface Ctx {
  readonly rng: Prng;
  readonly host: Host;
  readonly estate: Estate;
  /** The interactive user of this moment on this host (workstation owner, or an admin on a server). */
  readonly user: Account;
  /** `2025-04-28`, for file names that carry dates. */
  readonly day: string;
}

export interface PeInfo {
  readonly fileVersion: string;
  readonly description: string;
  readonly product: string;
  readonly company: string;
  readonly originalFileName: string;
}

export type RunAs = 'system' | 'local' | 'network' | 'user' | 'sql' | 'backup' | 'register' | 'results';
export type Integrity = 'System' | 'High' | 'Medium' | 'Low' | 'AppContainer';

export interface ProcessProfile {
  readonly key: string;
  /** Full path; `{user}` stands for the running user's profile folder name. */
  readonly image: string;
  readonly pe: PeInfo;
  readonly roles: readonly HostRole[] | 'any';
  /** Relative frequency among the processes of a host of a matching role. */
  readonly weight: number;
  readonly runAs: RunAs;
  readonly integrity: Integrity;
  /** Key of the usual parent profile. */
  readonly parent: string;
  readonly cmd: (c: Ctx) => string;
  readonly dlls?: readonly string[];
  /** Outbound destinations as [ip, hostname, port]. */
  readonly connects?: (c: Ctx) => readonly [string, string, number];
  readonly resolves?: readonly string[];
  readonly writes?: (c: Ctx) => string;
}

export const MS = 'Microsoft Corporation';
export const WINDOWS = 'Microsoft® Windows® Operating System';
export const OS_VERSION = '10.0.20348.2849 (WinBuild.160101.0800)';

export function pe(
  originalFileName: string,
  description: string,
  fileVersion = OS_VERSION,
  product = WINDOWS,
  company = MS,
): PeInfo {
  return { fileVersion, description, product, company, originalFileName };
}

export const SVCHOST_GROUPS: readonly (readonly [string, readonly string[]])[] = [
  [
    'netsvcs',
    [
      'Schedule',
      'gpsvc',
      'Winmgmt',
      'ProfSvc',
      'Themes',
      'SENS',
      'UsoSvc',
      'BITS',
      'lfsvc',
      'ShellHWDetection',
      'iphlpsvc',
      'wuauserv',
    ],
  ],
  ['LocalServiceNetworkRestricted', ['Dhcp', 'EventLog', 'TimeBrokerSvc', 'lmhosts', 'WinHttpAutoProxySvc']],
  ['NetworkService', ['Dnscache', 'CryptSvc', 'LanmanWorkstation', 'NlaSvc', 'TermService']],
  ['LocalSystemNetworkRestricted', ['SysMain', 'TrkWks', 'UmRdpService', 'PcaSvc', 'hidserv']],
  ['LocalServiceNoNetworkFirewall', ['BFE', 'mpssvc']],
  ['DcomLaunch', ['BrokerInfrastructure', 'PlugPlay', 'Power', 'LSM']],
  ['RPCSS', ['RpcEptMapper', 'RpcSs']],
  ['appmodel', ['StateRepository', 'camsvc']],
];

export const WARDS = [
  'Abbey',
  'Riverside',
  'Castle',
  'Northfield',
  'St Marys',
  'Harbour',
  'Millbrook',
  'Westgate',
  'Hillside',
  'Old Town',
  'Kingsway',
  'Parkside',
  'Meadowbank',
  'Eastfield',
  'Queensway',
  'Bridge',
  'Canal',
  'Moorside',
  'Greenhill',
  'Station',
];
export const DOC_TITLES = [
  'Polling station staffing',
  'Postal vote batch',
  'Nomination papers',
  'Count venue plan',
  'Candidate expenses',
  'Canvass returns',
  'Ballot paper proofs',
  'Electoral register changes',
  'Presiding officer briefing',
  'Poll card print run',
  'Absent vote refresh',
  'Verification statement',
  'Election timetable',
  'Agent appointments',
  'Declaration of result',
];
export const DEPARTMENTS = [
  'Elections',
  'Registration',
  'Postal Votes',
  'Finance',
  'Communications',
  'IT',
  'Legal',
  'Count',
];
export const CDN = [
  ['13.107.42.14', 'edge.microsoft.com'],
  ['20.190.159.2', 'login.microsoftonline.com'],
  ['52.113.194.132', 'teams.microsoft.com'],
  ['142.250.187.206', 'www.google.com'],
  ['151.101.1.140', 'www.reddit.com'],
  ['104.18.32.47', 'cdnjs.cloudflare.com'],
  ['23.55.161.88', 'www.gov.uk'],
  ['40.126.32.74', 'officeclient.microsoft.com'],
  ['13.69.109.130', 'settings-win.data.microsoft.com'],
  ['52.109.76.243', 'nexusrules.officeapps.live.com'],
  ['185.199.108.153', 'docs.github.io'],
  ['212.58.237.1', 'www.bbc.co.uk'],
] as const;
export const BROWSING = [
  'www.gov.uk',
  'www.legislation.gov.uk',
  'www.electoralcommission.org.uk',
  'www.bbc.co.uk',
  'outlook.office.com',
  'login.microsoftonline.com',
  'www.google.com',
  'fonts.gstatic.com',
  'cdnjs.cloudflare.com',
  'maps.googleapis.com',
  'www.ordnancesurvey.co.uk',
  'teams.microsoft.com',
  'edge.microsoft.com',
  'ocsp.digicert.com',
  'www.linkedin.com',
];
export const WINDOWS_DOMAINS = [
  'settings-win.data.microsoft.com',
  'ctldl.windowsupdate.com',
  'v10.events.data.microsoft.com',
  'wdcp.microsoft.com',
  'fe3cr.delivery.mp.microsoft.com',
  'slscr.update.microsoft.com',
  'go.microsoft.com',
  'time.windows.com',
  'crl.microsoft.com',
  'www.msftconnecttest.com',
  'login.live.com',
  'arc.msn.com',
];

export const COMMON_DLLS = [
  'C:\\Windows\\System32\\ntdll.dll',
  'C:\\Windows\\System32\\kernel32.dll',
  'C:\\Windows\\System32\\KernelBase.dll',
  'C:\\Windows\\System32\\advapi32.dll',
  'C:\\Windows\\System32\\msvcrt.dll',
  'C:\\Windows\\System32\\sechost.dll',
  'C:\\Windows\\System32\\rpcrt4.dll',
  'C:\\Windows\\System32\\combase.dll',
  'C:\\Windows\\System32\\ucrtbase.dll',
  'C:\\Windows\\System32\\user32.dll',
  'C:\\Windows\\System32\\win32u.dll',
  'C:\\Windows\\System32\\gdi32.dll',
  'C:\\Windows\\System32\\gdi32full.dll',
  'C:\\Windows\\System32\\msvcp_win.dll',
  'C:\\Windows\\System32\\ole32.dll',
  'C:\\Windows\\System32\\oleaut32.dll',
  'C:\\Windows\\System32\\shell32.dll',
  'C:\\Windows\\System32\\ws2_32.dll',
  'C:\\Windows\\System32\\crypt32.dll',
  'C:\\Windows\\System32\\bcrypt.dll',
  'C:\\Windows\\System32\\bcryptprimitives.dll',
  'C:\\Windows\\System32\\wintrust.dll',
  'C:\\Windows\\System32\\mswsock.dll',
  'C:\\Windows\\System32\\dnsapi.dll',
  'C:\\Windows\\System32\\IPHLPAPI.DLL',
  'C:\\Windows\\System32\\winhttp.dll',
  'C:\\Windows\\System32\\shlwapi.dll',
  'C:\\Windows\\System32\\imm32.dll',
  'C:\\Windows\\System32\\uxtheme.dll',
  'C:\\Windows\\System32\\kernel.appcore.dll',
  'C:\\Windows\\System32\\cryptbase.dll',
  'C:\\Windows\\System32\\profapi.dll',
  'C:\\Windows\\System32\\windows.storage.dll',
  'C:\\Windows\\System32\\wldp.dll',
  'C:\\Windows\\System32\\SHCore.dll',
  'C:\\Windows\\System32\\clbcatq.dll',
  'C:\\Windows\\System32\\netapi32.dll',
  'C:\\Windows\\System32\\userenv.dll',
  'C:\\Windows\\System32\\version.dll',
  'C:\\Windows\\System32\\nsi.dll',
  'C:\\Windows\\System32\\sspicli.dll',
  'C:\\Windows\\System32\\powrprof.dll',
];
export const OFFICE_DLLS = [
  'C:\\Program Files\\Microsoft Office\\root\\vfs\\ProgramFilesCommonX64\\Microsoft Shared\\Office16\\mso.dll',
  'C:\\Program Files\\Microsoft Office\\root\\vfs\\ProgramFilesCommonX64\\Microsoft Shared\\Office16\\mso20win32client.dll',
  'C:\\Program Files\\Microsoft Office\\root\\vfs\\ProgramFilesCommonX64\\Microsoft Shared\\Office16\\mso30win32client.dll',
  'C:\\Program Files\\Microsoft Office\\root\\vfs\\ProgramFilesCommonX64\\Microsoft Shared\\Office16\\mso40uiwin32client.dll',
  'C:\\Program Files\\Microsoft Office\\root\\Office16\\AppVIsvSubsystems64.dll',
  'C:\\Program Files\\Microsoft Office\\root\\Office16\\C2R64.dll',
  'C:\\Windows\\System32\\msi.dll',
  'C:\\Windows\\System32\\propsys.dll',
];
export const BROWSER_DLLS = [
  'C:\\Windows\\System32\\dwrite.dll',
  'C:\\Windows\\System32\\d3d11.dll',
  'C:\\Windows\\System32\\dxgi.dll',
  'C:\\Windows\\System32\\winmm.dll',
  'C:\\Windows\\System32\\dhcpcsvc.dll',
  'C:\\Windows\\System32\\rsaenh.dll',
];
export const SQL_DLLS = [
  'C:\\Program Files\\Microsoft SQL Server\\MSSQL16.MSSQLSERVER\\MSSQL\\Binn\\sqlmin.dll',
  'C:\\Program Files\\Microsoft SQL Server\\MSSQL16.MSSQLSERVER\\MSSQL\\Binn\\sqllang.dll',
  'C:\\Program Files\\Microsoft SQL Server\\MSSQL16.MSSQLSERVER\\MSSQL\\Binn\\sqldk.dll',
  'C:\\Program Files\\Microsoft SQL Server\\MSSQL16.MSSQLSERVER\\MSSQL\\Binn\\sqlos.dll',
  'C:\\Program Files\\Microsoft SQL Server\\MSSQL16.MSSQLSERVER\\MSSQL\\Binn\\qds.dll',
];
export const IIS_DLLS = [
  'C:\\Windows\\System32\\inetsrv\\iiscore.dll',
  'C:\\Windows\\System32\\inetsrv\\w3isapi.dll',
  'C:\\Windows\\System32\\inetsrv\\nativerd.dll',
  'C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\webengine4.dll',
  'C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\clr.dll',
  'C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\clrjit.dll',
  'C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\mscoreei.dll',
  'C:\\Windows\\System32\\mscoree.dll',
];

export const dlls = (...extra: readonly (readonly string[])[]): readonly string[] => [
  ...COMMON_DLLS,
  ...extra.flat(),
];
export const n = (c: Ctx, min: number, max: number): number => c.rng.range(min, max);
export const profileDir = (c: Ctx): string => c.user.name;
export const fileShare = (c: Ctx): string => `\\\\EC-FS01\\Shares\\${c.rng.pick(DEPARTMENTS)}`;
export const docName = (c: Ctx, ext: string): string =>
  `${c.rng.pick(DOC_TITLES)} - ${c.rng.pick(WARDS)} ward ${n(c, 1, 40)}${c.rng.chance(0.3) ? ` v${n(c, 2, 9)}` : ''}.${ext}`;
export const docPath = (c: Ctx, ext: string): string =>
  c.rng.chance(0.6)
    ? `${fileShare(c)}\\${docName(c, ext)}`
    : `C:\\Users\\${profileDir(c)}\\${c.rng.chance(0.5) ? 'Documents' : 'Downloads'}\\${docName(c, ext)}`;
export const web = (c: Ctx): readonly [string, string, number] => {
  const [ip, host] = c.rng.pick(CDN);
  return [ip, host, 443];
};
/** Microsoft endpoints inside the ranges SigmaHQ's network rules treat as Microsoft's own. */
export const MICROSOFT_ENDPOINTS = [
  ['20.189.173.1', 'settings-win.data.microsoft.com'],
  ['52.168.117.170', 'v10.events.data.microsoft.com'],
  ['13.107.4.50', 'ctldl.windowsupdate.com'],
  ['23.72.100.10', 'download.windowsupdate.com'],
  ['204.79.197.200', 'www.bing.com'],
  ['40.79.189.58', 'wdcp.microsoft.com'],
] as const;
/** Where Office talks to on the internet (Office 365 service ranges). */
export const OFFICE_ENDPOINTS = [
  ['13.107.42.14', 'officeclient.microsoft.com'],
  ['52.98.151.66', 'outlook.office365.com'],
  ['20.190.159.2', 'login.microsoftonline.com'],
  ['52.168.117.170', 'nexusrules.officeapps.live.com'],
  ['13.107.6.152', 'roaming.officeapps.live.com'],
] as const;
export const microsoft = (c: Ctx): readonly [string, string, number] => {
  const [ip, host] = c.rng.pick(MICROSOFT_ENDPOINTS);
  return [ip, host, 443];
};
export const office = (c: Ctx): readonly [string, string, number] => {
  const [ip, host] = c.rng.pick(OFFICE_ENDPOINTS);
  return [ip, host, 443];
};
/** A domain controller on one of `ports` (address and name agree). */
export const domainController = (c: Ctx, ports: readonly number[]): readonly [string, string, number] => {
  const dc = c.estate.servers[c.rng.int(2)];
  return [dc?.ip ?? '10.10.1.11', dc?.fqdn ?? `EC-DC01.${DNS_DOMAIN}`, c.rng.pick(ports)];
};
export const internal = (host: string, ip: string, port: number) => (): readonly [string, string, number] => [
  ip,
  `${host}.${DNS_DOMAIN}`,
  port,
];
export const tempName = (c: Ctx): string =>
  `~DF${c.rng.hex(4).toUpperCase()}${c.rng.hex(8).toUpperCase()}.TMP`;

export const chromiumArgs = (c: Ctx, exe: string, userData: string): string => {
  const type = c.rng.pick(['renderer', 'utility', 'gpu-process', 'crashpad-handler', 'renderer', 'renderer']);
  const field = `--field-trial-handle=${n(c, 1800, 2400)},i,${c.rng.next()}${c.rng.next()},${c.rng.next()},262144`;
  switch (type) {
    case 'renderer':
      return `"${exe}" --type=renderer --lang=en-GB --js-flags=--ms-user-locale= --device-scale-factor=1 --num-raster-threads=4 --enable-main-frame-before-activation --renderer-client-id=${n(c, 5, 400)} --time-ticks-at-unix-epoch=-${c.rng.next()}${n(c, 100, 999)} --launch-time-ticks=${c.rng.next()} ${field} --mojo-platform-channel-handle=${n(c, 3000, 9000)} /prefetch:1`;
    case 'utility':
      return `"${exe}" --type=utility --utility-sub-type=${c.rng.pick(['network.mojom.NetworkService', 'storage.mojom.StorageService', 'audio.mojom.AudioService', 'data_decoder.mojom.DataDecoderService'])} --lang=en-GB --service-sandbox-type=${c.rng.pick(['none', 'service', 'utility'])} ${field} --mojo-platform-channel-handle=${n(c, 2000, 3000)} /prefetch:${n(c, 2, 14)}`;
    case 'gpu-process':
      return `"${exe}" --type=gpu-process --gpu-preferences=UAAAAAAAAADgAAEAAAAAAAAAAAAAAAAAAABgAAAAAAA4AAAAAAAAAAAAAAAEAAAAAAAAAAAAAAAAAAAAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA== --lang=en-GB ${field} --mojo-platform-channel-handle=${n(c, 1800, 2100)} /prefetch:2`;
    default:
      return `"${exe}" --type=crashpad-handler "--user-data-dir=${userData}" /prefetch:4 --monitor-self-annotation=ptype=crashpad-handler "--database=${userData}\\Crashpad" --annotation=IsOfficialBuild=1 --annotation=channel= --annotation=plat=Win64 --annotation=prod=Edge --annotation=ver=131.0.${n(c, 2800, 2900)}.${n(c, 40, 120)} --initial-client-data=0x${c.rng.hex(3)},0x${c.rng.hex(3)},0x${c.rng.hex(3)},0x${c.rng.hex(3)},0x${c.rng.hex(3)},0x7ff${c.rng.hex(9)},0x7ff${c.rng.hex(9)},0x7ff${c.rng.hex(9)}`;
  }
};

export const DEFENDER = 'C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24090.11-0';
export const OFFICE = 'C:\\Program Files\\Microsoft Office\\root\\Office16';
export const EDGE = 'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe';
export const CHROME = 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe';
export const SQL_BINN = 'C:\\Program Files\\Microsoft SQL Server\\MSSQL16.MSSQLSERVER\\MSSQL\\Binn';
export const EXCHANGE_BIN = 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\Bin';
export const OFFICE_PE = (name: string, description: string): PeInfo =>
  pe(name, description, '16.0.17928.20216', 'Microsoft Office', MS);

/** The process catalogue. Keys are referenced by `parent`; every parent key must exist. */

/** The account a profile runs as on a host at a moment. */
export function accountFor(profile: ProcessProfile, c: Ctx): Account {
  switch (profile.runAs) {
    case 'system':
      return SYSTEM;
    case 'local':
      return LOCAL_SERVICE;
    case 'network':
      return NETWORK_SERVICE;
    case 'user':
      return c.user;
    case 'sql':
      return c.estate.services.sql;
    case 'backup':
      return c.estate.services.backup;
    case 'register':
      return c.host.name === 'EC-WEB01'
        ? c.estate.services.results
        : c.host.role === 'exchange'
          ? SYSTEM
          : c.estate.services.register;
    case 'results':
      return c.estate.services.results;
  }
}

export function imageFor(profile: ProcessProfile, c: Ctx): string {
  return profile.image.includes('{user}') ? profile.image.replace('{user}', c.user.name) : profile.image;
}
