/**
 * A member of staff's workstation for one day: Windows housekeeping around the clock and, when the owner is
 * in the office, the logon (after the odd mistyped password), Office, Edge, Teams, the register client for
 * registration staff, and the logoff. IT staff also open RDP sessions to servers (see `adminSessions`).
 */
import type { HostDay } from './activity.js';
import type { Department, Person } from './estate.js';
import { DNS_DOMAIN, SYSTEM, hostNamed } from './estate.js';
import type { NewProc, Proc } from './evtx.js';
import { sysmonRegistrySet } from './evtx.js';
import { CMD, MS, POWERSHELL, pe, winPe } from './processes.js';
import type { AdminSession, UserDay } from './schedule.js';
import { HOUR_US, MINUTE_US, SECOND_US, dayStamp, dayStartUs } from './schedule.js';
import { logoff, logonFailure, logonSuccess } from './security.js';

const OFFICE = 'C:\\Program Files\\Microsoft Office\\root\\Office16';
const OFFICE_VERSION = '16.0.14228.20204';
const EDGE = 'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe';
const EDGE_VERSION = '92.0.902.67';
const REGISTER_CLIENT = 'C:\\Program Files\\Ballotline\\Register Client\\RegisterClient.exe';
const DEFENDER = 'C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.2107.4-0';

const INTERNET: readonly (readonly [string, string])[] = [
  ['13.107.42.14', 'l-0007.l-msedge.net'],
  ['52.113.194.132', '-'],
  ['142.250.179.228', 'lhr25s33-in-f4.1e100.net'],
  ['151.101.0.81', '-'],
  ['104.16.123.96', '-'],
  ['20.190.159.2', '-'],
  ['40.126.31.4', '-'],
];

const DOCUMENTS: Readonly<Record<Department, readonly string[]>> = {
  Registration: [
    'Canvass reform returns',
    'Household enquiry forms',
    'Register update summary',
    'Attainers list procedure',
  ],
  Elections: [
    'Polling station allocation 2021',
    'Candidate nomination pack',
    'Poll card proofs',
    'Postal vote processing plan',
  ],
  Communications: ['Press release draft', 'Social media calendar', 'Democracy week campaign'],
  Finance: ['Budget monitoring Q2', 'Supplier payments August', 'Election fees claim'],
  HR: ['Staff rota August', 'Poll staff recruitment', 'Training attendance'],
  Legal: ['Judicial review response', 'Data protection impact assessment', 'Legislation tracker'],
  Policy: ['Consultation response', 'Accessibility review', 'Board minutes July'],
  IT: ['Server patching schedule', 'Firewall change log', 'Asset register'],
};

function userPe(original: string, description: string, version: string, product: string, company: string) {
  return pe(original, description, version, product, company);
}

function proc(image: string, cmd: string, person: Person, pe: NewProc['pe'], cwd?: string): NewProc {
  return { image, cmd, account: person, pe, integrity: 'Medium', ...(cwd !== undefined ? { cwd } : {}) };
}

function internetConnect(d: HostDay, timeUs: number, from: Proc): void {
  const [ip, name] = d.rng.pick(INTERNET);
  d.connect(timeUs, from, ip, name, 443);
}

