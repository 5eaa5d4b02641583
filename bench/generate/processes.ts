/**
 * The process catalogue: every profile the benign activity draws from. Keys are referenced by `parent`;
 * every parent key must exist (checked by the generator's tests).
 */
import type { ProcessProfile } from './catalog.js';
import { SERVER_PROCESSES } from './processes-servers.js';
import { WINDOWS_PROCESSES } from './processes-windows.js';
import { WORKSTATION_PROCESSES } from './processes-workstation.js';

export const PROCESSES: readonly ProcessProfile[] = [
  ...WINDOWS_PROCESSES,
  ...WORKSTATION_PROCESSES,
  ...SERVER_PROCESSES,
];

export const PROCESS_BY_KEY: ReadonlyMap<string, ProcessProfile> = new Map(PROCESSES.map((p) => [p.key, p]));
