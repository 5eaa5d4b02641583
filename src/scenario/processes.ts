/**
 * The long-lived processes of every machine (services.exe, the IIS worker pools of Exchange, SQL Server…),
 * started before the replay begins, and the version information of the binaries the scenario runs. Both the
 * benign activity and the intrusion start their processes under these parents, so process trees line up.
 */
import type { Account, Estate, Host } from './estate.js';
import { LOCAL_SERVICE, NETWORK_SERVICE, SYSTEM } from './estate.js';
import type { Ctx, PeInfo, Proc } from './evtx.js';
import { Prng, hashString, seedFor } from './prng.js';
import { DAY_US, SCENARIO_START_US } from './schedule.js';

export const MS = 'Microsoft Corporation';
export const WINDOWS = 'Microsoft® Windows® Operating System';
const SERVER_BUILD = '10.0.17763.2061 (WinBuild.160101.0800)';
const CLIENT_BUILD = '10.0.19041.1151 (WinBuild.160101.0800)';

/** Version information of a Windows binary on this kind of host. */
export function winPe(host: Host, originalFileName: string, description: string): PeInfo {
  return {
    fileVersion: host.role === 'workstation' ? CLIENT_BUILD : SERVER_BUILD,
    description,
    product: WINDOWS,
    company: MS,
    originalFileName,
  };
}

export function pe(
  originalFileName: string,
  description: string,
  fileVersion: string,
  product: string,
  company: string,
): PeInfo {
  return { fileVersion, description, product, company, originalFileName };
}

export const EXCHANGE_BIN = 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\Bin';
export const EXCHANGE_FRONTEND = 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\FrontEnd\\HttpProxy';
export const EXCHANGE_VERSION = '15.02.0858.005';
export const SQL_BINN = 'C:\\Program Files\\Microsoft SQL Server\\MSSQL15.MSSQLSERVER\\MSSQL\\Binn';
export const SQL_TOOLS = 'C:\\Program Files\\Microsoft SQL Server\\Client SDK\\ODBC\\170\\Tools\\Binn';
export const CMD = 'C:\\Windows\\System32\\cmd.exe';
export const POWERSHELL = 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe';
export const W3WP = 'C:\\Windows\\System32\\inetsrv\\w3wp.exe';

export type LongLivedKey =
  | 'system'
  | 'services'
  | 'lsass'
  | 'winlogon'
  | 'svchost-schedule'
  | 'svchost-dcom'
  | 'svchost-iis'
  | 'ccmexec'
  | 'sqlservr'
  | 'sqlagent'
  | 'w3wp-owa'
  | 'w3wp-ecp'
  | 'w3wp-ews'
  | 'w3wp-powershell'
  | 'w3wp-default'
  | 'mailbox-replication'
  | 'edge-transport'
  | 'exchange-diagnostics'
  | 'w3wp-register'
  | 'w3wp-results'
  | 'w3wp-wsus'
  | 'veeam'
  | 'prtg'
  | 'spooler'
  | 'dfsr';

interface LongLivedSpec {
  readonly key: LongLivedKey;
  readonly image: string;
  readonly cmd: string;
  readonly account: (estate: Estate) => Account;
  readonly roles: readonly Host['role'][] | 'all';
}

const iisPool = (pool: string, config: string): string =>
  `c:\\windows\\system32\\inetsrv\\w3wp.exe -ap "${pool}" -v "v4.0" ${config}-a \\\\.\\pipe\\iisipm${new Prng(hashString(pool)).guid().toLowerCase()} -h "C:\\inetpub\\temp\\apppools\\${pool}\\${pool}.config" -w "" -m 0`;
const EXCHANGE_POOL_CONFIG = `-c "C:\\Program Files\\Microsoft\\Exchange Server\\V15\\bin\\GenericAppPoolConfigWithGCServerEnabledFalse.config" `;

