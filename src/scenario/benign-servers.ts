/**
 * The servers' ordinary day: authentication on the domain controllers for everyone who works that day,
 * Exchange's own processes and its users' logons, the register database's nightly jobs, backups,
 * monitoring, and administrators' RDP sessions. Nothing here is malicious, but a good deal of it looks
 * like the intrusion at a glance (SQL exports, PowerShell from management agents, LSASS opened by the
 * antivirus): the rules must tell the two apart.
 */
import type { HostDay } from './activity.js';
import type { Account, Estate, Person } from './estate.js';
import { DNS_DOMAIN, NETWORK_SERVICE, SYSTEM, hostNamed, ownerOfAdmin } from './estate.js';
import type { NewProc, Proc } from './evtx.js';
import { callTrace, processGuid, sysmonProcessAccess } from './evtx.js';
import { housekeeping } from './benign-workstation.js';
import { CMD, EXCHANGE_BIN, MS, POWERSHELL, SQL_TOOLS, pe, winPe } from './processes.js';
import { Prng, seedFor } from './prng.js';
import type { AdminSession } from './schedule.js';
import {
  HOUR_US,
  MINUTE_US,
  SECOND_US,
  dayStamp,
  dayStartUs,
  isWeekend,
  staleDevice,
  userDay,
} from './schedule.js';
import {
  exchangeCmdlet,
  explicitCredentials,
  kerberosPreauthFailed,
  kerberosServiceTicket,
  kerberosTgt,
  logoff,
  logonFailure,
  logonSuccess,
  ntlmValidation,
  serviceInstalled,
  specialPrivileges,
} from './security.js';

const DEFENDER = 'C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.2107.4-0';

function system(image: string, cmd: string, peInfo: NewProc['pe']): NewProc {
  return { image, cmd, account: SYSTEM, integrity: 'System', pe: peInfo };
}

/** Processes that open LSASS every day without being a threat (antivirus, VMware Tools, WMI). */
function lsassReaders(d: HostDay): void {
  const lsass = d.running('lsass');
  const base = dayStartUs(d.dayIndex);
  const readers: readonly (readonly [string, string, readonly string[]])[] = [
    [`${DEFENDER}\\MsMpEng.exe`, '0x1fffff', [`${DEFENDER}\\MpSvc.dll`]],
    ['C:\\Program Files\\VMware\\VMware Tools\\vmtoolsd.exe', '0x1400', []],
    ['C:\\Windows\\System32\\wbem\\WmiPrvSE.exe', '0x1410', ['C:\\Windows\\SYSTEM32\\wbemcomn.dll']],
  ];
  for (const [image, access, via] of readers) {
    if (!d.rng.chance(0.6)) continue;
    const source: Proc = {
      image,
      cmd: '',
      account: SYSTEM,
      guid: processGuid(d, base - 3 * 24 * HOUR_US),
      pid: 4 * d.rng.range(300, 900),
    };
    d.push(
      sysmonProcessAccess(
        d,
        d.between(base, base + 24 * HOUR_US),
        source,
        lsass,
        access,
        callTrace(d, image, via),
      ),
    );
  }
}

