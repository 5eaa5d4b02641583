/**
 * The Exchange front ends' IIS logs (W3C extended format, `u_exYYMMDD.log`, one file per day, times in UTC)
 * and their ordinary traffic: Outlook over MAPI/HTTP and EWS, Teams' calendar lookups, OWA from home,
 * phones over ActiveSync, administrators in ECP, load-balancer and Managed Availability probes, and the
 * background noise of internet scanners.
 */
import type { Estate, Host, Person } from './estate.js';
import { DOMAIN, MAIL_DOMAIN, hostNamed } from './estate.js';
import type { Prng } from './prng.js';
import { Prng as Random, seedFor } from './prng.js';
import { EXCHANGE_VERSION } from './processes.js';
import type { AdminSession } from './schedule.js';
import { HOUR_US, MINUTE_US, SECOND_US, dayStartUs, staleDevice, userDay } from './schedule.js';

export const W3C_FIELDS =
  'date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken';

export interface IisRequest {
  readonly timeUs: number;
  readonly method: string;
  readonly stem: string;
  /** `-` when there is none. */
  readonly query: string;
  readonly username: string;
  readonly clientIp: string;
  /** As the client sent it; spaces become `+` when written. */
  readonly userAgent: string;
  readonly referer: string;
  readonly status: number;
  readonly substatus: number;
  readonly win32: number;
  readonly timeTakenMs: number;
}

/** The directive block IIS writes when it opens a log file (and again after a restart). */
export function w3cHeader(firstUs: number): string[] {
  const iso = new Date(Math.floor(firstUs / 1000)).toISOString();
  return [
    '#Software: Microsoft Internet Information Services 10.0',
    '#Version: 1.0',
    `#Date: ${iso.slice(0, 10)} ${iso.slice(11, 19)}`,
    `#Fields: ${W3C_FIELDS}`,
  ];
}

export function w3cLine(request: IisRequest, server: Host): string {
  const iso = new Date(Math.floor(request.timeUs / 1000)).toISOString();
  const field = (value: string): string => (value === '' ? '-' : value.replaceAll(' ', '+'));
  return [
    iso.slice(0, 10),
    iso.slice(11, 19),
    server.ip,
    request.method,
    field(request.stem),
    field(request.query),
    '443',
    field(request.username),
    request.clientIp,
    field(request.userAgent),
    field(request.referer),
    String(request.status),
    String(request.substatus),
    String(request.win32),
    String(request.timeTakenMs),
  ].join(' ');
}

/** `u_ex210810.log`. */
export function w3cFileName(dayUs: number): string {
  const iso = new Date(Math.floor(dayUs / 1000)).toISOString();
  return `u_ex${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}.log`;
}

const OUTLOOK_UA = 'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.14228; Pro)';
const TEAMS_UA = 'MicrosoftNinja/1.0 Teams/1.0 (ExchangeServicesClient/0.0.0.0) SkypeSpaces/1.0a$*+';
const BROWSERS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/92.0.4515.131 Safari/537.36 Edg/92.0.902.67',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/92.0.4515.131 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/14.1.2 Safari/605.1.15',
  'Mozilla/5.0 (iPad; CPU OS 14_7_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/14.1.2 Mobile/15E148 Safari/604.1',
];
const PHONES = [
  ['iPhone', 'Apple-iPhone13C2/1806.228'],
  ['iPhone', 'Apple-iPhone12C1/1805.84'],
  ['Android', 'Android-SAMSUNG-SM-G991B/101.10.0'],
  ['Outlook', 'Outlook-iOS/709.2226530.prod.iphone (4.2.3)'],
] as const;
const MONITOR_UA = 'Mozilla/5.0 (compatible; PRTG Network Monitor (www.paessler.com); Windows)';
const SCANNERS = [
  ['GET', '/', '-', 'Mozilla/5.0 zgrab/0.x', 200],
  [
    'GET',
    '/owa/auth/logon.aspx',
    'replaceCurrent=1&url=https%3a%2f%2f',
    'Mozilla/5.0 (compatible; CensysInspect/1.1; +https://about.censys.io/)',
    200,
  ],
  ['GET', '/remote/login', 'lang=en', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)', 404],
  ['GET', '/.env', '-', 'python-requests/2.25.1', 404],
  ['GET', '/wp-login.php', '-', 'Mozilla/5.0 (X11; Linux x86_64)', 404],
  [
    'GET',
    '/ecp/Current/exporttool/microsoft.exchange.ediscovery.exporttool.application',
    '-',
    'Mozilla/5.0 (compatible; NetcraftSurveyAgent/1.0)',
    200,
  ],
  [
    'HEAD',
    '/',
    '-',
    'Expanse, a Palo Alto Networks company, searches across the global IPv4 space multiple times per day to identify customers&#39; presences on the Internet.',
    200,
  ],
] as const;

