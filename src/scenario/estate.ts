/**
 * The fictional election body of the scenario: one Active Directory domain (`ELECTIONS`), twenty servers
 * (domain controllers, two Exchange front ends, the electoral-register database and its web application,
 * file, backup and management servers) and one workstation per member of staff. Built once from the seed;
 * every generator draws its hosts and accounts from it.
 */
import { Prng, seedFor } from './prng.js';

export const DOMAIN = 'ELECTIONS';
export const DNS_DOMAIN = 'elections.local';
export const MAIL_DOMAIN = 'elections.example';
const DOMAIN_SID = 'S-1-5-21-2977773840-2930198165-1551093962';

export type AccountKind = 'person' | 'admin' | 'service' | 'builtin';

export interface Account {
  /** sAMAccountName (`priya.patel`, `adm-owen.hughes`, `svc_sql`) or the well-known name (`SYSTEM`). */
  readonly name: string;
  /** `ELECTIONS`, `NT AUTHORITY`, `IIS APPPOOL`... */
  readonly domain: string;
  readonly sid: string;
  readonly kind: AccountKind;
}

export type Department =
  'Registration' | 'Elections' | 'Communications' | 'Finance' | 'HR' | 'IT' | 'Legal' | 'Policy';

export interface Person extends Account {
  readonly kind: 'person';
  readonly department: Department;
  /** The workstation assigned to this person. */
  readonly workstation: string;
  /** Has a phone that syncs mail over ActiveSync. */
  readonly mobile: boolean;
  /** Chance of working from home on a given weekday (2021: hybrid work). */
  readonly remoteShare: number;
  /** Home broadband address, used for OWA from home. */
  readonly homeIp: string;
  /** Mobile carrier address of the phone. */
  readonly mobileIp: string;
}

export type HostRole =
  | 'dc'
  | 'exchange'
  | 'register-db'
  | 'register-app'
  | 'sql'
  | 'app'
  | 'file'
  | 'backup'
  | 'print'
  | 'sccm'
  | 'wsus'
  | 'monitoring'
  | 'antivirus'
  | 'ca'
  | 'adfs'
  | 'rds'
  | 'web'
  | 'workstation';

export interface Host {
  /** NetBIOS name (`EXCH01`, `WS-0042`). */
  readonly name: string;
  /** What Sysmon and the Security log write in `System.Computer`. */
  readonly fqdn: string;
  readonly role: HostRole;
  readonly ip: string;
  /** The person who uses a workstation; undefined for servers. */
  readonly owner?: Person;
  readonly sysmonPid: number;
  readonly lsassPid: number;
  readonly servicesPid: number;
  /** First group of every Sysmon ProcessGuid on this machine. */
  readonly guidPrefix: string;
  /** Last group of every Sysmon ProcessGuid of this boot. */
  readonly guidSuffix: string;
  /** ActivityID the Security log's logon events carry on this boot. */
  readonly activityId: string;
}

export const SYSTEM: Account = { name: 'SYSTEM', domain: 'NT AUTHORITY', sid: 'S-1-5-18', kind: 'builtin' };
export const LOCAL_SERVICE: Account = {
  name: 'LOCAL SERVICE',
  domain: 'NT AUTHORITY',
  sid: 'S-1-5-19',
  kind: 'builtin',
};
export const NETWORK_SERVICE: Account = {
  name: 'NETWORK SERVICE',
  domain: 'NT AUTHORITY',
  sid: 'S-1-5-20',
  kind: 'builtin',
};

export interface ServiceAccounts {
  readonly sql: Account;
  readonly sqlAgent: Account;
  readonly backup: Account;
  readonly sccm: Account;
  readonly registerApp: Account;
  readonly monitor: Account;
  readonly builtinAdministrator: Account;
}

export interface Estate {
  readonly servers: readonly Host[];
  readonly workstations: readonly Host[];
  readonly people: readonly Person[];
  /** IT staff's separate administrative accounts (`adm-…`), members of Domain Admins. */
  readonly admins: readonly Account[];
  readonly services: ServiceAccounts;
  readonly byName: ReadonlyMap<string, Host>;
}

