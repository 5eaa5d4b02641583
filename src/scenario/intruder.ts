/**
 * The intruders' means: their addresses and tools, and a builder that writes what they do the way Windows,
 * Sysmon and IIS record it — a command posted to the OWA web shell, or PsExec from there to the register
 * database server — labelled with the stage it belongs to.
 */
import type { Account, Estate, Host } from './estate.js';
import { DOMAIN, SYSTEM, hostNamed } from './estate.js';
import type { Ctx, NewProc, PeInfo, Proc, WinRecord } from './evtx.js';
import { startProcess, sysmonFileCreate, sysmonNetworkConnect, sysmonRegistrySet } from './evtx.js';
import type { IisRequest } from './iis.js';
import type { LongLived } from './processes.js';
import { CMD, EXCHANGE_FRONTEND, longLivedProcesses, pe, running, winPe } from './processes.js';
import { Prng, seedFor } from './prng.js';
import { SECOND_US } from './schedule.js';
import {
  explicitCredentials,
  logoff,
  logonSuccess,
  serviceInstalled,
  specialPrivileges,
} from './security.js';
import type { StageId } from './stages.js';

/** The intruders' addresses (RFC 5737 documentation range; see estate.ts). */
export const INTRUDER = {
  exploitIp: '198.51.100.77',
  operatorIp: '198.51.100.23',
  exfiltrationIp: '198.51.100.140',
  ssrfDomain: 'owa-cdn.example',
} as const;

export const OPERATOR_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:90.0) Gecko/20100101 Firefox/90.0';
export const OWA_AUTH = `${EXCHANGE_FRONTEND}\\owa\\auth`;
export const SHELL_FILE = `${OWA_AUTH}\\OutlookEN.aspx`;
export const SHELL_URL = '/owa/auth/OutlookEN.aspx';
export const STOLEN_PASSWORD = 'Elections2021!';

export interface StagedRecord {
  readonly stage: StageId;
  readonly record: WinRecord;
}

export interface StagedRequest {
  readonly stage: StageId;
  readonly request: IisRequest;
}

export interface StageFacts {
  readonly hosts: Set<string>;
  readonly accounts: Set<string>;
  readonly sourceIps: Set<string>;
}

export const PE = {
  psexec: pe(
    'psexec.c',
    'Execute processes remotely',
    '2.34',
    'Sysinternals PsExec',
    'Sysinternals - www.sysinternals.com',
  ),
  psexesvc: pe(
    'psexesvc.exe',
    'PsExec Service',
    '2.34',
    'Sysinternals PsExec',
    'Sysinternals - www.sysinternals.com',
  ),
  sevenZip: pe('7za.exe', '7-Zip Standalone Console', '19.00', '7-Zip', 'Igor Pavlov'),
  rclone: pe('rclone.exe', 'Rsync for cloud storage', '1.56.0', 'Rclone', 'https://rclone.org'),
  sqlcmd: pe(
    'sqlcmd.exe',
    'T-SQL execution command line utility',
    '2019.0150.2000.05 ((SQLServer).190924-2033)',
    'Microsoft SQL Server',
    'Microsoft Corporation',
  ),
  bcp: pe(
    'BCP.exe',
    'BCP - Bulk Copy Program',
    '2019.0150.2000.05 ((SQLServer).190924-2033)',
    'Microsoft SQL Server',
    'Microsoft Corporation',
  ),
} as const;

export interface Tool {
  readonly image: string;
  readonly pe: PeInfo;
  readonly cmd: string;
}

export class Builder {
  readonly records = new Map<string, StagedRecord[]>();
  readonly requests = new Map<string, StagedRequest[]>();
  readonly facts = new Map<StageId, StageFacts>();
  readonly rng: Prng;
  readonly exchange: Host;
  readonly registerDb: Host;
  readonly dc: Host;
  readonly exchangeProcs: LongLived;
  readonly registerProcs: LongLived;

