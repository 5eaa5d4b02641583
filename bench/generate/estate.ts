/**
 * The imaginary Windows estate of an election management body: domain controllers, Exchange, the
 * electoral-register SQL server and its web front end, file and backup servers, and a few hundred
 * workstations, each with a primary user. Built once from the seed; events are drawn from it.
 */
import type { Prng } from './prng.js';

export type HostRole = 'dc' | 'exchange' | 'sql' | 'web' | 'file' | 'workstation';

export interface Account {
  /** sAMAccountName, e.g. `j.smith`, or `SYSTEM` for well-known accounts. */
  readonly name: string;
  /** `EC` for domain accounts, `NT AUTHORITY`, `IIS APPPOOL`, ... */
  readonly domain: string;
  readonly sid: string;
  readonly kind: 'person' | 'admin' | 'service' | 'builtin';
}

export interface Host {
  /** Short name as staff call it (`EC-DC01`, `ws-0421`). */
  readonly name: string;
  /** What Sysmon and the Security log put in `System.Computer`. */
  readonly fqdn: string;
  readonly role: HostRole;
  readonly ip: string;
  /** The person who logs on to a workstation most of the time; admins for servers. */
  readonly primaryUser: Account;
  readonly sysmonPid: number;
  readonly lsassPid: number;
  /** Sysmon's ProcessGuid starts with a machine-specific prefix. */
  readonly guidPrefix: string;
  /** Ends every Sysmon ProcessGuid of this boot. */
  readonly guidSuffix: string;
}

export const DOMAIN = 'EC';
export const DNS_DOMAIN = 'ec.local';
const DOMAIN_SID = 'S-1-5-21-3623811015-3361044348-30300820';

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

const FIRST_NAMES = [
  'james',
  'mary',
  'john',
  'patricia',
  'robert',
  'jennifer',
  'michael',
  'linda',
  'william',
  'elizabeth',
  'david',
  'barbara',
  'richard',
  'susan',
  'joseph',
  'jessica',
  'thomas',
  'sarah',
  'charles',
  'karen',
  'priya',
  'amir',
  'fatima',
  'oluwaseun',
  'siobhan',
  'niamh',
  'rhys',
  'catrin',
  'mohammed',
  'aisha',
  'chen',
  'wei',
  'anna',
  'piotr',
  'agnieszka',
  'lukas',
  'sofia',
  'mateo',
  'yusuf',
  'zainab',
  'grace',
  'owen',
  'harriet',
  'callum',
  'eilidh',
  'dylan',
  'megan',
  'ravi',
  'deepa',
  'kwame',
];
const LAST_NAMES = [
  'smith',
  'jones',
  'williams',
  'taylor',
  'brown',
  'davies',
  'evans',
  'wilson',
  'thomas',
  'johnson',
  'roberts',
  'robinson',
  'thompson',
  'wright',
  'walker',
  'white',
  'edwards',
  'hughes',
  'green',
  'hall',
  'patel',
  'khan',
  'ahmed',
  'singh',
  'murphy',
  'kelly',
  'obrien',
  'macdonald',
  'campbell',
  'stewart',
  'nowak',
  'kowalski',
  'mensah',
  'okafor',
  'adeyemi',
  'nguyen',
  'li',
  'zhang',
  'garcia',
  'rossi',
  'lloyd',
  'price',
  'morgan',
  'owen',
  'griffiths',
  'fraser',
  'reid',
  'begum',
  'hussain',
  'ali',
];

const SERVERS: readonly (readonly [string, HostRole])[] = [
  ['EC-DC01', 'dc'],
  ['EC-DC02', 'dc'],
  ['EC-EXCH01', 'exchange'],
  ['EC-REG-SQL01', 'sql'],
  ['EC-REG-APP01', 'web'],
  ['EC-WEB01', 'web'],
  ['EC-FS01', 'file'],
  ['EC-BAK01', 'file'],
];

export interface Estate {
  readonly servers: readonly Host[];
  readonly workstations: readonly Host[];
  readonly people: readonly Account[];
  readonly admins: readonly Account[];
  readonly services: {
    readonly sql: Account;
    readonly backup: Account;
    readonly register: Account;
    readonly results: Account;
  };
}

/** Builds the estate deterministically from `rng` (consumes a fixed amount of it). */
export function buildEstate(rng: Prng, workstationCount = 480): Estate {
  const taken = new Set<string>();
  const people: Account[] = [];
  let rid = 1104;
  while (people.length < workstationCount) {
    const base = `${rng.pick(FIRST_NAMES).charAt(0)}.${rng.pick(LAST_NAMES)}`;
    let name = base;
    for (let n = 2; taken.has(name); n++) name = `${base}${n}`;
    taken.add(name);
    people.push({ name, domain: DOMAIN, sid: `${DOMAIN_SID}-${rid++}`, kind: 'person' });
  }
  const admins = people.slice(0, 8).map((p): Account => ({
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
  const services = {
    sql: service('svc_sql'),
    backup: service('svc_backup'),
    register: {
      name: 'RegisterApp',
      domain: 'IIS APPPOOL',
      sid: `S-1-5-82-${rng.next()}-${rng.next()}`,
      kind: 'service' as const,
    },
    results: {
      name: 'ResultsSite',
      domain: 'IIS APPPOOL',
      sid: `S-1-5-82-${rng.next()}-${rng.next()}`,
      kind: 'service' as const,
    },
  };

  const makeHost = (name: string, role: HostRole, ip: string, primaryUser: Account): Host => ({
    name,
    fqdn: `${name}.${DNS_DOMAIN}`,
    role,
    ip,
    primaryUser,
    sysmonPid: 4 * rng.range(400, 1200),
    lsassPid: 4 * rng.range(150, 260),
    guidPrefix: rng.hex(8).toUpperCase(),
    guidSuffix: `${rng.hex(4).toUpperCase()}00000000`,
  });

  const servers = SERVERS.map(([name, role], i) =>
    makeHost(name, role, `10.10.1.${11 + i}`, rng.pick(admins)),
  );
  const workstations = people.map((person, i) =>
    makeHost(
      `ws-${String(i + 1).padStart(4, '0')}`,
      'workstation',
      `10.20.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`,
      person,
    ),
  );
  return { servers, workstations, people, admins, services };
}

/** `EC\j.smith`, `NT AUTHORITY\SYSTEM`: the form Sysmon's `User` fields take. */
export function qualified(account: Account): string {
  return `${account.domain}\\${account.name}`;
}