function cafe(rng: Prng): string {
  return `CorrelationID=<empty>;&cafeReqId=${rng.guid().toLowerCase()};`;
}

function request(
  partial: Omit<IisRequest, 'referer' | 'substatus' | 'win32'> & Partial<IisRequest>,
): IisRequest {
  return { referer: '-', substatus: 0, win32: 0, ...partial };
}

/** Two lines for an authenticated request: the 401 challenge, then the answer. */
function negotiated(rng: Prng, out: IisRequest[], req: IisRequest): void {
  out.push({
    ...req,
    username: '-',
    status: 401,
    substatus: 1,
    win32: 2148074254,
    timeTakenMs: rng.range(0, 3),
  });
  out.push({ ...req, timeUs: req.timeUs + rng.range(5, 80) * 1000 });
}

function officeUser(
  rng: Prng,
  out: IisRequest[],
  person: Person,
  estate: Estate,
  start: number,
  end: number,
): void {
  const ip = hostNamed(estate, person.workstation).ip;
  const user = `${DOMAIN}\\${person.name}`;
  const between = (): number => start + Math.floor(rng.float() * (end - start));
  negotiated(
    rng,
    out,
    request({
      timeUs: start + 30 * SECOND_US,
      method: 'POST',
      stem: '/Autodiscover/Autodiscover.xml',
      query: '-',
      username: user,
      clientIp: ip,
      userAgent: OUTLOOK_UA,
      status: 200,
      timeTakenMs: rng.range(15, 90),
    }),
  );
  const mailbox = `${rng.guid().toLowerCase()}@${MAIL_DOMAIN}`;
  for (let i = 4 + rng.int(6); i > 0; i--) {
    out.push(
      request({
        timeUs: between(),
        method: 'POST',
        stem: '/mapi/emsmdb/',
        query: `mailboxId=${mailbox}&${cafe(rng)}`,
        username: user,
        clientIp: ip,
        userAgent: OUTLOOK_UA,
        status: 200,
        timeTakenMs: rng.range(5, 400),
      }),
    );
  }
  for (let i = 1 + rng.int(3); i > 0; i--) {
    out.push(
      request({
        timeUs: between(),
        method: 'POST',
        stem: '/EWS/Exchange.asmx',
        query: `&${cafe(rng)}`,
        username: user,
        clientIp: ip,
        userAgent: OUTLOOK_UA,
        status: 200,
        timeTakenMs: rng.range(10, 300),
      }),
    );
  }
}

/** Teams' calendar service, from Microsoft's cloud, on behalf of the user. */
function teamsLookups(rng: Prng, out: IisRequest[], person: Person, start: number, end: number): void {
  const ip = `52.112.${rng.range(0, 127)}.${rng.range(1, 254)}`;
  const t = start + Math.floor(rng.float() * (end - start));
  out.push(
    request({
      timeUs: t,
      method: 'POST',
      stem: '/autodiscover/autodiscover.svc',
      query: `&${cafe(rng)}`,
      username: `${person.name}@${MAIL_DOMAIN}`,
      clientIp: ip,
      userAgent: TEAMS_UA,
      status: 200,
      timeTakenMs: rng.range(20, 120),
    }),
  );
  out.push(
    request({
      timeUs: t + 2 * SECOND_US,
      method: 'POST',
      stem: '/EWS/Exchange.asmx',
      query: `&${cafe(rng)}`,
      username: `${person.name}@${MAIL_DOMAIN}`,
      clientIp: ip,
      userAgent: TEAMS_UA,
      status: 200,
      timeTakenMs: rng.range(20, 250),
    }),
  );
}