  constructor(
    readonly seed: number,
    readonly estate: Estate,
    readonly victim: Account,
  ) {
    this.rng = new Prng(seedFor(seed, 'intrusion'));
    this.exchange = hostNamed(estate, 'EXCH01');
    this.registerDb = hostNamed(estate, 'REGDB01');
    this.dc = hostNamed(estate, 'DC01');
    this.exchangeProcs = longLivedProcesses(seed, estate, this.exchange);
    this.registerProcs = longLivedProcesses(seed, estate, this.registerDb);
  }

  ctx(host: Host): Ctx {
    return { host, rng: this.rng };
  }

  fact(stage: StageId): StageFacts {
    let facts = this.facts.get(stage);
    if (facts === undefined) {
      facts = { hosts: new Set(), accounts: new Set(), sourceIps: new Set() };
      this.facts.set(stage, facts);
    }
    return facts;
  }

  add(stage: StageId, host: Host, record: WinRecord): void {
    let list = this.records.get(host.name);
    if (list === undefined) this.records.set(host.name, (list = []));
    list.push({ stage, record });
    this.fact(stage).hosts.add(host.name);
  }

  web(stage: StageId, request: Omit<IisRequest, 'referer' | 'substatus' | 'win32'>): void {
    let list = this.requests.get(this.exchange.name);
    if (list === undefined) this.requests.set(this.exchange.name, (list = []));
    list.push({ stage, request: { referer: '-', substatus: 0, win32: 0, ...request } });
    const facts = this.fact(stage);
    facts.hosts.add(this.exchange.name);
    facts.sourceIps.add(request.clientIp);
  }

  start(stage: StageId, host: Host, t: number, proc: NewProc, parent: Proc): Proc {
    const started = startProcess(this.ctx(host), t, proc, parent);
    this.add(stage, host, started.record);
    return started.proc;
  }

  /**
   * One command posted to the OWA web shell: the HTTP request, cmd.exe under the OWA worker (China Chopper
   * style, `cd /d <dir>&<command>&echo [S]&cd&echo [E]`), and the programs the command runs.
   */
  shell(stage: StageId, t: number, command: string, tools: readonly Tool[]): Proc[] {
    const host = this.exchange;
    this.web(stage, {
      timeUs: t,
      method: 'POST',
      stem: SHELL_URL,
      query: '-',
      username: '-',
      clientIp: INTRUDER.operatorIp,
      userAgent: OPERATOR_UA,
      status: 200,
      timeTakenMs: this.rng.range(90, 900),
    });
    this.fact(stage).accounts.add('NT AUTHORITY\\SYSTEM');
    const cmd = this.start(
      stage,
      host,
      t + 30_000,
      {
        image: CMD,
        cmd: `cmd.exe /c "cd /d "${OWA_AUTH}"&${command}&echo [S]&cd&echo [E]"`,
        account: SYSTEM,
        integrity: 'System',
        pe: winPe(host, 'Cmd.Exe', 'Windows Command Processor'),
        cwd: `${OWA_AUTH}\\`,
      },
      running(this.exchangeProcs, 'w3wp-owa'),
    );
    return tools.map((tool, i) =>
      this.start(
        stage,
        host,
        t + 60_000 + i * 250_000,
        {
          image: tool.image,
          cmd: tool.cmd,
          account: SYSTEM,
          integrity: 'System',
          pe: tool.pe,
          cwd: `${OWA_AUTH}\\`,
        },
        cmd,
      ),
    );
  }

