/**
 * Benign activity: for a host and a moment, picks what kind of record its logs would hold next (weighted by
 * host role) and fills it from the process catalogue. This is the 99.9 % of the corpus.
 */
import type { Ctx, ProcessProfile } from './catalog.js';
import { accountFor, BROWSING, DEPARTMENTS, DOC_TITLES, imageFor, WARDS } from './catalog.js';
import { PROCESS_BY_KEY, PROCESSES } from './processes.js';
import type { Account, Estate, Host, HostRole } from './estate.js';
import { DNS_DOMAIN, DOMAIN, SYSTEM } from './estate.js';
import { hashString, WeightedPicker } from './prng.js';
import type { ProcSpec, RecordBody } from './records.js';
import {
  callTrace,
  devicePath,
  securityCredentialValidation,
  securityLogoff,
  securityLogon,
  securityLogonFailure,
  securityObjectAccess,
  securityProcessCreate,
  securitySpecialLogon,
  securityWfpAllowed,
  sysmonDnsQuery,
  sysmonFileCreate,
  sysmonImageLoad,
  sysmonNetworkConnect,
  sysmonProcessAccess,
  sysmonProcessCreate,
  sysmonProcessTerminate,
  sysmonRegistry,
} from './records.js';

type Kind =
  | 's1'
  | 's3'
  | 's5'
  | 's7'
  | 's10'
  | 's11'
  | 's12'
  | 's13'
  | 's22'
  | '4624'
  | '4625'
  | '4634'
  | '4672'
  | '4688'
  | '4663'
  | '4776'
  | '5156';

/** Relative frequency of each record kind per host role (Sysmon-heavy, as a tuned Sysmon config gives). */
const KIND_WEIGHTS: Readonly<Record<HostRole, Partial<Record<Kind, number>>>> = {
  workstation: {
    s1: 10,
    s3: 10,
    s5: 8,
    s7: 20,
    s10: 4,
    s11: 12,
    s12: 3,
    s13: 10,
    s22: 10,
    '4624': 2,
    '4625': 0.2,
    '4634': 2,
    '4672': 0.5,
    '4688': 5,
    '4663': 1,
  },
  dc: {
    s1: 6,
    s3: 14,
    s5: 5,
    s7: 10,
    s10: 3,
    s11: 4,
    s12: 2,
    s13: 5,
    s22: 4,
    '4624': 14,
    '4625': 1,
    '4634': 12,
    '4672': 5,
    '4688': 4,
    '4776': 8,
    '5156': 5,
  },
  file: {
    s1: 6,
    s3: 12,
    s5: 5,
    s7: 8,
    s10: 2,
    s11: 14,
    s12: 2,
    s13: 4,
    s22: 3,
    '4624': 8,
    '4625': 0.3,
    '4634': 7,
    '4672': 2,
    '4688': 4,
    '4663': 12,
    '5156': 4,
  },
  sql: {
    s1: 8,
    s3: 12,
    s5: 6,
    s7: 12,
    s10: 3,
    s11: 8,
    s12: 2,
    s13: 5,
    s22: 3,
    '4624': 7,
    '4625': 0.2,
    '4634': 6,
    '4672': 3,
    '4688': 5,
    '4663': 6,
    '5156': 5,
  },
  web: {
    s1: 8,
    s3: 14,
    s5: 6,
    s7: 14,
    s10: 3,
    s11: 9,
    s12: 2,
    s13: 4,
    s22: 4,
    '4624': 6,
    '4625': 0.5,
    '4634': 5,
    '4672': 2,
    '4688': 5,
    '5156': 6,
  },
  exchange: {
    s1: 8,
    s3: 14,
    s5: 6,
    s7: 14,
    s10: 3,
    s11: 9,
    s12: 2,
    s13: 5,
    s22: 5,
    '4624': 7,
    '4625': 0.5,
    '4634': 6,
    '4672': 2,
    '4688': 5,
    '5156': 5,
  },
};

