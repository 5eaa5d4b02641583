/**
 * Finds which literals a value starts with, ends with or equals, by walking a trie from one end of the
 * value: the walk stops at the first character no literal continues with, so checking a path against
 * hundreds of `endswith` literals costs a handful of steps. Transitions live in one open-addressed
 * table of typed arrays (a probe per step, no per-node objects). ASCII case is folded on the fly
 * (literals are lowercase); a value with non-ASCII characters on the walked part is walked again in
 * `toLowerCase()` form.
 */

function fold(code: number): number {
  return code >= 65 && code <= 90 ? code | 32 : code;
}

function slotOf(node: number, code: number, mask: number): number {
  return (Math.imul(node, 0x9e3779b1) ^ Math.imul(code, 0x85ebca77)) & mask;
}

export class AnchoredTrie {
  /** Per node: literal ids ending there (startswith / endswith) and `equals` literal ids. */
  private readonly prefixIds: (number[] | undefined)[] = [undefined];
  private readonly equalIds: (number[] | undefined)[] = [undefined];
  private edges: { node: number; code: number; child: number }[] = [];
  private tableNode = new Int32Array(0);
  private tableCode = new Int32Array(0);
  private tableChild = new Int32Array(0);
  private mask = 0;
  private sealed = false;
  private readonly pending = new Map<string, number>();

  /** `fromEnd` tries are walked backwards (for `endswith`). */
  constructor(private readonly fromEnd: boolean) {}

  get isEmpty(): boolean {
    return this.prefixIds.length === 1;
  }

  add(literal: string, id: number, kind: 'prefix' | 'equals'): void {
    if (this.sealed) throw new Error('AnchoredTrie: add after the first walk');
    let node = 0;
    const n = literal.length;
    for (let i = 0; i < n; i++) {
      const code = literal.charCodeAt(this.fromEnd ? n - 1 - i : i);
      const key = `${node}:${code}`;
      let child = this.pending.get(key);
      if (child === undefined) {
        child = this.prefixIds.length;
        this.prefixIds.push(undefined);
        this.equalIds.push(undefined);
        this.pending.set(key, child);
        this.edges.push({ node, code, child });
      }
      node = child;
    }
    if (kind === 'prefix') (this.prefixIds[node] ??= []).push(id);
    else (this.equalIds[node] ??= []).push(id);
  }

  private seal(): void {
    let size = 16;
    while (size < this.edges.length * 2) size *= 2;
    this.mask = size - 1;
    this.tableNode = new Int32Array(size).fill(-1);
    this.tableCode = new Int32Array(size);
    this.tableChild = new Int32Array(size);
    for (const { node, code, child } of this.edges) {
      let slot = slotOf(node, code, this.mask);
      while (this.tableNode[slot] !== -1) slot = (slot + 1) & this.mask;
      this.tableNode[slot] = node;
      this.tableCode[slot] = code;
      this.tableChild[slot] = child;
    }
    this.edges = [];
    this.pending.clear();
    this.sealed = true;
  }

  private child(node: number, code: number): number {
    const mask = this.mask;
    let slot = slotOf(node, code, mask);
    for (;;) {
      const at = this.tableNode[slot]!;
      if (at === -1) return -1;
      if (at === node && this.tableCode[slot] === code) return this.tableChild[slot]!;
      slot = (slot + 1) & mask;
    }
  }

  /** Calls `onHit` for every literal the value starts with (or ends with, for a backward trie) or equals. */
  walk(value: string, onHit: (literalId: number) => void): void {
    if (!this.sealed) this.seal();
    if (this.walkOnce(value, true, onHit)) this.walkOnce(value.toLowerCase(), false, onHit);
  }

  /** With `folding`, returns true when a non-ASCII character was met (the caller walks the lowercased form). */
  private walkOnce(value: string, folding: boolean, onHit: (literalId: number) => void): boolean {
    const n = value.length;
    let node = 0;
    for (let step = 0; step < n; step++) {
      const raw = value.charCodeAt(this.fromEnd ? n - 1 - step : step);
      if (folding && raw >= 128) return true;
      node = this.child(node, folding ? fold(raw) : raw);
      if (node < 0) return false;
      const ids = this.prefixIds[node];
      if (ids !== undefined) for (let i = 0; i < ids.length; i++) onHit(ids[i]!);
    }
    const equal = this.equalIds[node];
    if (equal !== undefined) for (let i = 0; i < equal.length; i++) onHit(equal[i]!);
    return false;
  }
}