  /**
   * PsExec from the web shell to REGDB01 with the stolen password: 4648 and the SMB connection on EXCH01;
   * the network logon, the PSEXESVC service and `remote` (run as the admin) on REGDB01. With `copy`, PsExec
   * copies the program to REGDB01's Windows folder first (-c).
   */
  psexec(stage: StageId, t: number, remote: Tool, copy = false): Proc {
    const source = this.exchange;
    const target = this.registerDb;
    const admin = this.victim;
    const remoteArgs = copy
      ? `-c -f ${remote.image} ${remote.cmd.slice(remote.cmd.indexOf(' ') + 1)}`
      : remote.cmd;
    const [psexec] = this.shell(
      stage,
      t,
      `C:\\Windows\\Temp\\ps.exe \\\\${target.name} -accepteula -u ${DOMAIN}\\${admin.name} -p ${STOLEN_PASSWORD} -h ${remoteArgs}`,
      [
        {
          image: 'C:\\Windows\\Temp\\ps.exe',
          pe: PE.psexec,
          cmd: `C:\\Windows\\Temp\\ps.exe  \\\\${target.name} -accepteula -u ${DOMAIN}\\${admin.name} -p ${STOLEN_PASSWORD} -h ${remoteArgs}`,
        },
      ],
    );
    const tool = psexec!;
    const facts = this.fact(stage);
    facts.accounts.add(`${DOMAIN}\\${admin.name}`);
    facts.hosts.add(target.name);
    const sc = this.ctx(source);
    this.add(
      stage,
      source,
      explicitCredentials(sc, t + 400_000, SYSTEM, admin, target.name, tool, target.ip),
    );
    this.add(
      stage,
      source,
      sysmonNetworkConnect(sc, t + 700_000, {
        proc: tool,
        initiated: true,
        sourceIp: source.ip,
        sourceHostname: source.fqdn,
        sourcePort: this.rng.range(49152, 65535),
        destinationIp: target.ip,
        destinationHostname: target.fqdn,
        destinationPort: 445,
      }),
    );

    const tc = this.ctx(target);
    const logonId = `0x${(0x400000 + this.rng.int(0xbfffff)).toString(16)}`;
    let at = t + 600_000;
    this.add(
      stage,
      target,
      logonSuccess(tc, at, {
        account: admin,
        kind: 'network-ntlm',
        ip: source.ip,
        workstation: source.name,
        logonId,
      }),
    );
    this.add(stage, target, specialPrivileges(tc, at, admin));
    const system = running(this.registerProcs, 'system');
    const services = running(this.registerProcs, 'services');
    at += 300_000;
    this.add(stage, target, sysmonFileCreate(tc, at, system, 'C:\\Windows\\PSEXESVC.exe'));
    let image = remote.image;
    if (copy) {
      image = `C:\\Windows\\${remote.image.slice(remote.image.lastIndexOf('\\') + 1)}`;
      this.add(stage, target, sysmonFileCreate(tc, at + 100_000, system, image));
    }
    at += 400_000;
    this.add(
      stage,
      target,
      serviceInstalled(tc, at, admin, 'PSEXESVC', '%SystemRoot%\\PSEXESVC.exe', 'demand start'),
    );
    this.add(
      stage,
      target,
      sysmonRegistrySet(
        tc,
        at + 2000,
        services,
        'HKLM\\System\\CurrentControlSet\\Services\\PSEXESVC\\ImagePath',
        '%%SystemRoot%%\\PSEXESVC.exe',
      ),
    );
    at += 200_000;
    const service = this.start(
      stage,
      target,
      at,
      {
        image: 'C:\\Windows\\PSEXESVC.exe',
        cmd: 'C:\\Windows\\PSEXESVC.exe',
        account: SYSTEM,
        integrity: 'System',
        pe: PE.psexesvc,
      },
      services,
    );
    at += 300_000;
    const command = copy ? `"${image}" ${remote.cmd.slice(remote.cmd.indexOf(' ') + 1)}` : remote.cmd;
    const child = this.start(
      stage,
      target,
      at,
      {
        image,
        cmd: command,
        account: admin,
        integrity: 'High',
        pe: remote.pe,
        cwd: 'C:\\Windows\\system32\\',
      },
      service,
    );
    this.add(stage, target, logoff(tc, at + this.rng.range(2, 30) * SECOND_US, admin, 3, logonId));
    return child;
  }
}

export const tool = (image: string, info: PeInfo, cmd: string): Tool => ({ image, pe: info, cmd });