/** Windows housekeeping, whether or not anyone is at the desk (servers too). */
export function housekeeping(d: HostDay): void {
  const base = dayStartUs(d.dayIndex);
  const schedule = d.running('svchost-schedule');
  const dcom = d.running('svchost-dcom');
  // Servers run more agents and scheduled tasks than desktops.
  const tasks = d.host.role === 'workstation' ? 4 + d.rng.int(4) : 12 + d.rng.int(8);
  for (let i = 0; i < tasks; i++) {
    const t = d.between(base, base + 24 * HOUR_US);
    switch (d.rng.int(7)) {
      case 0: {
        const mp = d.start(
          t,
          {
            image: `${DEFENDER}\\MpCmdRun.exe`,
            cmd: `"${DEFENDER}\\MpCmdRun.exe" SignatureUpdate -ScheduleJob -RestrictPrivileges`,
            account: SYSTEM,
            integrity: 'System',
            pe: pe(
              'MpCmdRun.exe',
              'Microsoft Malware Protection Command Line Utility',
              '4.18.2107.4',
              'Microsoft® Windows® Operating System',
              MS,
            ),
          },
          schedule,
        );
        d.connect(t + 2 * SECOND_US, mp, '13.107.4.50', '-', 443);
        break;
      }
      case 1:
        d.start(
          t,
          {
            image: 'C:\\Windows\\System32\\CompatTelRunner.exe',
            cmd: 'C:\\Windows\\system32\\compattelrunner.exe -m:appraiser.dll -f:DoScheduledTelemetryRun -cv:Jk3bT1s7V0uzT3Fh.2',
            account: SYSTEM,
            integrity: 'System',
            pe: winPe(d.host, 'CompatTelRunner.exe', 'Microsoft Compatibility Telemetry'),
          },
          schedule,
        );
        break;
      case 2:
        d.start(
          t,
          {
            image: 'C:\\Windows\\System32\\wbem\\WmiPrvSE.exe',
            cmd: 'C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding',
            account: SYSTEM,
            integrity: 'System',
            pe: winPe(d.host, 'Wmiprvse.exe', 'WMI Provider Host'),
          },
          dcom,
        );
        break;
      case 3:
        d.start(
          t,
          {
            image: 'C:\\Windows\\System32\\rundll32.exe',
            cmd: 'C:\\Windows\\system32\\rundll32.exe C:\\Windows\\system32\\PcaSvc.dll,PcaPatchSdbTask',
            account: SYSTEM,
            integrity: 'System',
            pe: winPe(d.host, 'RUNDLL32.EXE', 'Windows host process (Rundll32)'),
          },
          schedule,
        );
        break;
      case 4:
        d.start(
          t,
          {
            image: POWERSHELL,
            cmd: `"${POWERSHELL}" -NoLogo -Noninteractive -ExecutionPolicy Bypass -File "C:\\Windows\\CCM\\SystemTemp\\${d.rng.guid().toLowerCase()}.ps1"`,
            account: SYSTEM,
            integrity: 'System',
            pe: winPe(d.host, 'PowerShell.EXE', 'Windows PowerShell'),
          },
          d.running('ccmexec'),
        );
        break;
      case 5:
        d.start(
          t,
          {
            image: 'C:\\Windows\\System32\\usoclient.exe',
            cmd: 'C:\\Windows\\system32\\usoclient.exe StartScan',
            account: SYSTEM,
            integrity: 'System',
            pe: winPe(d.host, 'USOClient.exe', 'UsoClient'),
          },
          schedule,
        );
        break;
      default:
        d.start(
          t,
          {
            image: 'C:\\Windows\\System32\\SearchProtocolHost.exe',
            cmd: `"C:\\Windows\\system32\\SearchProtocolHost.exe" Global\\UsGthrFltPipeMssGthrPipe${d.rng.range(1, 60)}_ Global\\UsGthrCtrlFltPipeMssGthrPipe${d.rng.range(1, 60)} 1 -2147483646 "Software\\Microsoft\\Windows Search" "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT; MS Search 6.0 Robot)" "C:\\ProgramData\\Microsoft\\Search\\Data\\Temp\\usgthrsvc" "DownLevelDaemon" `,
            account: SYSTEM,
            integrity: 'System',
            pe: winPe(d.host, 'SearchProtocolHost.exe', 'Microsoft Windows Search Protocol Host'),
          },
          d.running('svchost-dcom'),
        );
    }
  }
}

interface Session {
  readonly person: Person;
  readonly explorer: Proc;
  readonly outlook: Proc;
  readonly edge: Proc;
}