/** Authentication on a domain controller for everyone whose DNS lookup picked it today. */
function domainControllerDay(d: HostDay): void {
  const estate = d.estate;
  const base = dayStartUs(d.dayIndex);
  for (const person of estate.people) {
    const day = userDay(d.seed, person, d.dayIndex);
    const workstation = hostNamed(estate, person.workstation);
    if (day.present && !day.remote && day.dc === d.host.name) {
      for (let i = day.typos; i > 0; i--) {
        d.push(kerberosPreauthFailed(d, day.startUs - i * 7 * SECOND_US, person, workstation.ip));
      }
      d.push(kerberosTgt(d, day.startUs + 300_000, person, workstation.ip));
      d.push(kerberosServiceTicket(d, day.startUs + 400_000, person, `${workstation.name}$`, workstation.ip));
      d.push(
        logonSuccess(d, day.startUs + 9 * SECOND_US, {
          account: person,
          kind: 'network-kerberos',
          ip: workstation.ip,
          workstation: workstation.name,
        }),
      );
      d.push(logoff(d, day.startUs + 12 * SECOND_US, person, 3));
      d.push(
        kerberosServiceTicket(
          d,
          day.startUs + 20 * SECOND_US,
          person,
          d.rng.chance(0.6) ? 'FS01$' : 'FS02$',
          workstation.ip,
        ),
      );
      d.push(
        kerberosServiceTicket(d, day.startUs + 5 * MINUTE_US, person, `${day.exchange}$`, workstation.ip),
      );
      const extra = d.rng.int(3);
      for (let i = 0; i < extra; i++) {
        const service =
          person.department === 'Registration' ? 'REGAPP01$' : d.rng.pick(['PRINT01$', 'SQL02$', 'APP01$']);
        d.push(kerberosServiceTicket(d, d.between(day.startUs, day.endUs), person, service, workstation.ip));
      }
    }
    if (day.present && day.remote && day.exchange === 'EXCH01' && d.host.name === 'DC01') {
      const exchange = hostNamed(estate, day.exchange);
      if (day.owaTypo) {
        d.push(ntlmValidation(d, day.startUs - 30 * SECOND_US, person.name, exchange.name, '0xc000006a'));
      }
      d.push(ntlmValidation(d, day.startUs, person.name, exchange.name, '0x0'));
    }
    // Machine accounts authenticate too, present or not.
    if ((workstation.ip.charCodeAt(workstation.ip.length - 1) & 1) === (d.host.name === 'DC01' ? 0 : 1)) {
      const machine: Account = {
        name: `${workstation.name}$`,
        domain: 'ELECTIONS',
        sid: `${person.sid}9`,
        kind: 'service',
      };
      const t = d.between(base, base + 24 * HOUR_US);
      d.push(
        logonSuccess(d, t, {
          account: machine,
          kind: 'network-kerberos',
          ip: workstation.ip,
          workstation: '-',
        }),
      );
      d.push(logoff(d, t + 2 * SECOND_US, machine, 3));
    }
  }
  if (d.host.name === 'DC01') {
    // The monitoring account checks services over NTLM every two hours.
    const monitor = hostNamed(estate, 'MON01');
    for (let h = 0; h < 24; h += 2) {
      const t = base + h * HOUR_US + d.rng.int(300) * SECOND_US;
      d.push(ntlmValidation(d, t, estate.services.monitor.name, monitor.name, '0x0'));
    }
    staleMobileDevice(d);
  }
}

function staleMobileDevice(d: HostDay): void {
  const stale = staleDevice(d.seed, d.estate);
  if (stale === undefined || stale.dayIndex !== d.dayIndex) return;
  for (const t of stale.attemptsUs)
    d.push(ntlmValidation(d, t + 200_000, stale.person.name, stale.server, '0xc000006a'));
}

/** The Exchange side of the stale phone (4625, logon type 8, from the carrier's address). */
function staleMobileDeviceOnExchange(d: HostDay): void {
  const stale = staleDevice(d.seed, d.estate);
  if (stale === undefined || stale.dayIndex !== d.dayIndex || stale.server !== d.host.name) return;
  for (const t of stale.attemptsUs) {
    d.push(
      logonFailure(d, t + 100_000, {
        userName: stale.person.name,
        domainName: 'ELECTIONS',
        logonType: 8,
        ip: stale.person.mobileIp,
        workstation: d.host.name,
        subStatus: '0xc000006a',
        processName: 'C:\\Windows\\System32\\inetsrv\\w3wp.exe',
      }),
    );
  }
}

