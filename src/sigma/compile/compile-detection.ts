/**
 * Detection (search identifiers + condition) → one predicate, with the prefilter needs and the event IDs
 * that the whole condition requires. Needs combine soundly: `and` keeps the most selective child's,
 * `or` the union of all children's (or none if one child has none), `not` gives none.
 */
import type { EventView } from '../../events/field-resolver.js';
import type { ConditionNode, Detection, MatchGroup, SearchIdentifier } from '../parse/ast.js';
import { identifierPatternMatcher } from '../parse/condition.js';
import type { CompileOptions, CompiledPredicate, Needs } from './field-match.js';
import { compileFieldMatch, score } from './field-match.js';

function needsScore(needs: Needs): number {
  return needs === null ? -1 : score(needs);
}

function intersect(current: ReadonlySet<number> | null, next: ReadonlySet<number>): Set<number> {
  if (current === null) return new Set(next);
  const result = new Set<number>();
  for (const id of current) if (next.has(id)) result.add(id);
  return result;
}

export function conjunction(children: readonly CompiledPredicate[]): CompiledPredicate {
  if (children.length === 1) return children[0]!;
  const tests = children.map((child) => child.test);
  let needs: Needs = null;
  let eventIds: Set<number> | null = null;
  for (const child of children) {
    if (child.needs !== null && (needs === null || needsScore(child.needs) > needsScore(needs)))
      needs = child.needs;
    if (child.eventIds !== null) {
      eventIds = intersect(eventIds, child.eventIds);
    }
  }
  const test =
    tests.length === 2
      ? (
          (a, b) => (view: EventView) =>
            a(view) && b(view)
        )(tests[0]!, tests[1]!)
      : (view: EventView) => {
          for (const t of tests) if (!t(view)) return false;
          return true;
        };
  return { test, needs, eventIds };
}

export function disjunction(children: readonly CompiledPredicate[]): CompiledPredicate {
  if (children.length === 1) return children[0]!;
  const tests = children.map((child) => child.test);
  const needs: Needs = children.every((child) => child.needs !== null)
    ? children.flatMap((child) => child.needs!)
    : null;
  const eventIds = children.every((child) => child.eventIds !== null)
    ? new Set(children.flatMap((child) => [...child.eventIds!]))
    : null;
  const test = (view: EventView): boolean => {
    for (const t of tests) if (t(view)) return true;
    return false;
  };
  return { test, needs, eventIds };
}

function negation(child: CompiledPredicate): CompiledPredicate {
  const test = child.test;
  return { test: (view) => !test(view), needs: null, eventIds: null };
}

function compileGroup(group: MatchGroup, options: CompileOptions): CompiledPredicate {
  if (group.items.length === 0) return { test: () => true, needs: null, eventIds: null };
  // Cheap, selective items first: equality on plain fields before keyword scans and regexes.
  return conjunction(group.items.map((item) => compileFieldMatch(item, options)));
}

function compileSearch(search: SearchIdentifier, options: CompileOptions): CompiledPredicate {
  return disjunction(search.alternatives.map((group) => compileGroup(group, options)));
}

export function compileDetection(detection: Detection, options: CompileOptions): CompiledPredicate {
  const compiled = new Map<string, CompiledPredicate>();
  const searchPredicate = (name: string): CompiledPredicate => {
    let predicate = compiled.get(name);
    if (predicate === undefined) {
      predicate = compileSearch(detection.searches.get(name)!, options);
      compiled.set(name, predicate);
    }
    return predicate;
  };
  const names = [...detection.searches.keys()];
  const compileNode = (node: ConditionNode): CompiledPredicate => {
    switch (node.type) {
      case 'and':
        return conjunction(node.children.map(compileNode));
      case 'or':
        return disjunction(node.children.map(compileNode));
      case 'not':
        return negation(compileNode(node.child));
      case 'ref':
        return searchPredicate(node.name);
      case 'of': {
        const matching = names.filter(identifierPatternMatcher(node.pattern)).map(searchPredicate);
        return node.quantifier === 'all' ? conjunction(matching) : disjunction(matching);
      }
    }
  };
  return disjunction(detection.conditions.map((condition) => compileNode(condition.node)));
}