/** Logon at the desk: 4625s for mistyped passwords, 4624 type 2, the shell and the start-up apps. */
function logonAtDesk(d: HostDay, person: Person, day: UserDay, logonId: string): Session {
  let t = day.startUs;
  for (let i = day.typos; i > 0; i--) {
    d.push(
      logonFailure(d, t - i * (6 + d.rng.int(9)) * SECOND_US, {
        userName: person.name,
        domainName: 'ELECTIONS',
        logonType: 2,
        ip: '127.0.0.1',
        workstation: d.host.name,
        subStatus: '0xc000006a',
        processName: 'C:\\Windows\\System32\\svchost.exe',
      }),
    );
  }
  d.push(
    logonSuccess(d, t, {
      account: person,
      kind: 'interactive',
      ip: '127.0.0.1',
      workstation: d.host.name,
      logonId,
    }),
  );
  t += 2 * SECOND_US;
  const userinit = d.start(
    t,
    proc(
      'C:\\Windows\\System32\\userinit.exe',
      'C:\\Windows\\system32\\userinit.exe',
      person,
      winPe(d.host, 'USERINIT.EXE', 'Userinit Logon Application'),
      'C:\\Windows\\system32\\',
    ),
    d.running('winlogon'),
  );
  t += SECOND_US;
  const explorer = d.start(
    t,
    proc(
      'C:\\Windows\\explorer.exe',
      'C:\\Windows\\Explorer.EXE',
      person,
      winPe(d.host, 'EXPLORER.EXE', 'Windows Explorer'),
      'C:\\Windows\\system32\\',
    ),
    userinit,
  );
  const home = `C:\\Users\\${person.name}`;
  t += 6 * SECOND_US;
  const oneDrive = d.start(
    t,
    proc(
      `${home}\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe`,
      `"${home}\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe" /background`,
      person,
      userPe('OneDrive.exe', 'Microsoft OneDrive', '21.139.0711.0001', 'Microsoft OneDrive', MS),
    ),
    explorer,
  );
  d.connect(t + 3 * SECOND_US, oneDrive, '13.107.42.12', '-', 443);
  if (d.rng.chance(0.05)) {
    d.push(
      sysmonRegistrySet(
        d,
        t + 4 * SECOND_US,
        oneDrive,
        `HKU\\${person.sid}\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\OneDrive`,
        `"${home}\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe" /background`,
      ),
    );
  }
  t += 4 * SECOND_US;
  const update = d.start(
    t,
    proc(
      `${home}\\AppData\\Local\\Microsoft\\Teams\\Update.exe`,
      `"${home}\\AppData\\Local\\Microsoft\\Teams\\Update.exe" --processStart "Teams.exe" --process-start-args "--system-initiated"`,
      person,
      userPe('Update.exe', 'Teams', '1.5.0.0', 'Microsoft Teams', MS),
    ),
    explorer,
  );
  const teams = d.start(
    t + SECOND_US,
    proc(
      `${home}\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe`,
      `"${home}\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe" --system-initiated`,
      person,
      userPe('Teams.exe', 'Microsoft Teams', '1.4.00.19572', 'Microsoft Teams', MS),
    ),
    update,
  );
  d.connect(t + 5 * SECOND_US, teams, '52.113.194.132', '-', 443);
  t += d.rng.range(20, 240) * SECOND_US;
  const outlook = d.start(
    t,
    proc(
      `${OFFICE}\\OUTLOOK.EXE`,
      `"${OFFICE}\\OUTLOOK.EXE" `,
      person,
      userPe('Outlook.exe', 'Microsoft Outlook', OFFICE_VERSION, 'Microsoft Outlook', MS),
    ),
    explorer,
  );
  const exchange = hostNamed(d.estate, day.exchange);
  d.connect(t + 2 * SECOND_US, outlook, exchange.ip, exchange.fqdn, 443);
  t += d.rng.range(10, 600) * SECOND_US;
  const edge = d.start(
    t,
    proc(
      EDGE,
      `"${EDGE}" --profile-directory=Default`,
      person,
      userPe('msedge.exe', 'Microsoft Edge', EDGE_VERSION, 'Microsoft Edge', MS),
    ),
    explorer,
  );
  internetConnect(d, t + 2 * SECOND_US, edge);
  return { person, explorer, outlook, edge };
}

