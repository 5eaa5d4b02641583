/**
 * Finds which literals a value starts with, ends with or equals, by walking a trie from one end of the
 * value: the walk stops at the first character no literal continues with, so checking a path against
 * hundreds of `endswith` literals costs a handful of steps. ASCII case is folded on the fly (literals are
 * lowercase); a value with non-ASCII characters on the walked part is walked again in `toLowerCase()` form.
 */

interface TrieNode {
  readonly children: Map<number, TrieNode>;
  /** Literals (startswith / endswith) that end at this node. */
  prefixIds: number[] | undefined;
  /** `equals` literals that end at this node. */
  equalIds: number[] | undefined;
}

function newNode(): TrieNode {
  return { children: new Map(), prefixIds: undefined, equalIds: undefined };
}

function fold(code: number): number {
  return code >= 65 && code <= 90 ? code | 32 : code;
}

export class AnchoredTrie {
  private readonly root = newNode();
  private empty = true;

  /** `fromEnd` tries are walked backwards (for `endswith`). */
  constructor(private readonly fromEnd: boolean) {}

  get isEmpty(): boolean {
    return this.empty;
  }

  add(literal: string, id: number, kind: 'prefix' | 'equals'): void {
    this.empty = false;
    let node = this.root;
    const n = literal.length;
    for (let i = 0; i < n; i++) {
      const code = literal.charCodeAt(this.fromEnd ? n - 1 - i : i);
      let child = node.children.get(code);
      if (child === undefined) node.children.set(code, (child = newNode()));
      node = child;
    }
    if (kind === 'prefix') (node.prefixIds ??= []).push(id);
    else (node.equalIds ??= []).push(id);
  }

  /** Calls `onHit` for every literal the value starts with (or ends with, for a backward trie) or equals. */
  walk(value: string, onHit: (literalId: number) => void): void {
    if (this.walkFolded(value, onHit)) this.walkExact(value.toLowerCase(), onHit);
  }

  /** Returns true when a non-ASCII character stopped the walk (the caller walks the lowercased form). */
  private walkFolded(value: string, onHit: (literalId: number) => void): boolean {
    const n = value.length;
    let node = this.root;
    for (let step = 0; step < n; step++) {
      const raw = value.charCodeAt(this.fromEnd ? n - 1 - step : step);
      if (raw >= 128) return true;
      const child = node.children.get(fold(raw));
      if (child === undefined) return false;
      node = child;
      const ids = node.prefixIds;
      if (ids !== undefined) for (let i = 0; i < ids.length; i++) onHit(ids[i]!);
    }
    const equal = node.equalIds;
    if (equal !== undefined) for (let i = 0; i < equal.length; i++) onHit(equal[i]!);
    return false;
  }

  private walkExact(value: string, onHit: (literalId: number) => void): void {
    const n = value.length;
    let node = this.root;
    for (let step = 0; step < n; step++) {
      const child = node.children.get(value.charCodeAt(this.fromEnd ? n - 1 - step : step));
      if (child === undefined) return;
      node = child;
      const ids = node.prefixIds;
      if (ids !== undefined) for (let i = 0; i < ids.length; i++) onHit(ids[i]!);
    }
    const equal = node.equalIds;
    if (equal !== undefined) for (let i = 0; i < equal.length; i++) onHit(equal[i]!);
  }
}