const ROLES: readonly HostRole[] = ['workstation', 'dc', 'file', 'sql', 'web', 'exchange'];
const SYSTEM_PROC: ProcSpec = {
  image: 'System',
  pe: { fileVersion: '-', description: '-', product: '-', company: '-', originalFileName: '-' },
  cmd: '',
  account: SYSTEM,
  integrity: 'System',
};
/** Inbound services per role: [profile key or System, local port, protocol]. */
const INBOUND: Readonly<Partial<Record<HostRole, readonly (readonly [string, number, 'tcp' | 'udp'])[]>>> = {
  dc: [
    ['lsass', 389, 'tcp'],
    ['lsass', 88, 'tcp'],
    ['dns', 53, 'udp'],
    ['System', 445, 'tcp'],
  ],
  file: [['System', 445, 'tcp']],
  sql: [['sqlservr', 1433, 'tcp']],
  web: [['System', 443, 'tcp']],
  exchange: [
    ['System', 443, 'tcp'],
    ['edgetransport', 25, 'tcp'],
  ],
};
const ACCESS_SOURCES = ['svchost', 'msmpeng', 'wmiprvse', 'taskhostw', 'searchindexer', 'compattelrunner'];
const ACCESS_MASKS = ['0x1000', '0x1000', '0x1400', '0x101000', '0x100000', '0x1410', '0x40'];

interface RolePickers {
  readonly create: WeightedPicker<ProcessProfile>;
  readonly connect: WeightedPicker<ProcessProfile>;
  readonly resolve: WeightedPicker<ProcessProfile>;
  readonly write: WeightedPicker<ProcessProfile>;
  readonly kinds: WeightedPicker<Kind>;
}

function profilesFor(role: HostRole, has: (p: ProcessProfile) => boolean): WeightedPicker<ProcessProfile> {
  return new WeightedPicker(
    PROCESSES.filter((p) => (p.roles === 'any' || p.roles.includes(role)) && has(p)).map(
      (p) => [p, p.weight] as const,
    ),
  );
}

export class BenignActivity {
  private readonly pickers: ReadonlyMap<HostRole, RolePickers>;

  constructor(private readonly estate: Estate) {
    this.pickers = new Map(
      ROLES.map((role) => [
        role,
        {
          create: profilesFor(role, () => true),
          connect: profilesFor(role, (p) => p.connects !== undefined),
          resolve: profilesFor(role, (p) => p.resolves !== undefined),
          write: profilesFor(role, (p) => p.writes !== undefined),
          kinds: new WeightedPicker(Object.entries(KIND_WEIGHTS[role]) as [Kind, number][]),
        },
      ]),
    );
  }

  /** One benign record for `c.host` at `timeUs`. */
  next(c: Ctx, timeUs: number): RecordBody {
    const p = this.pickers.get(c.host.role);
    if (p === undefined) throw new Error(`no activity model for role ${c.host.role}`);
    const kind = p.kinds.pick(c.rng);
    switch (kind) {
      case 's1': {
        const profile = p.create.pick(c.rng);
        return sysmonProcessCreate(c, timeUs, spec(profile, c), parentSpec(profile, c));
      }
      case '4688': {
        const profile = p.create.pick(c.rng);
        return securityProcessCreate(c, spec(profile, c), parentSpec(profile, c));
      }
      case 's5':
        return sysmonProcessTerminate(c, timeUs, spec(p.create.pick(c.rng), c));
      case 's7': {
        const profile = p.create.pick(c.rng);
        return sysmonImageLoad(c, timeUs, spec(profile, c), c.rng.pick(profile.dlls ?? COMMON_LOADS));
      }
      case 's3':
        return this.connection(c, timeUs, p);
      case 's22':
        return this.dns(c, timeUs, p);
      case 's11': {
        const profile = p.write.pick(c.rng);
        return sysmonFileCreate(c, timeUs, spec(profile, c), profile.writes?.(c) ?? '');
      }
      case 's10':
        return this.processAccess(c, timeUs, p);
      case 's12':
      case 's13':
        return this.registry(c, timeUs, kind === 's12');
      case '4624':
        return this.logon(c);
      case '4625': {
        const ws = this.someWorkstation(c);
        const unknown = c.rng.chance(0.3);
        const name = unknown
          ? c.rng.pick(['administrator', 'admin', 'test', 'scanner', 'j.smtih', 'guest'])
          : c.rng.pick(this.estate.people).name;
        return securityLogonFailure(c, name, ws.ip, ws.name.toUpperCase(), unknown);
      }
      case '4634': {
        const account =
          c.host.role === 'workstation'
            ? c.user
            : c.rng.chance(0.5)
              ? machineAccount(this.someWorkstation(c))
              : c.rng.pick(this.estate.people);
        return securityLogoff(c, account, c.host.role === 'workstation' ? c.rng.pick([2, 3, 7, 11]) : 3);
      }
      case '4672':
        return securitySpecialLogon(c, c.rng.chance(0.6) ? SYSTEM : c.rng.pick(this.estate.admins));
      case '4663':
        return this.objectAccess(c);
      case '4776': {
        const ws = this.someWorkstation(c);
        return securityCredentialValidation(
          c.rng.chance(0.8) ? ws.primaryUser.name : c.rng.pick(this.estate.people).name,
          ws.name.toUpperCase(),
          c.rng.chance(0.97),
        );
      }
      case '5156':
        return this.wfp(c, p);
    }
  }