function exchangeDay(d: HostDay): void {
  const estate = d.estate;
  const base = dayStartUs(d.dayIndex);
  const diagnostics = d.running('exchange-diagnostics');
  const owa = d.running('w3wp-owa');
  const edge = d.running('edge-transport');
  for (let i = 0; i < 6; i++) {
    const t = base + i * 4 * HOUR_US + d.rng.int(3600) * SECOND_US;
    d.start(
      t,
      system(
        'C:\\Windows\\System32\\logman.exe',
        `"C:\\Windows\\System32\\logman.exe" query "ExchangeDiagnosticsDailyPerformanceLog" -ets`,
        winPe(d.host, 'logman.exe', 'Performance Monitor'),
      ),
      diagnostics,
    );
  }
  d.write(
    base + 60 * SECOND_US,
    diagnostics,
    `C:\\Program Files\\Microsoft\\Exchange Server\\V15\\Logging\\Diagnostics\\DailyPerformanceLogs\\ExchangeDiagnosticsDailyPerformanceLog_${dayStamp(d.dayIndex).slice(2)}-000000.blg`,
  );
  if (d.rng.chance(0.3)) {
    const t = d.between(base, base + 24 * HOUR_US);
    const folder = `C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\Temporary ASP.NET Files\\owa\\${d.rng.hex(8)}\\${d.rng.hex(8)}`;
    const csc = d.start(
      t,
      system(
        'C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\csc.exe',
        `"C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\csc.exe" /noconfig /fullpaths @"${folder}\\${d.rng.hex(8)}.cmdline"`,
        pe(
          'csc.exe',
          'Visual C# Command Line Compiler',
          '4.8.4084.0 built by: NET48REL1',
          'Microsoft® .NET Framework',
          MS,
        ),
      ),
      owa,
    );
    d.write(t + 2 * SECOND_US, csc, `${folder}\\App_Web_${d.rng.hex(8)}.dll`);
  }
  const dc = hostNamed(estate, d.rng.chance(0.5) ? 'DC01' : 'DC02');
  for (let i = 0; i < 4; i++) d.connect(d.between(base, base + 24 * HOUR_US), owa, dc.ip, dc.fqdn, 3268);
  for (let i = 0; i < 8; i++) {
    d.connect(
      d.between(base + 6 * HOUR_US, base + 18 * HOUR_US),
      edge,
      `40.107.${d.rng.range(20, 23)}.${d.rng.range(10, 250)}`,
      '-',
      25,
    );
  }
  for (const person of estate.people) {
    const day = userDay(d.seed, person, d.dayIndex);
    if (!day.present || day.exchange !== d.host.name) continue;
    if (!day.remote) {
      const workstation = hostNamed(estate, person.workstation);
      const t = day.startUs + d.rng.range(60, 900) * SECOND_US;
      d.push(
        logonSuccess(d, t, {
          account: person,
          kind: 'network-kerberos',
          ip: workstation.ip,
          workstation: '-',
        }),
      );
      d.push(logoff(d, day.endUs + d.rng.range(10, 300) * SECOND_US, person, 3));
    } else if (day.owaTypo) {
      d.push(
        logonFailure(d, day.startUs - 30 * SECOND_US, {
          userName: person.name,
          domainName: 'ELECTIONS',
          logonType: 8,
          ip: person.homeIp,
          workstation: d.host.name,
          subStatus: '0xc000006a',
          processName: 'C:\\Windows\\System32\\inetsrv\\w3wp.exe',
        }),
      );
    }
  }
  staleMobileDeviceOnExchange(d);
}

function registerDatabaseDay(d: HostDay): void {
  const base = dayStartUs(d.dayIndex);
  const sqlservr = d.running('sqlservr');
  const agent = d.running('sqlagent');
  const stamp = dayStamp(d.dayIndex);
  d.write(
    base + HOUR_US + d.rng.int(120) * SECOND_US,
    sqlservr,
    `D:\\Backups\\ElectoralRegister_FULL_${stamp}_010002.bak`,
  );
  const agentRun = (t: number, image: string, cmd: string, info: NewProc['pe']): Proc =>
    d.start(t, { image, cmd, account: d.estate.services.sqlAgent, integrity: 'High', pe: info }, agent);
  const bcpPe = pe(
    'BCP.exe',
    'BCP - Bulk Copy Program',
    '2019.0150.2000.05 ((SQLServer).190924-2033)',
    'Microsoft SQL Server',
    MS,
  );
  const sqlcmdPe = pe(
    'sqlcmd.exe',
    'T-SQL execution command line utility',
    '2019.0150.2000.05 ((SQLServer).190924-2033)',
    'Microsoft SQL Server',
    MS,
  );
  if (!isWeekend(d.dayIndex)) {
    // Nightly import of the changes electoral registration officers sent during the day.
    const t = base + 2 * HOUR_US + d.rng.int(600) * SECOND_US;
    agentRun(
      t,
      `${SQL_TOOLS}\\bcp.exe`,
      `bcp ElectoralRegister.dbo.ElectorsStaging in D:\\Imports\\ero_updates_${stamp}.csv -c -t, -F 2 -T -S REGDB01 -e D:\\Imports\\errors_${stamp}.log`,
      bcpPe,
    );
  }
  agentRun(
    base + 6 * HOUR_US + d.rng.int(300) * SECOND_US,
    `${SQL_TOOLS}\\SQLCMD.EXE`,
    `sqlcmd -S REGDB01 -E -d ElectoralRegister -Q "EXEC dbo.usp_NightlyRegisterStats"`,
    sqlcmdPe,
  );
  const app = hostNamed(d.estate, 'REGAPP01');
  const connections = isWeekend(d.dayIndex) ? 2 : 10;
  for (let i = 0; i < connections; i++) {
    d.accept(d.between(base + 7 * HOUR_US, base + 17 * HOUR_US), sqlservr, app.ip, app.fqdn, 1433);
  }
}

