/**
 * Detection (search identifiers + condition) → one predicate, with the prefilter needs and the event IDs
 * that the whole condition requires. Needs are groups that must all hold (see `NeedGroups`) and combine
 * soundly: `and` requires every child's groups, `or` one group made of the most selective group of each
 * child (none if a child has none), `not` gives none.
 */
import type { EventView } from '../../events/field-resolver.js';
import type { ConditionNode, Detection, MatchGroup, SearchIdentifier } from '../parse/ast.js';
import { identifierPatternMatcher } from '../parse/condition.js';
import type { CompileOptions, CompiledPredicate, Needs } from './field-match.js';
import { compileFieldMatch, normaliseGroups, score } from './field-match.js';

function intersect(current: ReadonlySet<number> | null, next: ReadonlySet<number>): Set<number> {
  if (current === null) return new Set(next);
  const result = new Set<number>();
  for (const id of current) if (next.has(id)) result.add(id);
  return result;
}

/** The group that filters best: an empty group (matches nothing) beats all. */
function bestGroup(groups: readonly Needs[]): Needs {
  let best = groups[0]!;
  for (const group of groups) {
    if (group.length === 0) return group;
    if (score(group) > score(best)) best = group;
  }
  return best;
}

export function conjunction(children: readonly CompiledPredicate[]): CompiledPredicate {
  if (children.length === 1) return children[0]!;
  const tests = children.map((child) => child.test);
  let eventIds: Set<number> | null = null;
  for (const child of children) {
    if (child.eventIds !== null) {
      eventIds = intersect(eventIds, child.eventIds);
    }
  }
  const needs = normaliseGroups(children.flatMap((child) => child.needs));
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
  // A match of any child satisfies one of its groups: the union of one group per child is required.
  const needs = children.every((child) => child.needs.length > 0)
    ? normaliseGroups([children.flatMap((child) => bestGroup(child.needs))])
    : [];
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
  return { test: (view) => !test(view), needs: [], eventIds: null };
}

function compileGroup(group: MatchGroup, options: CompileOptions): CompiledPredicate {
  if (group.items.length === 0) return { test: () => true, needs: [], eventIds: null };
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