function owaFromHome(
  rng: Prng,
  out: IisRequest[],
  person: Person,
  start: number,
  end: number,
  typo: boolean,
): void {
  const ua = rng.pick(BROWSERS);
  const ip = person.homeIp;
  let t = start - 40 * SECOND_US;
  out.push(
    request({
      timeUs: t,
      method: 'GET',
      stem: '/owa/',
      query: '-',
      username: '-',
      clientIp: ip,
      userAgent: ua,
      status: 302,
      timeTakenMs: rng.range(1, 10),
    }),
  );
  out.push(
    request({
      timeUs: t + 300_000,
      method: 'GET',
      stem: '/owa/auth/logon.aspx',
      query: 'replaceCurrent=1&url=https%3a%2f%2fmail.elections.example%2fowa%2f',
      username: '-',
      clientIp: ip,
      userAgent: ua,
      status: 200,
      timeTakenMs: rng.range(5, 40),
    }),
  );
  if (typo) {
    t += 15 * SECOND_US;
    out.push(
      request({
        timeUs: t,
        method: 'POST',
        stem: '/owa/auth.owa',
        query: '-',
        username: `${DOMAIN}\\${person.name}`,
        clientIp: ip,
        userAgent: ua,
        status: 302,
        timeTakenMs: rng.range(30, 200),
      }),
    );
    out.push(
      request({
        timeUs: t + 400_000,
        method: 'GET',
        stem: '/owa/auth/logon.aspx',
        query: 'url=https%3a%2f%2fmail.elections.example%2fowa%2f&reason=2',
        username: '-',
        clientIp: ip,
        userAgent: ua,
        status: 200,
        timeTakenMs: rng.range(5, 40),
      }),
    );
  }
  t = start;
  out.push(
    request({
      timeUs: t,
      method: 'POST',
      stem: '/owa/auth.owa',
      query: '-',
      username: `${DOMAIN}\\${person.name}`,
      clientIp: ip,
      userAgent: ua,
      status: 302,
      timeTakenMs: rng.range(30, 200),
    }),
  );
  const actions = [
    'GetFolderChangeDigest',
    'FindItem',
    'GetItem',
    'GetConversationItems',
    'CreateItem',
    'GetOwaUserConfiguration',
  ];
  for (let i = 5 + rng.int(10); i > 0; i--) {
    const at = start + Math.floor(rng.float() * (end - start));
    out.push(
      request({
        timeUs: at,
        method: 'POST',
        stem: '/owa/service.svc',
        query: `action=${rng.pick(actions)}&app=Mail&n=${rng.range(1, 300)}`,
        username: `${DOMAIN}\\${person.name}`,
        clientIp: ip,
        userAgent: ua,
        referer: 'https://mail.elections.example/owa/',
        status: 200,
        timeTakenMs: rng.range(10, 500),
      }),
    );
  }
}

function phone(rng: Prng, out: IisRequest[], person: Person, base: number): void {
  const [type, ua] = PHONES[Math.floor((person.name.length * 7 + person.sid.length) % PHONES.length)]!;
  const device = new Random(seedFor(0, person.name, 'device')).hex(32).toUpperCase();
  const user = `${DOMAIN}\\${person.name}`;
  if (type === 'Outlook') {
    const t = base + rng.range(6, 20) * HOUR_US;
    out.push(
      request({
        timeUs: t,
        method: 'GET',
        stem: `/autodiscover/autodiscover.json/v1.0/${person.name}@${MAIL_DOMAIN}`,
        query: `Protocol=ActiveSync&RedirectCount=1&${cafe(rng)}`,
        username: '-',
        clientIp: person.mobileIp,
        userAgent: ua,
        status: 200,
        timeTakenMs: rng.range(5, 60),
      }),
    );
  }
  for (let i = 4 + rng.int(6); i > 0; i--) {
    const t = base + rng.range(6, 22) * HOUR_US + rng.int(3600) * SECOND_US;
    const command = rng.chance(0.6) ? 'Ping' : rng.pick(['Sync', 'FolderSync', 'ItemOperations']);
    out.push(
      request({
        timeUs: t,
        method: 'POST',
        stem: '/Microsoft-Server-ActiveSync/default.eas',
        query: `Cmd=${command}&User=${person.name}&DeviceId=${device}&DeviceType=${type}`,
        username: user,
        clientIp: person.mobileIp,
        userAgent: ua,
        status: 200,
        timeTakenMs: command === 'Ping' ? rng.range(470_000, 480_100) : rng.range(40, 900),
      }),
    );
  }
}

function probes(rng: Prng, out: IisRequest[], estate: Estate, base: number): void {
  const monitor = hostNamed(estate, 'MON01').ip;
  for (let m = 0; m < 24 * 60; m += 10) {
    const t = base + m * MINUTE_US + rng.int(30) * SECOND_US;
    out.push(
      request({
        timeUs: t,
        method: 'GET',
        stem: '/owa/healthcheck.htm',
        query: '-',
        username: '-',
        clientIp: monitor,
        userAgent: MONITOR_UA,
        status: 200,
        timeTakenMs: rng.range(0, 4),
      }),
    );
    if (m % 30 === 0) {
      out.push(
        request({
          timeUs: t + SECOND_US,
          method: 'GET',
          stem: '/autodiscover/healthcheck.htm',
          query: '-',
          username: '-',
          clientIp: monitor,
          userAgent: '-',
          status: 200,
          timeTakenMs: rng.range(0, 4),
        }),
      );
    }
  }
  for (let m = 0; m < 24 * 60; m += 15) {
    const t = base + m * MINUTE_US + rng.int(50) * SECOND_US;
    const health = `HealthMailbox${rng.hex(7)}@${MAIL_DOMAIN}`;
    out.push(
      request({
        timeUs: t,
        method: 'GET',
        stem: '/owa/',
        query: cafe(rng),
        username: health,
        clientIp: '127.0.0.1',
        userAgent: 'AMProbe/Local/ClientAccess',
        status: 200,
        timeTakenMs: rng.range(20, 200),
      }),
    );
  }
}