function registerAppDay(d: HostDay): void {
  const base = dayStartUs(d.dayIndex);
  const pool = d.running('w3wp-register');
  const db = hostNamed(d.estate, 'REGDB01');
  for (let i = 0; i < (isWeekend(d.dayIndex) ? 2 : 10); i++) {
    d.connect(d.between(base + 7 * HOUR_US, base + 17 * HOUR_US), pool, db.ip, db.fqdn, 1433);
  }
  if (isWeekend(d.dayIndex)) return;
  for (let i = 0; i < 3; i++) {
    d.write(
      d.between(base + 8 * HOUR_US, base + 16 * HOUR_US),
      pool,
      `D:\\RegisterPortal\\App_Data\\Uploads\\${d.rng.guid().toLowerCase()}.csv`,
    );
  }
  if ((d.dayIndex + 1) % 7 === 1) {
    // The register application produces the weekly edited register for the printers itself.
    d.write(
      base + 5 * HOUR_US,
      pool,
      `D:\\RegisterPortal\\App_Data\\Exports\\edited_register_${dayStamp(d.dayIndex)}.csv`,
    );
  }
}

function backupDay(d: HostDay): void {
  const base = dayStartUs(d.dayIndex);
  const service = d.running('veeam');
  const agentImage = 'C:\\Program Files\\Veeam\\Backup and Replication\\Backup\\VeeamAgent.exe';
  const manager: Proc = {
    ...service,
    image: 'C:\\Program Files\\Veeam\\Backup and Replication\\Backup\\Veeam.Backup.Manager.exe',
  };
  let t = base + 21 * HOUR_US + d.rng.int(600) * SECOND_US;
  for (const name of ['REGDB01', 'EXCH01', 'EXCH02', 'FS01', 'FS02', 'SQL02']) {
    const server = hostNamed(d.estate, name);
    d.push(
      explicitCredentials(
        d,
        t,
        d.estate.services.backup,
        d.estate.services.backup,
        server.fqdn,
        manager,
        server.ip,
      ),
    );
    const agent = d.start(
      t + SECOND_US,
      {
        image: agentImage,
        cmd: `"${agentImage}" -l "C:\\ProgramData\\Veeam\\Backup\\Daily_${name}\\Agent.Target.log" -tp ${d.rng.range(2500, 3300)}`,
        account: d.estate.services.backup,
        integrity: 'High',
        pe: pe(
          'VeeamAgent.exe',
          'Veeam Agent',
          '11.0.0.837',
          'Veeam Backup & Replication',
          'Veeam Software Group GmbH',
        ),
      },
      service,
    );
    d.connect(t + 2 * SECOND_US, agent, server.ip, server.fqdn, 445);
    const stamp = `${dayStamp(d.dayIndex, '-')}T${String(21 + Math.floor((t - base - 21 * HOUR_US) / HOUR_US)).padStart(2, '0')}0012`;
    d.write(
      t + 20 * MINUTE_US,
      agent,
      `E:\\Backups\\Daily_${name}\\${name}D${stamp}_${d.rng.hex(4).toUpperCase()}.vib`,
    );
    t += (10 + d.rng.int(25)) * MINUTE_US;
  }
}

function monitoringDay(d: HostDay): void {
  const base = dayStartUs(d.dayIndex);
  const schedule = d.running('svchost-schedule');
  const app = hostNamed(d.estate, 'REGAPP01');
  const curl = pe(
    'curl.exe',
    'The curl executable',
    '7.55.1',
    'The curl executable',
    'curl, https://curl.se/',
  );
  for (let h = 1; h < 24; h += 2) {
    const t = base + h * HOUR_US + d.rng.int(60) * SECOND_US;
    const proc = d.start(
      t,
      {
        image: 'C:\\Windows\\System32\\curl.exe',
        cmd: `curl.exe -s -k -o NUL -w "%{http_code}" https://regapp01.${DNS_DOMAIN}/health`,
        account: d.estate.services.monitor,
        integrity: 'High',
        pe: curl,
      },
      schedule,
    );
    d.connect(t + 100_000, proc, app.ip, app.fqdn, 443);
  }
}