const SERVERS: readonly (readonly [name: string, role: HostRole, ip: string])[] = [
  ['DC01', 'dc', '10.10.1.10'],
  ['DC02', 'dc', '10.10.1.11'],
  ['CA01', 'ca', '10.10.1.12'],
  ['ADFS01', 'adfs', '10.10.1.13'],
  ['EXCH01', 'exchange', '10.10.2.21'],
  ['EXCH02', 'exchange', '10.10.2.22'],
  ['REGDB01', 'register-db', '10.10.3.31'],
  ['REGAPP01', 'register-app', '10.10.3.32'],
  ['SQL02', 'sql', '10.10.3.33'],
  ['APP01', 'app', '10.10.3.34'],
  ['FS01', 'file', '10.10.4.41'],
  ['FS02', 'file', '10.10.4.42'],
  ['BAK01', 'backup', '10.10.4.45'],
  ['PRINT01', 'print', '10.10.4.50'],
  ['SCCM01', 'sccm', '10.10.5.51'],
  ['WSUS01', 'wsus', '10.10.5.52'],
  ['MON01', 'monitoring', '10.10.5.53'],
  ['AV01', 'antivirus', '10.10.5.54'],
  ['RDS01', 'rds', '10.10.6.61'],
  ['WEB01', 'web', '10.10.7.71'],
];

const FIRST_NAMES = [
  'james', 'mary', 'john', 'patricia', 'robert', 'jennifer', 'michael', 'linda', 'william', 'elizabeth',
  'david', 'barbara', 'richard', 'susan', 'joseph', 'jessica', 'thomas', 'sarah', 'charles', 'karen',
  'priya', 'amir', 'fatima', 'oluwaseun', 'siobhan', 'niamh', 'rhys', 'catrin', 'mohammed', 'aisha',
  'chen', 'wei', 'anna', 'piotr', 'agnieszka', 'lukas', 'sofia', 'mateo', 'yusuf', 'zainab',
  'grace', 'owen', 'harriet', 'callum', 'eilidh', 'dylan', 'megan', 'ravi', 'deepa', 'kwame',
]; // prettier-ignore
const LAST_NAMES = [
  'smith', 'jones', 'williams', 'taylor', 'brown', 'davies', 'evans', 'wilson', 'thomas', 'johnson',
  'roberts', 'robinson', 'thompson', 'wright', 'walker', 'white', 'edwards', 'hughes', 'green', 'hall',
  'patel', 'khan', 'ahmed', 'singh', 'murphy', 'kelly', 'obrien', 'macdonald', 'campbell', 'stewart',
  'nowak', 'kowalski', 'mensah', 'okafor', 'adeyemi', 'nguyen', 'li', 'zhang', 'garcia', 'rossi',
  'lloyd', 'price', 'morgan', 'owen', 'griffiths', 'fraser', 'reid', 'begum', 'hussain', 'ali',
]; // prettier-ignore

const DEPARTMENTS: readonly (readonly [Department, number])[] = [
  ['Registration', 0.38],
  ['Elections', 0.22],
  ['Communications', 0.08],
  ['Finance', 0.08],
  ['HR', 0.05],
  ['Legal', 0.05],
  ['Policy', 0.08],
  ['IT', 0.06],
];

/**
 * Documentation ranges (RFC 5737) stand in for the internet: 192.0.2.0/24 is home broadband,
 * 203.0.113.0/24 the mobile carriers, and 198.51.100.0/24 is kept for the intruders (see intrusion.ts).
 */
const HOME_BLOCK = '192.0.2';
const MOBILE_BLOCK = '203.0.113';

function pickDepartment(rng: Prng): Department {
  let x = rng.float();
  for (const [department, share] of DEPARTMENTS) {
    if (x < share) return department;
    x -= share;
  }
  return 'Registration';
}