/** One thing the user does during the day. */
function userAction(d: HostDay, s: Session, t: number): void {
  const { person } = s;
  const home = `C:\\Users\\${person.name}`;
  const document = d.rng.pick(DOCUMENTS[person.department]);
  const share = d.rng.chance(0.6) ? 'FS01' : 'FS02';
  const roll = d.rng.int(person.department === 'Registration' ? 14 : person.department === 'IT' ? 13 : 11);
  switch (roll) {
    case 0:
    case 1: {
      const word = d.start(
        t,
        proc(
          `${OFFICE}\\WINWORD.EXE`,
          `"${OFFICE}\\WINWORD.EXE" /n "\\\\${share}\\Shared\\${person.department}\\${document}.docx" /o ""`,
          person,
          userPe('WinWord.exe', 'Microsoft Word', OFFICE_VERSION, 'Microsoft Office', MS),
        ),
        s.explorer,
      );
      if (d.rng.chance(0.4))
        d.write(t + d.rng.range(60, 1800) * SECOND_US, word, `${home}\\Documents\\${document}.docx`);
      break;
    }
    case 2:
    case 3: {
      const excel = d.start(
        t,
        proc(
          `${OFFICE}\\EXCEL.EXE`,
          `"${OFFICE}\\EXCEL.EXE" "\\\\${share}\\Shared\\${person.department}\\${document}.xlsx"`,
          person,
          userPe('Excel.exe', 'Microsoft Excel', OFFICE_VERSION, 'Microsoft Office', MS),
        ),
        s.explorer,
      );
      if (d.rng.chance(0.3))
        d.write(t + d.rng.range(60, 1800) * SECOND_US, excel, `${home}\\Documents\\${document}.xlsx`);
      break;
    }
    case 4: {
      const file = `${home}\\Downloads\\${document.replaceAll(' ', '_')}.pdf`;
      d.write(t, s.edge, file);
      d.start(
        t + 5 * SECOND_US,
        proc(
          'C:\\Program Files (x86)\\Adobe\\Acrobat Reader DC\\Reader\\AcroRd32.exe',
          `"C:\\Program Files (x86)\\Adobe\\Acrobat Reader DC\\Reader\\AcroRd32.exe" "${file}"`,
          person,
          userPe(
            'AcroRd32.exe',
            'Adobe Acrobat Reader DC',
            '21.5.20060.28362',
            'Adobe Acrobat Reader DC',
            'Adobe Systems Incorporated',
          ),
        ),
        s.explorer,
      );
      break;
    }
    case 5:
    case 6: {
      const renderer = d.start(
        t,
        proc(
          EDGE,
          `"${EDGE}" --type=renderer --field-trial-handle=1720,${d.rng.range(1000000, 9999999)},${d.rng.range(1000000, 9999999)},131072 --lang=en-GB --device-scale-factor=1 --num-raster-threads=2 --renderer-client-id=${d.rng.range(5, 90)} --mojo-platform-channel-handle=${d.rng.range(2000, 9000)} /prefetch:1`,
          person,
          userPe('msedge.exe', 'Microsoft Edge', EDGE_VERSION, 'Microsoft Edge', MS),
        ),
        s.edge,
      );
      internetConnect(d, t + SECOND_US, s.edge);
      void renderer;
      break;
    }
    case 7: {
      const attachment = `${home}\\AppData\\Local\\Microsoft\\Windows\\INetCache\\Content.Outlook\\${d.rng.hex(8).toUpperCase()}\\${document}.pdf`;
      d.write(t, s.outlook, attachment);
      break;
    }
    case 8:
      d.start(
        t,
        proc(
          'C:\\Windows\\System32\\notepad.exe',
          `"C:\\Windows\\system32\\NOTEPAD.EXE" ${home}\\Documents\\notes.txt`,
          person,
          winPe(d.host, 'NOTEPAD.EXE', 'Notepad'),
        ),
        s.explorer,
      );
      break;
    case 9:
      d.start(
        t,
        proc(
          `${OFFICE}\\POWERPNT.EXE`,
          `"${OFFICE}\\POWERPNT.EXE" "\\\\${share}\\Shared\\${person.department}\\${document}.pptx"`,
          person,
          userPe('POWERPNT.EXE', 'Microsoft PowerPoint', OFFICE_VERSION, 'Microsoft Office', MS),
        ),
        s.explorer,
      );
      break;
    case 10: {
      const folder = `${home}\\Documents\\${document}`;
      const zip = d.start(
        t,
        proc(
          'C:\\Program Files\\7-Zip\\7zG.exe',
          `"C:\\Program Files\\7-Zip\\7zG.exe" a -i#7zMap${d.rng.range(1000, 32000)}:${d.rng.range(40, 90)}:7zEvent${d.rng.range(1000, 32000)} -ad -saa -- "${folder}"`,
          person,
          userPe('7zg.exe', '7-Zip GUI', '19.00', '7-Zip', 'Igor Pavlov'),
          `${home}\\Documents\\`,
        ),
        s.explorer,
      );
      d.write(t + 4 * SECOND_US, zip, `${folder}.7z`);
      break;
    }
    case 11:
    case 12:
      if (person.department === 'IT') itAction(d, s, t);
      else registerClient(d, s, t);
      break;
    default:
      registerClient(d, s, t);
  }
}

