/**
 * The scenario's seeded PRNG (xoshiro128**, seeded through splitmix32): the same seed gives the same replay,
 * byte for byte, on every machine. `Math.random` is never used: its sequence differs per process.
 *
 * @example
 * const rng = new Prng(42);
 * rng.int(6); // 0..5, the same on every run with seed 42
 */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    // splitmix32 spreads a small seed over 128 bits of state; xoshiro must not start from all zeroes.
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  next(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** A float in [0, 1). */
  float(): number {
    return this.next() / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** An integer in [min, max], both inclusive. */
  range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new Error('Prng.pick: empty list');
    return item;
  }

  /** `n` lowercase hexadecimal digits. */
  hex(n: number): string {
    let out = '';
    while (out.length < n) out += this.next().toString(16).padStart(8, '0');
    return out.slice(0, n);
  }

  /** An uppercase GUID without braces, as evtx_dump prints GUID-typed fields. */
  guid(): string {
    const h = this.hex(32).toUpperCase();
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** FNV-1a, to derive stable per-name seeds (an image's hashes must not change between events). */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A seed for one named stream (a host's day, a user's day), so each stream is independent of the others. */
export function seedFor(seed: number, ...parts: readonly (string | number)[]): number {
  return hashString(`${seed >>> 0}|${parts.join('|')}`);
}