  private someWorkstation(c: Ctx): Host {
    return c.rng.pick(this.estate.workstations);
  }

  private connection(c: Ctx, timeUs: number, p: RolePickers): RecordBody {
    const inbound = INBOUND[c.host.role];
    if (inbound !== undefined && c.rng.chance(0.4)) {
      const [key, port, protocol] = c.rng.pick(inbound);
      const profile = PROCESS_BY_KEY.get(key);
      const proc = profile === undefined ? SYSTEM_PROC : spec(profile, c);
      const peer = c.rng.chance(0.8) ? this.someWorkstation(c) : c.rng.pick(this.estate.servers);
      return sysmonNetworkConnect(c, timeUs, {
        proc,
        initiated: false,
        protocol,
        sourceIp: c.host.ip,
        sourceHostname: c.host.fqdn,
        sourcePort: port,
        destinationIp: peer.ip,
        destinationHostname: peer.fqdn,
        destinationPort: c.rng.range(49152, 65535),
      });
    }
    const profile = p.connect.pick(c.rng);
    const [ip, name, port] = profile.connects?.(c) ?? ['10.10.1.11', `EC-DC01.${DNS_DOMAIN}`, 445];
    return sysmonNetworkConnect(c, timeUs, {
      proc: spec(profile, c),
      initiated: true,
      protocol: port === 53 ? 'udp' : 'tcp',
      sourceIp: c.host.ip,
      sourceHostname: c.host.fqdn,
      sourcePort: c.rng.range(49152, 65535),
      destinationIp: ip,
      destinationHostname: name,
      destinationPort: port,
    });
  }

  private dns(c: Ctx, timeUs: number, p: RolePickers): RecordBody {
    const profile = p.resolve.pick(c.rng);
    const query = c.rng.pick(profile.resolves ?? BROWSING);
    let results: string;
    if (query.endsWith(DNS_DOMAIN)) {
      const server = this.estate.servers.find((s) => query.startsWith(s.name));
      results = `::ffff:${server?.ip ?? '10.10.1.15'};`;
    } else {
      const h = hashString(query);
      const ip = `${13 + (h % 200)}.${(h >>> 8) & 255}.${(h >>> 16) & 255}.${1 + c.rng.int(250)}`;
      results = c.rng.chance(0.6)
        ? `type:  5 ${query.replaceAll('.', '-')}.edgekey.net;type:  5 e${h % 9999}.dscx.akamaiedge.net;::ffff:${ip};`
        : `::ffff:${ip};`;
    }
    return sysmonDnsQuery(c, timeUs, spec(profile, c), query, results);
  }