function registerClient(d: HostDay, s: Session, t: number): void {
  const { person } = s;
  const app = hostNamed(d.estate, 'REGAPP01');
  const client = d.start(
    t,
    proc(
      REGISTER_CLIENT,
      `"${REGISTER_CLIENT}" /server:https://regapp01.${DNS_DOMAIN}/`,
      person,
      userPe(
        'RegisterClient.exe',
        'Ballotline Register Client',
        '7.4.2.118',
        'Ballotline Electoral Register',
        'Ballotline Ltd',
      ),
    ),
    s.explorer,
  );
  d.connect(t + 2 * SECOND_US, client, app.ip, app.fqdn, 443);
  if (!d.rng.chance(0.25)) return;
  const ward = String(d.rng.range(1, 24)).padStart(2, '0');
  const folder = `C:\\Users\\${person.name}\\Documents\\Register exports`;
  const csv = `${folder}\\changes_ward${ward}_${dayStamp(d.dayIndex)}.csv`;
  d.write(t + d.rng.range(60, 900) * SECOND_US, client, csv);
  // Now and then someone zips an extract to send it on: a policy breach the register rules point out.
  if (d.rng.chance(0.005)) {
    d.write(
      t + d.rng.range(1000, 1800) * SECOND_US,
      s.explorer,
      `${folder}\\electors_ward${ward}_changes_${dayStamp(d.dayIndex)}.zip`,
    );
  }
}

function itAction(d: HostDay, s: Session, t: number): void {
  const { person } = s;
  const cmd = d.start(
    t,
    proc(CMD, `"${CMD}" `, person, winPe(d.host, 'Cmd.Exe', 'Windows Command Processor')),
    s.explorer,
  );
  const target = d.rng.pick(d.estate.servers);
  const tool = d.rng.pick([
    ['C:\\Windows\\System32\\PING.EXE', `ping -n 4 ${target.name}`, 'ping.exe', 'TCP/IP Ping Command'],
    ['C:\\Windows\\System32\\nslookup.exe', `nslookup ${target.fqdn}`, 'nslookup.exe', 'nslookup'],
    ['C:\\Windows\\System32\\ipconfig.exe', 'ipconfig /all', 'ipconfig.exe', 'IP Configuration Utility'],
    [
      'C:\\Windows\\System32\\gpupdate.exe',
      'gpupdate /force',
      'GPUpdate.exe',
      'Microsoft® Windows Group Policy Update Utility',
    ],
  ] as const);
  d.start(
    t + d.rng.range(3, 40) * SECOND_US,
    proc(tool[0], tool[1], person, winPe(d.host, tool[2], tool[3])),
    cmd,
  );
}

/** The admin's side of an RDP session: mstsc.exe and its connection. */
export function rdpClient(d: HostDay, s: Session | undefined, session: AdminSession): void {
  if (s === undefined) return;
  const server = hostNamed(d.estate, session.server);
  const mstsc = d.start(
    session.startUs - 20 * SECOND_US,
    proc(
      'C:\\Windows\\System32\\mstsc.exe',
      `"C:\\Windows\\system32\\mstsc.exe" /v:${server.name}`,
      s.person,
      winPe(d.host, 'mstsc.exe', 'Remote Desktop Connection'),
    ),
    s.explorer,
  );
  d.connect(session.startUs - 18 * SECOND_US, mstsc, server.ip, server.fqdn, 3389);
}

export interface WorkstationDayInput {
  readonly day: UserDay;
  /** RDP sessions this workstation's owner opens with an admin account today. */
  readonly adminSessions: readonly AdminSession[];
}

export function workstationDay(d: HostDay, input: WorkstationDayInput): void {
  housekeeping(d);
  const person = d.host.owner;
  const { day } = input;
  if (person === undefined || !day.present || day.remote) return;
  const logonId = `0x${(0x200000 + d.rng.int(0xdfffff)).toString(16)}`;
  const session = logonAtDesk(d, person, day, logonId);
  const actions = 8 + d.rng.int(10);
  for (let i = 0; i < actions; i++) {
    userAction(d, session, d.between(day.startUs + 15 * MINUTE_US, day.endUs - 5 * MINUTE_US));
  }
  for (const rdp of input.adminSessions) rdpClient(d, session, rdp);
  d.push(logoff(d, day.endUs, person, 2, logonId));
}