const LONG_LIVED: readonly LongLivedSpec[] = [
  { key: 'system', image: 'System', cmd: '', account: () => SYSTEM, roles: 'all' },
  {
    key: 'services',
    image: 'C:\\Windows\\System32\\services.exe',
    cmd: 'C:\\Windows\\system32\\services.exe',
    account: () => SYSTEM,
    roles: 'all',
  },
  {
    key: 'lsass',
    image: 'C:\\Windows\\System32\\lsass.exe',
    cmd: 'C:\\Windows\\system32\\lsass.exe',
    account: () => SYSTEM,
    roles: 'all',
  },
  {
    key: 'winlogon',
    image: 'C:\\Windows\\System32\\winlogon.exe',
    cmd: 'winlogon.exe',
    account: () => SYSTEM,
    roles: 'all',
  },
  {
    key: 'svchost-schedule',
    image: 'C:\\Windows\\System32\\svchost.exe',
    cmd: 'C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule',
    account: () => SYSTEM,
    roles: 'all',
  },
  {
    key: 'svchost-dcom',
    image: 'C:\\Windows\\System32\\svchost.exe',
    cmd: 'C:\\Windows\\system32\\svchost.exe -k DcomLaunch -p',
    account: () => SYSTEM,
    roles: 'all',
  },
  {
    key: 'svchost-iis',
    image: 'C:\\Windows\\System32\\svchost.exe',
    cmd: 'C:\\Windows\\system32\\svchost.exe -k iissvcs',
    account: () => SYSTEM,
    roles: ['exchange', 'register-app', 'web', 'wsus'],
  },
  {
    key: 'ccmexec',
    image: 'C:\\Windows\\CCM\\CcmExec.exe',
    cmd: 'C:\\Windows\\CCM\\CcmExec.exe',
    account: () => SYSTEM,
    roles: 'all',
  },
  {
    key: 'sqlservr',
    image: `${SQL_BINN}\\sqlservr.exe`,
    cmd: `"${SQL_BINN}\\sqlservr.exe" -sMSSQLSERVER`,
    account: (e) => e.services.sql,
    roles: ['register-db', 'sql', 'sccm'],
  },
  {
    key: 'sqlagent',
    image: `${SQL_BINN}\\SQLAGENT.EXE`,
    cmd: `"${SQL_BINN}\\SQLAGENT.EXE" -i MSSQLSERVER`,
    account: (e) => e.services.sqlAgent,
    roles: ['register-db', 'sql'],
  },
  {
    key: 'w3wp-owa',
    image: W3WP,
    cmd: iisPool('MSExchangeOWAAppPool', EXCHANGE_POOL_CONFIG),
    account: () => SYSTEM,
    roles: ['exchange'],
  },
  {
    key: 'w3wp-ecp',
    image: W3WP,
    cmd: iisPool('MSExchangeECPAppPool', EXCHANGE_POOL_CONFIG),
    account: () => SYSTEM,
    roles: ['exchange'],
  },
  {
    key: 'w3wp-ews',
    image: W3WP,
    cmd: iisPool('MSExchangeServicesAppPool', EXCHANGE_POOL_CONFIG),
    account: () => SYSTEM,
    roles: ['exchange'],
  },
  {
    key: 'w3wp-powershell',
    image: W3WP,
    cmd: iisPool('MSExchangePowerShellAppPool', EXCHANGE_POOL_CONFIG),
    account: () => SYSTEM,
    roles: ['exchange'],
  },
  {
    key: 'w3wp-default',
    image: W3WP,
    cmd: iisPool('DefaultAppPool', ''),
    account: () => ({
      name: 'DefaultAppPool',
      domain: 'IIS APPPOOL',
      sid: 'S-1-5-82-3006700770-424185619-1745488364-794895919-4004696415',
      kind: 'service',
    }),
    roles: ['exchange'],
  },
  {
    key: 'mailbox-replication',
    image: `${EXCHANGE_BIN}\\MSExchangeMailboxReplication.exe`,
    cmd: `"${EXCHANGE_BIN}\\MSExchangeMailboxReplication.exe"`,
    account: () => SYSTEM,
    roles: ['exchange'],
  },
  {
    key: 'edge-transport',
    image: `${EXCHANGE_BIN}\\EdgeTransport.exe`,
    cmd: `"${EXCHANGE_BIN}\\EdgeTransport.exe"`,
    account: () => NETWORK_SERVICE,
    roles: ['exchange'],
  },
  {
    key: 'exchange-diagnostics',
    image: `${EXCHANGE_BIN}\\Microsoft.Exchange.Diagnostics.Service.exe`,
    cmd: `"${EXCHANGE_BIN}\\Microsoft.Exchange.Diagnostics.Service.exe"`,
    account: () => SYSTEM,
    roles: ['exchange'],
  },
  {
    key: 'w3wp-register',
    image: W3WP,
    cmd: iisPool('RegisterPortal', ''),
    account: (e) => e.services.registerApp,
    roles: ['register-app'],
  },
  {
    key: 'w3wp-results',
    image: W3WP,
    cmd: iisPool('ResultsSite', ''),
    account: () => ({
      name: 'ResultsSite',
      domain: 'IIS APPPOOL',
      sid: 'S-1-5-82-1179454281-2881452392-1349785452-1102412393-3297391012',
      kind: 'service',
    }),
    roles: ['web'],
  },
  {
    key: 'w3wp-wsus',
    image: W3WP,
    cmd: iisPool('WsusPool', ''),
    account: () => NETWORK_SERVICE,
    roles: ['wsus'],
  },
  {
    key: 'veeam',
    image: 'C:\\Program Files\\Veeam\\Backup and Replication\\Backup\\Veeam.Backup.Service.exe',
    cmd: '"C:\\Program Files\\Veeam\\Backup and Replication\\Backup\\Veeam.Backup.Service.exe"',
    account: (e) => e.services.backup,
    roles: ['backup'],
  },
  {
    key: 'prtg',
    image: 'C:\\Program Files (x86)\\PRTG Network Monitor\\PRTG Probe.exe',
    cmd: '"C:\\Program Files (x86)\\PRTG Network Monitor\\PRTG Probe.exe"',
    account: (e) => e.services.monitor,
    roles: ['monitoring'],
  },
  {
    key: 'spooler',
    image: 'C:\\Windows\\System32\\spoolsv.exe',
    cmd: 'C:\\Windows\\System32\\spoolsv.exe',
    account: () => SYSTEM,
    roles: ['print'],
  },
  {
    key: 'dfsr',
    image: 'C:\\Windows\\System32\\dfsrs.exe',
    cmd: 'C:\\Windows\\system32\\DFSRs.exe',
    account: () => LOCAL_SERVICE,
    roles: ['dc', 'file'],
  },
];