  private processAccess(c: Ctx, timeUs: number, p: RolePickers): RecordBody {
    const sourceProfile = PROCESS_BY_KEY.get(c.rng.pick(ACCESS_SOURCES));
    if (sourceProfile === undefined) throw new Error('access source missing from catalogue');
    const source = spec(sourceProfile, c);
    const targetProfile = c.rng.chance(0.03) ? PROCESS_BY_KEY.get('lsass') : p.create.pick(c.rng);
    if (targetProfile === undefined) throw new Error('lsass missing from catalogue');
    const mask =
      targetProfile.key === 'lsass'
        ? '0x1000'
        : sourceProfile.key === 'msmpeng'
          ? c.rng.pick(['0x101000', '0x1000', '0x1400'])
          : c.rng.pick(ACCESS_MASKS);
    return sysmonProcessAccess(
      c,
      timeUs,
      source,
      spec(targetProfile, c),
      mask,
      callTrace(
        c,
        source.image,
        c.rng.chance(0.5) ? ['C:\\Windows\\System32\\sechost.dll', 'C:\\Windows\\System32\\RPCRT4.dll'] : [],
      ),
    );
  }

  private registry(c: Ctx, timeUs: number, keyEvent: boolean): RecordBody {
    const sid = c.user.sid;
    const proc = (key: string): ProcSpec => {
      const profile = PROCESS_BY_KEY.get(key);
      if (profile === undefined) throw new Error(`${key} missing from catalogue`);
      return spec(profile, c);
    };
    if (keyEvent) {
      const choice = c.rng.int(4);
      if (choice === 0)
        return sysmonRegistry(
          c,
          timeUs,
          proc('svchost'),
          `HKLM\\System\\CurrentControlSet\\Services\\Tcpip\\Parameters\\Interfaces\\{${c.rng.guid().toLowerCase()}}`,
          undefined,
          'CreateKey',
        );
      if (choice === 1)
        return sysmonRegistry(
          c,
          timeUs,
          proc('explorer'),
          `HKU\\${sid}\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\RecentDocs\\.${c.rng.pick(['docx', 'xlsx', 'pdf'])}`,
          undefined,
          'CreateKey',
        );
      if (choice === 2)
        return sysmonRegistry(
          c,
          timeUs,
          proc('svchost'),
          `HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tree\\Microsoft\\Windows\\${c.rng.pick(['UpdateOrchestrator', 'WindowsUpdate', 'Defrag', 'Diagnosis'])}`,
          undefined,
          'CreateKey',
        );
      return sysmonRegistry(
        c,
        timeUs,
        proc('taskhostw'),
        `HKU\\${sid}\\Software\\Microsoft\\Windows\\CurrentVersion\\CloudStore\\Store\\Cache\\DefaultAccount\\$de${c.rng.hex(6)}`,
        undefined,
        c.rng.chance(0.5) ? 'CreateKey' : 'DeleteKey',
      );
    }
    switch (c.rng.int(8)) {
      case 0:
        return sysmonRegistry(
          c,
          timeUs,
          proc('svchost'),
          `HKLM\\System\\CurrentControlSet\\Services\\bam\\State\\UserSettings\\${sid}\\\\Device\\HarddiskVolume3\\${c.rng.pick(['Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE', 'Windows\\System32\\notepad.exe', 'Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe', 'Program Files\\ElectoralRoll\\Client\\ERClient.exe'])}`,
          'Binary Data',
        );
      case 1:
        return sysmonRegistry(
          c,
          timeUs,
          proc('explorer'),
          `HKU\\${sid}\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\UserAssist\\{CEBFF5CD-ACE2-4F4F-9178-9926F41749EA}\\Count\\${c.rng.pick(['HRZR_PGYFRFFVBA', '{6Q809377-6NS0-444O-8957-N3773S02200R}\\Zvpebfbsg Bssvpr\\ebbg\\Bssvpr16\\JVAJBEQ.RKR', 'Zvpebfbsg.Jvaqbjf.Rkcybere'])}`,
          'Binary Data',
        );
      case 2:
        return sysmonRegistry(
          c,
          timeUs,
          proc(c.rng.pick(['winword', 'excel'])),
          `HKU\\${sid}\\Software\\Microsoft\\Office\\16.0\\${c.rng.pick(['Word', 'Excel'])}\\Reading Locations\\Document ${c.rng.int(50)}\\File Path`,
          `\\\\EC-FS01\\Shares\\${c.rng.pick(DEPARTMENTS)}\\${c.rng.pick(DOC_TITLES)} - ${c.rng.pick(WARDS)}.docx`,
        );
      case 3:
        return sysmonRegistry(
          c,
          timeUs,
          proc('msmpeng'),
          'HKLM\\SOFTWARE\\Microsoft\\Windows Defender\\Signature Updates\\SignaturesLastUpdated',
          `QWORD (0x01db${c.rng.hex(4)}-0x${c.rng.hex(8)})`,
        );
      case 4:
        return sysmonRegistry(
          c,
          timeUs,
          proc(c.host.role === 'workstation' ? 'msedge' : 'svchost'),
          c.host.role === 'workstation'
            ? `HKU\\${sid}\\Software\\Microsoft\\Edge\\BLBeacon\\version`
            : 'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update\\LastOnlineScanTimeForAppCategory\\{' +
                c.rng.guid() +
                '}',
          c.host.role === 'workstation' ? '131.0.2903.86' : `QWORD (0x01db${c.rng.hex(4)}-0x${c.rng.hex(8)})`,
        );
      case 5:
        return sysmonRegistry(
          c,
          timeUs,
          proc('svchost'),
          `HKLM\\System\\CurrentControlSet\\Services\\Tcpip\\Parameters\\Interfaces\\{${c.rng.guid().toLowerCase()}}\\${c.rng.pick(['DhcpIPAddress', 'LeaseObtainedTime', 'T1', 'T2'])}`,
          c.rng.chance(0.5) ? c.host.ip : `DWORD (0x${c.rng.hex(8)})`,
        );
      case 6:
        return sysmonRegistry(
          c,
          timeUs,
          proc('svchost'),
          `HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tasks\\{${c.rng.guid()}}\\DynamicInfo`,
          'Binary Data',
        );
      default:
        return sysmonRegistry(
          c,
          timeUs,
          proc('explorer'),
          `HKU\\${sid}\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\FeatureUsage\\${c.rng.pick(['AppSwitched', 'ShowJumpView', 'AppLaunch'])}\\${c.rng.pick(['Microsoft.Windows.Explorer', 'MSEdge', 'Microsoft.Office.WINWORD.EXE.15', 'Microsoft.Office.EXCEL.EXE.15'])}`,
          `DWORD (0x${c.rng.hex(8)})`,
        );
    }
  }