function makeHost(rng: Prng, name: string, role: HostRole, ip: string, owner?: Person): Host {
  return {
    name,
    fqdn: `${name}.${DNS_DOMAIN}`,
    role,
    ip,
    ...(owner !== undefined ? { owner } : {}),
    sysmonPid: 4 * rng.range(500, 1400),
    lsassPid: 4 * rng.range(150, 230),
    servicesPid: 4 * rng.range(140, 200),
    guidPrefix: rng.hex(8).toUpperCase(),
    guidSuffix: `${rng.hex(4).toUpperCase()}00000000`,
    activityId: rng.guid(),
  };
}

/**
 * Builds the estate for `users` members of staff. The estate has its own random stream, so it is the same
 * whatever the number of days generated.
 */
export function buildEstate(seed: number, users: number): Estate {
  const rng = new Prng(seedFor(seed, 'estate'));
  const taken = new Set<string>();
  const people: Person[] = [];
  let rid = 1107;
  for (let i = 0; i < users; i++) {
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const base = `${first}.${last}`;
    let name = base;
    for (let n = 2; taken.has(name); n++) name = `${base}${n}`;
    taken.add(name);
    const mobile = rng.chance(0.55);
    people.push({
      name,
      domain: DOMAIN,
      sid: `${DOMAIN_SID}-${rid++}`,
      kind: 'person',
      department: pickDepartment(rng),
      workstation: `WS-${String(i + 1).padStart(4, '0')}`,
      mobile,
      remoteShare: rng.pick([0, 0.2, 0.4, 0.4, 0.6, 0.8]),
      homeIp: `${HOME_BLOCK}.${rng.range(2, 254)}`,
      mobileIp: `${MOBILE_BLOCK}.${rng.range(2, 254)}`,
    });
  }
  // IT staff hold a separate admin account; the register needs at least two of them.
  const itStaff = people.filter((p) => p.department === 'IT');
  const adminCount = Math.max(3, Math.round(users / 60));
  const adminOwners = [...itStaff, ...people.filter((p) => p.department !== 'IT')].slice(0, adminCount);
  const admins: Account[] = adminOwners.map((p) => ({
    name: `adm-${p.name}`,
    domain: DOMAIN,
    sid: `${DOMAIN_SID}-${rid++}`,
    kind: 'admin',
  }));
  const service = (name: string): Account => ({
    name,
    domain: DOMAIN,
    sid: `${DOMAIN_SID}-${rid++}`,
    kind: 'service',
  });
  const services: ServiceAccounts = {
    sql: service('svc_sql'),
    sqlAgent: service('svc_sqlagent'),
    backup: service('svc_backup'),
    sccm: service('svc_sccm'),
    registerApp: service('svc_regapp'),
    monitor: service('svc_monitor'),
    builtinAdministrator: { name: 'Administrator', domain: DOMAIN, sid: `${DOMAIN_SID}-500`, kind: 'admin' },
  };

  const hostRng = new Prng(seedFor(seed, 'hosts'));
  const servers = SERVERS.map(([name, role, ip]) => makeHost(hostRng, name, role, ip));
  const workstations = people.map((person, i) =>
    makeHost(
      hostRng,
      person.workstation,
      'workstation',
      `10.20.${1 + Math.floor(i / 250)}.${10 + (i % 250)}`,
      person,
    ),
  );
  const byName = new Map<string, Host>();
  for (const host of [...servers, ...workstations]) byName.set(host.name, host);
  return { servers, workstations, people, admins, services, byName };
}

export function hostNamed(estate: Estate, name: string): Host {
  const host = estate.byName.get(name);
  if (host === undefined) throw new Error(`the estate has no host ${name}`);
  return host;
}

/** The person behind an `adm-` account. */
export function ownerOfAdmin(estate: Estate, admin: Account): Person | undefined {
  return estate.people.find((p) => `adm-${p.name}` === admin.name);
}
