/**
 * Who works when. Each person's day (in the office or at home, hours, mistyped passwords, the Exchange
 * server and domain controller DNS hands out) is a pure function of the seed, the person and the day, so
 * the workstation, the domain controllers and Exchange all tell the same story without sharing state.
 */
import type { Account, Estate, Person } from './estate.js';
import { Prng, seedFor } from './prng.js';

export const HOUR_US = 3_600_000_000;
export const MINUTE_US = 60_000_000;
export const SECOND_US = 1_000_000;
export const DAY_US = 24 * HOUR_US;

/** The replay starts on Monday 9 August 2021, 00:00 UTC (the office is on BST, UTC+1). */
export const SCENARIO_START_US = Date.UTC(2021, 7, 9) * 1000;

export interface UserDay {
  readonly present: boolean;
  readonly remote: boolean;
  /** First logon (office) or first mail access (home), UTC. */
  readonly startUs: number;
  readonly endUs: number;
  /** Mistyped passwords before the first successful logon. */
  readonly typos: number;
  /** A mistyped OWA password from home. */
  readonly owaTypo: boolean;
  readonly exchange: 'EXCH01' | 'EXCH02';
  readonly dc: 'DC01' | 'DC02';
}

export function isWeekend(dayIndex: number): boolean {
  const weekday = (dayIndex + 1) % 7; // day 0 is a Monday: 1
  return weekday === 0 || weekday === 6;
}

export function dayStartUs(dayIndex: number): number {
  return SCENARIO_START_US + dayIndex * DAY_US;
}

/** `20210810`, `2021-08-10`. */
export function dayStamp(dayIndex: number, separator = ''): string {
  return new Date(dayStartUs(dayIndex) / 1000).toISOString().slice(0, 10).replaceAll('-', separator);
}

export function userDay(seed: number, person: Person, dayIndex: number): UserDay {
  const rng = new Prng(seedFor(seed, person.name, dayIndex, 'day'));
  const weekend = isWeekend(dayIndex);
  const present = weekend ? rng.chance(0.04) : rng.chance(0.93);
  const remote = weekend || rng.chance(person.remoteShare);
  const base = dayStartUs(dayIndex);
  // 07:00-08:45 UTC is 08:00-09:45 in the office; a working day of 7.5-9.5 hours.
  const startUs = base + 7 * HOUR_US + rng.int(105) * MINUTE_US + rng.int(60) * SECOND_US;
  const length = weekend ? rng.range(1, 3) * HOUR_US : (7.5 + rng.float() * 2) * HOUR_US;
  const typos = rng.chance(0.06) ? (rng.chance(0.8) ? 1 : 2) : 0;
  return {
    present,
    remote,
    startUs,
    endUs: startUs + Math.round(length),
    typos: remote ? 0 : typos,
    owaTypo: remote && rng.chance(0.05),
    exchange: rng.chance(0.5) ? 'EXCH01' : 'EXCH02',
    dc: rng.chance(0.5) ? 'DC01' : 'DC02',
  };
}

export interface AdminSession {
  readonly admin: Account;
  readonly server: string;
  readonly startUs: number;
  readonly endUs: number;
}

const ADMIN_TARGETS = [
  'DC01',
  'DC02',
  'EXCH01',
  'EXCH02',
  'REGDB01',
  'REGAPP01',
  'FS01',
  'SQL02',
  'SCCM01',
  'WSUS01',
  'BAK01',
  'RDS01',
];

/**
 * The RDP sessions administrators open on servers during a day. The first admin (the one whose
 * credentials are later stolen) looks after Exchange and the register database, and works on EXCH01 on
 * the first Monday: that session is why his credentials are in EXCH01's LSASS when it is dumped.
 */
export function adminSessions(seed: number, estate: Estate, dayIndex: number): AdminSession[] {
  if (isWeekend(dayIndex)) return [];
  const sessions: AdminSession[] = [];
  estate.admins.forEach((admin, index) => {
    const rng = new Prng(seedFor(seed, admin.name, dayIndex, 'rdp'));
    const targets: string[] = [];
    if (index === 0 && dayIndex === 0) targets.push('EXCH01', 'REGDB01');
    const count = rng.int(3);
    for (let i = 0; i < count; i++) {
      const preferred = index === 0 || index === 1 ? ['EXCH01', 'EXCH02', 'REGDB01'] : ADMIN_TARGETS;
      const server = rng.pick(rng.chance(0.7) ? preferred : ADMIN_TARGETS);
      if (!targets.includes(server)) targets.push(server);
    }
    let cursor = dayStartUs(dayIndex) + 8 * HOUR_US + rng.int(60) * MINUTE_US;
    for (const server of targets) {
      const length = (10 + rng.int(70)) * MINUTE_US;
      sessions.push({ admin, server, startUs: cursor, endUs: cursor + length });
      cursor += length + (20 + rng.int(120)) * MINUTE_US;
    }
  });
  return sessions;
}

export interface StaleDevice {
  readonly person: Person;
  readonly dayIndex: number;
  readonly server: 'EXCH02';
  /** When the phone retries with the old password. */
  readonly attemptsUs: readonly number[];
}

/**
 * One person changed their password and their phone keeps trying the old one against ActiveSync about
 * every 20 minutes for a working day: the classic slow trickle of failures that is not an attack.
 */
export function staleDevice(seed: number, estate: Estate): StaleDevice | undefined {
  const rng = new Prng(seedFor(seed, 'stale-device'));
  const mobiles = estate.people.filter((p) => p.mobile);
  if (mobiles.length === 0) return undefined;
  const person = rng.pick(mobiles);
  const dayIndex = 2;
  const base = dayStartUs(dayIndex);
  const attemptsUs: number[] = [];
  for (let t = base + 6 * HOUR_US; t < base + 16 * HOUR_US; t += (18 + rng.int(5)) * MINUTE_US) {
    attemptsUs.push(t + rng.int(60) * SECOND_US);
  }
  return { person, dayIndex, server: 'EXCH02', attemptsUs };
}