  private logon(c: Ctx): RecordBody {
    if (c.host.role === 'workstation') {
      if (c.rng.chance(0.4))
        return securityLogon(c, {
          account: SYSTEM,
          logonType: 5,
          ip: '-',
          workstation: '-',
          processName: 'C:\\Windows\\System32\\services.exe',
          kerberos: false,
        });
      return securityLogon(c, {
        account: c.user,
        logonType: c.rng.pick([2, 7, 11]),
        ip: '127.0.0.1',
        workstation: c.host.name.toUpperCase(),
        processName: 'C:\\Windows\\System32\\svchost.exe',
        kerberos: false,
      });
    }
    if (c.rng.chance(0.2))
      return securityLogon(c, {
        account: SYSTEM,
        logonType: 5,
        ip: '-',
        workstation: '-',
        processName: 'C:\\Windows\\System32\\services.exe',
        kerberos: false,
      });
    const ws = this.someWorkstation(c);
    const account =
      c.host.role === 'dc' && c.rng.chance(0.5)
        ? machineAccount(ws)
        : c.rng.chance(0.9)
          ? ws.primaryUser
          : c.rng.pick(this.estate.admins);
    return securityLogon(c, {
      account,
      logonType: 3,
      ip: ws.ip,
      workstation: ws.name.toUpperCase(),
      processName: '-',
      kerberos: c.rng.chance(0.85),
    });
  }

