/**
 * Small rules of evtx's JSON shape shared by the JSON interpreter (render-json.ts) and the renderers it
 * generates per template (json-jit.ts), so that both name keys exactly alike.
 */
import type { XAttr } from './binxml.js';

/** evtx tracks at most this many distinct child names per element for `_N` suffixes. */
export const MAX_UNIQUE_NAMES = 64;

export function findAttr(attrs: readonly XAttr[], name: string): XAttr | undefined {
  for (let i = 0; i < attrs.length; i++) if (attrs[i]!.name === name) return attrs[i];
  return undefined;
}

export function isDataContainer(name: string): boolean {
  return name === 'EventData' || name === 'UserData';
}

/**
 * Keys of an element's child elements in document order: repeated names get `_1`, `_2`… (only the first
 * `MAX_UNIQUE_NAMES` distinct names are tracked; later ones are used as they are).
 */
export class ChildKeys {
  private readonly names: string[] = [];
  private readonly counts: number[] = [];

  /** The key `key(name)` would give, without counting `name`. */
  peek(name: string): string {
    const seen = this.names.indexOf(name);
    return seen >= 0 ? `${name}_${this.counts[seen]!}` : name;
  }

  key(name: string): string {
    const seen = this.names.indexOf(name);
    if (seen >= 0) {
      const suffix = this.counts[seen]!;
      this.counts[seen] = suffix + 1;
      return `${name}_${suffix}`;
    }
    if (this.names.length < MAX_UNIQUE_NAMES) {
      this.names.push(name);
      this.counts.push(1);
    }
    return name;
  }
}

/** Defines `obj[key]`; never touches `Object.prototype` (an element named `__proto__` is just data). */
export function put(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}
