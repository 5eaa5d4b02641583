/**
 * Detection (search identifiers + condition) → one predicate, with the prefilter needs and the event IDs
 * that the whole condition requires. Needs are groups that must all hold (see `NeedGroups`) and combine
 * soundly: `and` requires every child's groups, `or` groups that each join one group of every child (none
 * if a child has none), `not` gives none.
 */
import type { EventView } from '../../events/field-resolver.js';
import type { ConditionNode, Detection, MatchGroup, SearchIdentifier } from '../parse/ast.js';
import { identifierPatternMatcher } from '../parse/condition.js';
import type { CompileOptions, CompiledPredicate, Need, NeedGroups } from './field-match.js';
import { compileFieldMatch, normaliseGroups, score } from './field-match.js';

function intersect(current: ReadonlySet<number> | null, next: ReadonlySet<number>): Set<number> {
  if (current === null) return new Set(next);
  const result = new Set<number>();
  for (const id of current) if (next.has(id)) result.add(id);
  return result;
}

/** At most this many groups come out of a disjunction (one group per combination of its children's groups). */
const MAX_DISJUNCTION_GROUPS = 8;

/**
 * Needs of `a or b or …`: for any choice of one group per child, the union of the chosen groups holds
 * whenever the disjunction does (the child that matches satisfies its group). Children's most selective
 * groups are combined first, while the number of combinations stays small. A child that can never match
 * (an empty group) adds nothing; a child without needs leaves none.
 */
function disjunctionNeeds(children: readonly NeedGroups[]): NeedGroups {
  if (children.some((needs) => needs.length === 0)) return [];
  const possible = children.filter((needs) => !needs.some((group) => group.length === 0));
  if (possible.length === 0) return [[]];
  const ranked = possible.map((needs) => [...needs].sort((a, b) => score(b) - score(a)));
  const taken = ranked.map(() => 1);
  let combinations = 1;
  for (let grew = true; grew;) {
    grew = false;
    ranked.forEach((needs, i) => {
      const count = taken[i]!;
      const widened = (combinations / count) * (count + 1);
      if (count < needs.length && widened <= MAX_DISJUNCTION_GROUPS) {
        taken[i] = count + 1;
        combinations = widened;
        grew = true;
      }
    });
  }
  let groups: Need[][] = [[]];
  ranked.forEach((needs, i) => {
    groups = groups.flatMap((partial) => needs.slice(0, taken[i]).map((group) => [...partial, ...group]));
  });
  return normaliseGroups(groups);
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
  const needs = disjunctionNeeds(children.map((child) => child.needs));
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
