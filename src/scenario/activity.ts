/**
 * The working set for one host and one day: the records generated so far, the host's running processes and
 * its random stream, with small helpers to start a process and record its network and file activity the
 * way Sysmon sees it. Domain controllers also audit process creation (4688).
 */
import type { Estate, Host } from './estate.js';
import type { Ctx, NewProc, Proc, WinRecord } from './evtx.js';
import { startProcess, sysmonFileCreate, sysmonNetworkConnect } from './evtx.js';
import type { LongLived, LongLivedKey } from './processes.js';
import { running } from './processes.js';
import type { Prng } from './prng.js';
import { processCreation } from './security.js';

export interface HostDayOptions {
  readonly seed: number;
  readonly estate: Estate;
  readonly host: Host;
  readonly dayIndex: number;
  readonly rng: Prng;
  readonly processes: LongLived;
}

export class HostDay implements Ctx {
  readonly records: WinRecord[] = [];
  readonly seed: number;
  readonly estate: Estate;
  readonly host: Host;
  readonly dayIndex: number;
  readonly rng: Prng;
  readonly processes: LongLived;

  constructor(options: HostDayOptions) {
    this.seed = options.seed;
    this.estate = options.estate;
    this.host = options.host;
    this.dayIndex = options.dayIndex;
    this.rng = options.rng;
    this.processes = options.processes;
  }

  push(record: WinRecord): void {
    this.records.push(record);
  }

  running(key: LongLivedKey): Proc {
    return running(this.processes, key);
  }

  /** Starts a process (Sysmon 1; and 4688 on domain controllers, whose audit policy logs it). */
  start(timeUs: number, proc: NewProc, parent: Proc): Proc {
    const started = startProcess(this, timeUs, proc, parent);
    this.records.push(started.record);
    if (this.host.role === 'dc') {
      this.records.push(processCreation(this, timeUs + 1000, started.proc, proc.integrity, parent));
    }
    return started.proc;
  }

  /** An outbound TCP connection from this host. */
  connect(timeUs: number, proc: Proc, ip: string, hostname: string, port: number): void {
    this.records.push(
      sysmonNetworkConnect(this, timeUs, {
        proc,
        initiated: true,
        sourceIp: this.host.ip,
        sourceHostname: this.host.fqdn,
        sourcePort: this.rng.range(49152, 65535),
        destinationIp: ip,
        destinationHostname: hostname,
        destinationPort: port,
      }),
    );
  }

  /** An inbound TCP connection accepted by `proc` on `port`. */
  accept(timeUs: number, proc: Proc, ip: string, hostname: string, port: number): void {
    this.records.push(
      sysmonNetworkConnect(this, timeUs, {
        proc,
        initiated: false,
        sourceIp: ip,
        sourceHostname: hostname,
        sourcePort: this.rng.range(49152, 65535),
        destinationIp: this.host.ip,
        destinationHostname: this.host.fqdn,
        destinationPort: port,
      }),
    );
  }

  write(timeUs: number, proc: Proc, path: string, createdUs?: number): void {
    this.records.push(sysmonFileCreate(this, timeUs, proc, path, createdUs));
  }

  /** A time uniformly between `fromUs` and `toUs`, whole microseconds. */
  between(fromUs: number, toUs: number): number {
    return fromUs + Math.floor(this.rng.float() * Math.max(1, toUs - fromUs));
  }
}