function scanners(rng: Prng, out: IisRequest[], base: number): void {
  for (let i = 10 + rng.int(20); i > 0; i--) {
    const [method, stem, query, ua, status] = rng.pick(SCANNERS);
    const ip = `${rng.pick(['45.146.164', '89.248.165', '162.142.125', '167.94.138', '193.118.53'])}.${rng.range(1, 254)}`;
    out.push(
      request({
        timeUs: base + rng.int(86_400) * SECOND_US,
        method,
        stem,
        query,
        username: '-',
        clientIp: ip,
        userAgent: ua,
        status,
        timeTakenMs: rng.range(0, 30),
      }),
    );
  }
}

function ecpSession(rng: Prng, out: IisRequest[], session: AdminSession, estate: Estate): void {
  const ip = hostNamed(estate, 'RDS01').ip;
  const user = `${DOMAIN}\\${session.admin.name}`;
  const ua = BROWSERS[0]!;
  const t = session.startUs + 2 * MINUTE_US;
  out.push(
    request({
      timeUs: t,
      method: 'GET',
      stem: '/ecp/',
      query: '-',
      username: '-',
      clientIp: ip,
      userAgent: ua,
      status: 302,
      timeTakenMs: 3,
    }),
  );
  out.push(
    request({
      timeUs: t + SECOND_US,
      method: 'GET',
      stem: '/ecp/default.aspx',
      query: '-',
      username: user,
      clientIp: ip,
      userAgent: ua,
      status: 200,
      timeTakenMs: rng.range(80, 900),
    }),
  );
  const canary = rng.hex(32);
  for (let i = 2 + rng.int(5); i > 0; i--) {
    const schema = rng.pick([
      'MailboxService',
      'DistributionGroup',
      'MailboxPermissions',
      'RecipientPickerService',
    ]);
    out.push(
      request({
        timeUs: t + rng.range(5, 600) * SECOND_US,
        method: 'POST',
        stem: `/ecp/DDI/DDIService.svc/${rng.pick(['GetList', 'GetObject'])}`,
        query: `schema=${schema}&msExchEcpCanary=${canary}`,
        username: user,
        clientIp: ip,
        userAgent: ua,
        referer: `https://mail.elections.example/ecp/${EXCHANGE_VERSION}/`,
        status: 200,
        timeTakenMs: rng.range(30, 700),
      }),
    );
  }
}

/** The ordinary requests one Exchange front end logs in one day. */
export function benignIisDay(
  seed: number,
  estate: Estate,
  server: Host,
  dayIndex: number,
  sessions: readonly AdminSession[],
): IisRequest[] {
  const rng = new Random(seedFor(seed, server.name, dayIndex, 'iis'));
  const base = dayStartUs(dayIndex);
  const out: IisRequest[] = [];
  probes(rng, out, estate, base);
  scanners(rng, out, base);
  for (const person of estate.people) {
    const day = userDay(seed, person, dayIndex);
    if (day.exchange === server.name) {
      if (day.present && !day.remote) {
        officeUser(rng, out, person, estate, day.startUs, day.endUs);
        if (rng.chance(0.5)) teamsLookups(rng, out, person, day.startUs, day.endUs);
      } else if (day.present) {
        owaFromHome(rng, out, person, day.startUs, day.endUs, day.owaTypo);
      }
    }
    if (person.mobile && (person.name.length + dayIndex) % 2 === (server.name === 'EXCH01' ? 0 : 1)) {
      phone(rng, out, person, base);
    }
  }
  for (const session of sessions) {
    if (session.server === server.name) ecpSession(rng, out, session, estate);
  }
  const stale = staleDevice(seed, estate);
  if (stale !== undefined && stale.dayIndex === dayIndex && stale.server === server.name) {
    const [type, ua] = PHONES[0];
    const device = new Random(seedFor(0, stale.person.name, 'old-device')).hex(32).toUpperCase();
    for (const t of stale.attemptsUs) {
      out.push(
        request({
          timeUs: t,
          method: 'POST',
          stem: '/Microsoft-Server-ActiveSync/default.eas',
          query: `Cmd=Ping&User=${stale.person.name}&DeviceId=${device}&DeviceType=${type}`,
          username: `${DOMAIN}\\${stale.person.name}`,
          clientIp: stale.person.mobileIp,
          userAgent: ua,
          status: 401,
          substatus: 1,
          win32: 1326,
          timeTakenMs: rng.range(20, 90),
        }),
      );
    }
  }
  return out;
}