export type LongLived = ReadonlyMap<LongLivedKey, Proc>;

/**
 * The processes already running on `host` when the replay starts (booted a few days before it). Drawn
 * from their own stream, so the benign activity and the intrusion see the same GUIDs and PIDs.
 */
export function longLivedProcesses(seed: number, estate: Estate, host: Host): LongLived {
  const rng = new Prng(seedFor(seed, host.name, 'boot'));
  const c: Ctx = { host, rng };
  const table = new Map<LongLivedKey, Proc>();
  // Patched and rebooted on a weekend shortly before the replay.
  let startUs = SCENARIO_START_US - (2 + rng.int(20)) * DAY_US + rng.int(86_400) * 1_000_000;
  for (const spec of LONG_LIVED) {
    if (spec.roles !== 'all' && !spec.roles.includes(host.role)) continue;
    startUs += 1_000_000 * rng.range(1, 40);
    const seconds = Math.floor(startUs / 1e6) >>> 0;
    const low = (seconds & 0xffff).toString(16).toUpperCase().padStart(4, '0');
    const high = (seconds >>> 16).toString(16).toUpperCase().padStart(4, '0');
    const pid =
      spec.key === 'system'
        ? 4
        : spec.key === 'lsass'
          ? host.lsassPid
          : spec.key === 'services'
            ? host.servicesPid
            : 4 * rng.range(100, 2000);
    table.set(spec.key, {
      image: spec.image,
      cmd: spec.cmd,
      account: spec.account(estate),
      guid: `${c.host.guidPrefix}-${low}-${high}-${rng.hex(4).toUpperCase()}-${c.host.guidSuffix}`,
      pid,
    });
  }
  return table;
}

export function running(table: LongLived, key: LongLivedKey): Proc {
  const proc = table.get(key);
  if (proc === undefined) throw new Error(`no long-lived process ${key} on this host`);
  return proc;
}
