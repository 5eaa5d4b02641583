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

/** The uncompressed trie, while literals are added. */
interface TrieBuilder {
  /** Per node: literal ids ending there (startswith / endswith) and `equals` literal ids. */
  readonly prefixIds: (number[] | undefined)[];
  readonly equalIds: (number[] | undefined)[];
  readonly edges: { node: number; code: number; child: number }[];
  readonly pending: Map<string, number>;
}

export class AnchoredTrie {
  private builder: TrieBuilder | undefined = {
    prefixIds: [undefined],
    equalIds: [undefined],
    edges: [],
    pending: new Map(),
  };
  private literalCount = 0;
  /**
   * After sealing, the trie is path-compressed: an edge is looked up by its first character and carries the
   * characters of the single-child chain after it (`labels[labelStart…+labelLength]`), compared in a plain
   * loop. A walk along a long shared prefix (`c:\windows\system32\`, a registry hive) costs one table
   * probe per branching node instead of one per character.
   */
  private tableNode = new Int32Array(0);
  private tableCode = new Int32Array(0);
  private tableChild = new Int32Array(0);
  private tableLabelStart = new Int32Array(0);
  private tableLabelLength = new Int32Array(0);
  private labels = new Uint16Array(0);
  private mask = 0;
  /** Compressed node → literal ids ending there. */
  private nodePrefixIds: (number[] | undefined)[] = [];
  private nodeEqualIds: (number[] | undefined)[] = [];

  /** `fromEnd` tries are walked backwards (for `endswith`). */
  constructor(private readonly fromEnd: boolean) {}

  get isEmpty(): boolean {
    return this.literalCount === 0;
  }

  add(literal: string, id: number, kind: 'prefix' | 'equals'): void {
    const builder = this.builder;
    if (builder === undefined) throw new Error('AnchoredTrie: add after sealing');
    this.literalCount++;
    let node = 0;
    const n = literal.length;
    for (let i = 0; i < n; i++) {
      const code = literal.charCodeAt(this.fromEnd ? n - 1 - i : i);
      const key = `${node}:${code}`;
      let child = builder.pending.get(key);
      if (child === undefined) {
        child = builder.prefixIds.length;
        builder.prefixIds.push(undefined);
        builder.equalIds.push(undefined);
        builder.pending.set(key, child);
        builder.edges.push({ node, code, child });
      }
      node = child;
    }
    if (kind === 'prefix') (builder.prefixIds[node] ??= []).push(id);
    else (builder.equalIds[node] ??= []).push(id);
  }

  /** Compresses the trie into its lookup tables and drops the building structures; later `add`s throw. */
  seal(): void {
    const builder = this.builder;
    if (builder === undefined) return;
    const { prefixIds, equalIds } = builder;
    const children: { code: number; child: number }[][] = prefixIds.map(() => []);
    for (const { node, code, child } of builder.edges) children[node]!.push({ code, child });
    // Compressed nodes are the root, nodes where a literal ends, and nodes with other than one child.
    const compressed = new Map<number, number>([[0, 0]]);
    const nodePrefixIds: (number[] | undefined)[] = [prefixIds[0]];
    const nodeEqualIds: (number[] | undefined)[] = [equalIds[0]];
    const compressedEdges: { node: number; code: number; label: number[]; child: number }[] = [];
    const stack = [0];
    while (stack.length > 0) {
      const from = stack.pop()!;
      const fromCompressed = compressed.get(from)!;
      for (const { code, child } of children[from]!) {
        const label: number[] = [];
        let end = child;
        while (children[end]!.length === 1 && prefixIds[end] === undefined && equalIds[end] === undefined) {
          const next = children[end]![0]!;
          label.push(next.code);
          end = next.child;
        }
        const target = nodePrefixIds.length;
        compressed.set(end, target);
        nodePrefixIds.push(prefixIds[end]);
        nodeEqualIds.push(equalIds[end]);
        compressedEdges.push({ node: fromCompressed, code, label, child: target });
        stack.push(end);
      }
    }
    let size = 16;
    while (size < compressedEdges.length * 2) size *= 2;
    this.mask = size - 1;
    this.tableNode = new Int32Array(size).fill(-1);
    this.tableCode = new Int32Array(size);
    this.tableChild = new Int32Array(size);
    this.tableLabelStart = new Int32Array(size);
    this.tableLabelLength = new Int32Array(size);
    this.labels = new Uint16Array(compressedEdges.reduce((total, edge) => total + edge.label.length, 0));
    let labelAt = 0;
    for (const { node, code, label, child } of compressedEdges) {
      let slot = slotOf(node, code, this.mask);
      while (this.tableNode[slot] !== -1) slot = (slot + 1) & this.mask;
      this.tableNode[slot] = node;
      this.tableCode[slot] = code;
      this.tableChild[slot] = child;
      this.tableLabelStart[slot] = labelAt;
      this.tableLabelLength[slot] = label.length;
      this.labels.set(label, labelAt);
      labelAt += label.length;
    }
    this.nodePrefixIds = nodePrefixIds;
    this.nodeEqualIds = nodeEqualIds;
    this.builder = undefined;
  }

  /** The table slot of the edge leaving `node` with `code`, or -1. */
  private edge(node: number, code: number): number {
    const mask = this.mask;
    let slot = slotOf(node, code, mask);
    for (;;) {
      const at = this.tableNode[slot]!;
      if (at === -1) return -1;
      if (at === node && this.tableCode[slot] === code) return slot;
      slot = (slot + 1) & mask;
    }
  }

  /** Calls `onHit` for every literal the value starts with (or ends with, for a backward trie) or equals. */
  walk(value: string, onHit: (literalId: number) => void): void {
    if (this.builder !== undefined) this.seal();
    if (this.walkOnce(value, true, onHit)) this.walkOnce(value.toLowerCase(), false, onHit);
  }

  /** With `folding`, returns true when a non-ASCII character was met (the caller walks the lowercased form). */
  private walkOnce(value: string, folding: boolean, onHit: (literalId: number) => void): boolean {
    const n = value.length;
    const fromEnd = this.fromEnd;
    const labels = this.labels;
    let node = 0;
    let step = 0;
    while (step < n) {
      const raw = value.charCodeAt(fromEnd ? n - 1 - step : step);
      if (folding && raw >= 128) return true;
      const slot = this.edge(node, folding ? fold(raw) : raw);
      if (slot < 0) return false;
      step++;
      const start = this.tableLabelStart[slot]!;
      const length = this.tableLabelLength[slot]!;
      for (let k = 0; k < length; k++, step++) {
        // The value ends inside the edge: no literal ends there.
        if (step >= n) return false;
        const next = value.charCodeAt(fromEnd ? n - 1 - step : step);
        if (folding && next >= 128) return true;
        if ((folding ? fold(next) : next) !== labels[start + k]) return false;
      }
      node = this.tableChild[slot]!;
      const ids = this.nodePrefixIds[node];
      if (ids !== undefined) for (let i = 0; i < ids.length; i++) onHit(ids[i]!);
    }
    const equal = this.nodeEqualIds[node];
    if (equal !== undefined) for (let i = 0; i < equal.length; i++) onHit(equal[i]!);
    return false;
  }
}
