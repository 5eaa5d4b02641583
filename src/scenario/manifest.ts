/**
 * `manifest.json`: the ground truth of a generated scenario — what was generated, where, and which records
 * belong to which stage of the intrusion, with the techniques and the rules expected to catch them. For
 * tests, documentation and the demo's story; the detector never reads it.
 */
import type { ExpectedRule, StageId, Technique } from './stages.js';

export const MANIFEST_FORMAT = 'ballotguard-scenario';
export const MANIFEST_VERSION = 1;

export type ScenarioFileFormat = 'evtx-json' | 'w3c';

export interface ManifestFile {
  /** Relative to the scenario folder, with `/` separators. */
  readonly path: string;
  readonly format: ScenarioFileFormat;
  readonly host: string;
  /** Windows channel, or `IIS` for W3C logs. */
  readonly channel: string;
  readonly events: number;
  readonly intrusionEvents: number;
  readonly bytes: number;
}

/** One record of the intrusion: its file and 1-based line (W3C line numbers count the `#` header lines). */
export interface ManifestEvent {
  readonly file: string;
  readonly line: number;
  readonly time: string;
}

export interface ManifestStage {
  readonly order: number;
  readonly id: StageId;
  readonly title: string;
  readonly summary: string;
  readonly start: string;
  readonly end: string;
  readonly hosts: readonly string[];
  readonly accounts: readonly string[];
  readonly sourceIps: readonly string[];
  readonly techniques: readonly Technique[];
  readonly expectedRules: readonly ExpectedRule[];
  readonly events: readonly ManifestEvent[];
}

export interface Manifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly version: typeof MANIFEST_VERSION;
  readonly options: { readonly seed: number; readonly days: number; readonly users: number };
  readonly period: { readonly start: string; readonly end: string };
  readonly organisation: {
    readonly domain: string;
    readonly dnsDomain: string;
    readonly mailDomain: string;
    readonly servers: readonly { readonly name: string; readonly role: string; readonly ip: string }[];
    readonly workstations: number;
    readonly staff: number;
    readonly admins: readonly string[];
  };
  readonly intruder: {
    readonly exploitIp: string;
    readonly operatorIp: string;
    readonly exfiltrationIp: string;
    readonly stolenAccount: string;
  };
  /** Where to point `ballotguard hunt` (relative to the scenario folder). */
  readonly logs: string;
  readonly totals: {
    readonly files: number;
    readonly events: number;
    readonly intrusionEvents: number;
    readonly benignEvents: number;
    readonly bytes: number;
  };
  readonly files: readonly ManifestFile[];
  readonly stages: readonly ManifestStage[];
}