function wsusDay(d: HostDay): void {
  const base = dayStartUs(d.dayIndex);
  const t = base + 3 * HOUR_US + d.rng.int(1800) * SECOND_US;
  const sync: Proc = {
    ...d.running('w3wp-wsus'),
    image: 'C:\\Program Files\\Update Services\\Services\\WsusService.exe',
    account: NETWORK_SERVICE,
  };
  for (let i = 0; i < 3; i++) d.connect(t + i * 40 * SECOND_US, sync, '13.107.4.50', '-', 443);
}

/** An Edge update installs its service here and there once in the fortnight (System 7045). */
function softwareUpdate(d: HostDay): void {
  const rng = new Prng(seedFor(d.seed, d.host.name, 'edge-update'));
  if (rng.int(10) !== d.dayIndex) return;
  const t = dayStartUs(d.dayIndex) + (9 + rng.int(8)) * HOUR_US;
  d.push(
    serviceInstalled(
      d,
      t,
      SYSTEM,
      'Microsoft Edge Update Service (edgeupdate)',
      '"C:\\Program Files (x86)\\Microsoft\\EdgeUpdate\\MicrosoftEdgeUpdate.exe" /svc',
      'auto start',
    ),
  );
}

const EXCHANGE_CMDLETS: readonly ((p: Person) => readonly [string, string])[] = [
  (p) => ['Set-Mailbox', `-Identity "${p.name}" -ProhibitSendQuota "9.5 GB" -IssueWarningQuota "9 GB"`],
  (p) => ['Set-CASMailbox', `-Identity "${p.name}" -ActiveSyncEnabled $true`],
  (p) => ['Add-MailboxPermission', `-Identity "elections.team" -User "${p.name}" -AccessRights "FullAccess"`],
  (p) => ['Enable-Mailbox', `-Identity "${p.name}" -Database "DB02"`],
  (p) => ['Set-MailboxAutoReplyConfiguration', `-Identity "${p.name}" -AutoReplyState "Disabled"`],
];

