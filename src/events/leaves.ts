/**
 * Keyword searches look at every value of an event. Events are untrusted (deeply nested, huge), so the
 * walk is bounded in depth and in the number of nodes visited; the keyword matcher and the rule index's
 * prefilter share this one walk so they always see the same values.
 */
const MAX_NODES = 10_000;
const MAX_DEPTH = 64;

/**
 * Calls `visit` with the text of every string, number and boolean (`#attributes` excluded), depth first,
 * until it returns true. Returns true when `visit` did.
 */
export function someLeaf(root: unknown, visit: (text: string) => boolean): boolean {
  let budget = MAX_NODES;
  const walk = (value: unknown, depth: number): boolean => {
    if (--budget < 0) return false;
    if (typeof value === 'string') return visit(value);
    if (typeof value === 'number' || typeof value === 'boolean') return visit(String(value));
    if (typeof value !== 'object' || value === null || depth >= MAX_DEPTH) return false;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) if (walk(value[i], depth + 1)) return true;
      return false;
    }
    for (const key of Object.keys(value)) {
      if (key !== '#attributes' && walk((value as Record<string, unknown>)[key], depth + 1)) return true;
    }
    return false;
  };
  return walk(root, 0);
}

/**
 * Appends to `out` the texts `someLeaf` visits, in the same order and within the same bounds. Numbers and
 * booleans are skipped unless `scalars` (a caller that knows none of its literals can occur in them saves
 * their string conversion).
 */
export function collectLeafTexts(root: unknown, out: string[], scalars: boolean): void {
  let budget = MAX_NODES;
  const walk = (value: unknown, depth: number): void => {
    if (--budget < 0) return;
    if (typeof value === 'string') out.push(value);
    else if (typeof value === 'number' || typeof value === 'boolean') {
      if (scalars) out.push(String(value));
    } else if (typeof value === 'object' && value !== null && depth < MAX_DEPTH) {
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) walk(value[i], depth + 1);
        return;
      }
      for (const key of Object.keys(value)) {
        if (key !== '#attributes') walk((value as Record<string, unknown>)[key], depth + 1);
      }
    }
  };
  walk(root, 0);
}