  private objectAccess(c: Ctx): RecordBody {
    const write = c.rng.chance(0.25);
    if (c.host.role === 'file') {
      const who = this.someWorkstation(c).primaryUser;
      return securityObjectAccess(
        c,
        who,
        `D:\\Shares\\${c.rng.pick(DEPARTMENTS)}\\${c.rng.pick(DOC_TITLES)} - ${c.rng.pick(WARDS)} ward ${c.rng.range(1, 40)}.${c.rng.pick(['docx', 'xlsx', 'pdf', 'csv'])}`,
        '0x4',
        '',
        write,
      );
    }
    if (c.host.role === 'sql') {
      return securityObjectAccess(
        c,
        this.estate.services.sql,
        `D:\\SQLData\\${c.rng.pick(['ElectoralRoll.mdf', 'ElectoralRoll_log.ldf', 'AbsentVoters.mdf', 'tempdb.mdf'])}`,
        `0x${(4 * c.rng.range(300, 900)).toString(16)}`,
        'C:\\Program Files\\Microsoft SQL Server\\MSSQL16.MSSQLSERVER\\MSSQL\\Binn\\sqlservr.exe',
        write,
      );
    }
    return securityObjectAccess(
      c,
      c.user,
      `C:\\Users\\${c.user.name}\\Documents\\${c.rng.pick(DOC_TITLES)}.docx`,
      `0x${(4 * c.rng.range(300, 4000)).toString(16)}`,
      'C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE',
      write,
    );
  }

  private wfp(c: Ctx, p: RolePickers): RecordBody {
    const inbound = INBOUND[c.host.role];
    if (inbound !== undefined && c.rng.chance(0.5)) {
      const [key, port, protocol] = c.rng.pick(inbound);
      const image =
        key === 'System'
          ? 'System'
          : devicePath(PROCESS_BY_KEY.get(key)?.image ?? 'C:\\Windows\\System32\\svchost.exe');
      const peer = this.someWorkstation(c);
      return securityWfpAllowed(
        c,
        image,
        true,
        [c.host.ip, port],
        [peer.ip, c.rng.range(49152, 65535)],
        protocol === 'udp' ? 17 : 6,
      );
    }
    const profile = p.connect.pick(c.rng);
    const [ip, , port] = profile.connects?.(c) ?? ['10.10.1.11', '', 445];
    return securityWfpAllowed(
      c,
      devicePath(imageFor(profile, c)),
      false,
      [c.host.ip, c.rng.range(49152, 65535)],
      [ip, port],
      port === 53 ? 17 : 6,
    );
  }
}

const COMMON_LOADS = [
  'C:\\Windows\\System32\\ntdll.dll',
  'C:\\Windows\\System32\\kernel32.dll',
  'C:\\Windows\\System32\\KernelBase.dll',
];

export function spec(profile: ProcessProfile, c: Ctx): ProcSpec {
  return {
    image: imageFor(profile, c),
    pe: profile.pe,
    cmd: profile.cmd(c),
    account: accountFor(profile, c),
    integrity: profile.integrity,
  };
}

export function parentSpec(profile: ProcessProfile, c: Ctx): ProcSpec {
  const parent = PROCESS_BY_KEY.get(profile.parent);
  if (parent === undefined)
    throw new Error(`parent ${profile.parent} of ${profile.key} missing from catalogue`);
  return spec(parent, c);
}

const machineAccounts = new Map<string, Account>();

/** `WS-0421$`, the computer's own domain account. */
function machineAccount(host: Host): Account {
  let account = machineAccounts.get(host.name);
  if (account === undefined) {
    account = {
      name: `${host.name.toUpperCase()}$`,
      domain: DOMAIN,
      sid: `S-1-5-21-3623811015-3361044348-30300820-${5000 + (hashString(host.name) % 4000)}`,
      kind: 'service',
    };
    machineAccounts.set(host.name, account);
  }
  return account;
}