/** An administrator's RDP session on this server: logon, shell, tools for the role, logoff. */
function adminSession(d: HostDay, session: AdminSession, estate: Estate): void {
  const owner = ownerOfAdmin(estate, session.admin);
  const from = owner === undefined ? hostNamed(estate, 'RDS01') : hostNamed(estate, owner.workstation);
  const logonId = `0x${(0x300000 + d.rng.int(0xcfffff)).toString(16)}`;
  const admin = session.admin;
  d.push(
    logonSuccess(d, session.startUs, {
      account: admin,
      kind: 'remote-interactive',
      ip: from.ip,
      workstation: from.name,
      logonId,
    }),
  );
  d.push(specialPrivileges(d, session.startUs, admin));
  const run = (t: number, image: string, cmd: string, info: NewProc['pe'], parent: Proc): Proc =>
    d.start(t, { image, cmd, account: admin, integrity: 'High', pe: info }, parent);
  let t = session.startUs + 3 * SECOND_US;
  run(
    t,
    'C:\\Windows\\System32\\rdpclip.exe',
    'rdpclip',
    winPe(d.host, 'rdpclip.exe', 'RDP Clipboard Monitor'),
    d.running('svchost-dcom'),
  );
  const userinit = run(
    t + SECOND_US,
    'C:\\Windows\\System32\\userinit.exe',
    'C:\\Windows\\system32\\userinit.exe',
    winPe(d.host, 'USERINIT.EXE', 'Userinit Logon Application'),
    d.running('winlogon'),
  );
  const explorer = run(
    t + 2 * SECOND_US,
    'C:\\Windows\\explorer.exe',
    'C:\\Windows\\Explorer.EXE',
    winPe(d.host, 'EXPLORER.EXE', 'Windows Explorer'),
    userinit,
  );
  t += d.rng.range(30, 300) * SECOND_US;
  const role = d.host.role;
  if (role === 'exchange') {
    const shell = run(
      t,
      POWERSHELL,
      `"${POWERSHELL}" -noexit -command ". '${EXCHANGE_BIN}\\RemoteExchange.ps1'; Connect-ExchangeServer -auto -ClientApplication:ManagementShell "`,
      winPe(d.host, 'PowerShell.EXE', 'Windows PowerShell'),
      explorer,
    );
    void shell;
    const pool = d.running('w3wp-powershell');
    const cmdlets = 1 + d.rng.int(4);
    for (let i = 0; i < cmdlets; i++) {
      const [name, parameters] = d.rng.pick(EXCHANGE_CMDLETS)(d.rng.pick(estate.people));
      d.push(
        exchangeCmdlet(d, t + (i + 1) * d.rng.range(30, 240) * SECOND_US, {
          name,
          parameters,
          caller: `${DNS_DOMAIN}/Users/${admin.name}`,
          callerSid: admin.sid,
          process: `${pool.pid} w3wp#MSExchangePowerShellAppPool`,
          remoteHost: `${from.fqdn}`,
        }),
      );
    }
  } else if (role === 'register-db') {
    const ssms = 'C:\\Program Files (x86)\\Microsoft SQL Server Management Studio 18\\Common7\\IDE\\Ssms.exe';
    run(
      t,
      ssms,
      `"${ssms}" `,
      pe('Ssms.exe', 'SSMS 18', '2019.0150.18390.00', 'Microsoft SQL Server', MS),
      explorer,
    );
    const cmd = run(
      t + 5 * MINUTE_US,
      CMD,
      `"${CMD}" `,
      winPe(d.host, 'Cmd.Exe', 'Windows Command Processor'),
      explorer,
    );
    const query = d.rng.pick([
      `SELECT COUNT(*) FROM ElectoralRegister.dbo.Electors WHERE RegistrationDate >= '${dayStamp(Math.max(0, d.dayIndex - 7), '-')}'`,
      'SELECT TOP 20 session_id, status, wait_type FROM sys.dm_exec_requests',
      "SELECT name, log_reuse_wait_desc FROM sys.databases WHERE name = 'ElectoralRegister'",
    ]);
    run(
      t + 6 * MINUTE_US,
      `${SQL_TOOLS}\\SQLCMD.EXE`,
      `sqlcmd -S REGDB01 -E -Q "${query}"`,
      pe(
        'sqlcmd.exe',
        'T-SQL execution command line utility',
        '2019.0150.2000.05 ((SQLServer).190924-2033)',
        'Microsoft SQL Server',
        MS,
      ),
      cmd,
    );
  } else if (role === 'dc') {
    run(
      t,
      'C:\\Windows\\System32\\mmc.exe',
      '"C:\\Windows\\system32\\mmc.exe" "C:\\Windows\\system32\\dsa.msc" ',
      winPe(d.host, 'mmc.exe', 'Microsoft Management Console'),
      explorer,
    );
    const cmd = run(
      t + 2 * MINUTE_US,
      CMD,
      `"${CMD}" `,
      winPe(d.host, 'Cmd.Exe', 'Windows Command Processor'),
      explorer,
    );
    run(
      t + 3 * MINUTE_US,
      'C:\\Windows\\System32\\repadmin.exe',
      'repadmin /replsummary',
      winPe(d.host, 'repadmin.exe', 'Replication Diagnosis Tool for Active Directory'),
      cmd,
    );
  } else {
    run(
      t,
      'C:\\Windows\\System32\\mmc.exe',
      '"C:\\Windows\\system32\\mmc.exe" "C:\\Windows\\system32\\eventvwr.msc" /s',
      winPe(d.host, 'mmc.exe', 'Microsoft Management Console'),
      explorer,
    );
  }
  d.push(logoff(d, session.endUs, admin, 10, logonId));
}

/** File servers see every office worker's mapped drives. */
function fileServerDay(d: HostDay): void {
  for (const person of d.estate.people) {
    const day = userDay(d.seed, person, d.dayIndex);
    if (!day.present || day.remote) continue;
    const usesThis = (person.name.length + d.host.name.length) % 3 !== 0 || d.host.name === 'FS01';
    if (!usesThis) continue;
    const workstation = hostNamed(d.estate, person.workstation);
    d.push(
      logonSuccess(d, day.startUs + 25 * SECOND_US, {
        account: person,
        kind: 'network-kerberos',
        ip: workstation.ip,
        workstation: '-',
      }),
    );
    d.push(logoff(d, day.endUs + 5 * SECOND_US, person, 3));
  }
}

export function serverDay(d: HostDay, sessions: readonly AdminSession[]): void {
  housekeeping(d);
  lsassReaders(d);
  softwareUpdate(d);
  switch (d.host.role) {
    case 'dc':
      domainControllerDay(d);
      break;
    case 'exchange':
      exchangeDay(d);
      break;
    case 'register-db':
      registerDatabaseDay(d);
      break;
    case 'register-app':
      registerAppDay(d);
      break;
    case 'backup':
      backupDay(d);
      break;
    case 'monitoring':
      monitoringDay(d);
      break;
    case 'wsus':
      wsusDay(d);
      break;
    case 'file':
      fileServerDay(d);
      break;
    default:
      break;
  }
  for (const session of sessions) if (session.server === d.host.name) adminSession(d, session, d.estate);
}
