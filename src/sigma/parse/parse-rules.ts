/**
 * Sigma YAML → typed AST. `parseRuleText` never throws for bad rules: every problem becomes an `Issue`
 * with file, line and column, and the other documents of the file still load.
 */
import { LineCounter, isMap, isScalar, isSeq, parseAllDocuments } from 'yaml';
import type { Node, Pair, YAMLMap } from 'yaml';
import type { Issue, Location } from '../../issues.js';
import type {
  ConditionNode,
  CorrelationType,
  Detection,
  FieldMatch,
  LogSource,
  MatchGroup,
  ModifierName,
  RelatedRule,
  RuleLevel,
  SearchIdentifier,
  SigmaCorrelation,
  SigmaDocument,
  SigmaFilter,
  SigmaRule,
  SigmaValue,
} from './ast.js';
import { MODIFIER_NAMES, RULE_LEVELS } from './ast.js';
import { ConditionSyntaxError, identifierPatternMatcher, parseCondition } from './condition.js';

export interface ParseResult {
  readonly documents: readonly SigmaDocument[];
  readonly issues: readonly Issue[];
  /** Number of YAML documents that looked like rules (loaded or not), for statistics. */
  readonly documentCount: number;
}

const MODIFIERS = new Set<string>(MODIFIER_NAMES);
const CORRELATION_TYPES = new Set<string>([
  'event_count',
  'value_count',
  'temporal',
  'temporal_ordered',
  'value_sum',
  'value_avg',
  'value_percentile',
]);
const COMMON_KEYS = new Set([
  'title',
  'id',
  'name',
  'description',
  'status',
  'author',
  'date',
  'modified',
  'references',
  'tags',
  'license',
  'taxonomy',
  'related',
]);
const RULE_KEYS = new Set([
  ...COMMON_KEYS,
  'level',
  'logsource',
  'detection',
  'falsepositives',
  'fields',
  'scope',
]);
const FILTER_KEYS = new Set([...COMMON_KEYS, 'logsource', 'filter']);
const CORRELATION_KEYS = new Set([
  ...COMMON_KEYS,
  'level',
  'correlation',
  'falsepositives',
  'fields',
  'scope',
]);

/** Raised inside document conversion; turned into an Issue for that document. */
class DocumentError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly node: Node | null | undefined,
  ) {
    super(message);
  }
}

export function parseRuleText(text: string, file: string): ParseResult {
  const lineCounter = new LineCounter();
  const issues: Issue[] = [];
  const documents: SigmaDocument[] = [];
  const locate = (node: Node | null | undefined): Location => {
    const offset = node?.range?.[0] ?? 0;
    const pos = lineCounter.linePos(offset);
    return { file, line: pos.line, column: pos.col };
  };

  let yamlDocuments: ReturnType<typeof parseAllDocuments>;
  try {
    yamlDocuments = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  } catch (error) {
    issues.push({
      code: 'yaml-error',
      severity: 'error',
      message: error instanceof Error ? error.message : String(error),
      location: { file },
    });
    return { documents, issues, documentCount: 1 };
  }
  // parseAllDocuments returns an EmptyStream (not an array) for input without documents.
  const docList = Array.isArray(yamlDocuments) ? yamlDocuments : [];

  let documentCount = 0;
  for (const doc of docList) {
    if (doc.contents === null && doc.errors.length === 0) continue; // empty document between `---`
    documentCount++;
    if (doc.errors.length > 0) {
      // One issue per broken document (its first error, counting the rest), so counts stay per rule.
      const error = doc.errors[0]!;
      const pos =
        error.linePos?.[0] ?? (error.pos[0] !== undefined ? lineCounter.linePos(error.pos[0]) : undefined);
      const more =
        doc.errors.length > 1
          ? ` (and ${doc.errors.length - 1} more YAML error${doc.errors.length > 2 ? 's' : ''} in this document)`
          : '';
      issues.push({
        code: 'yaml-error',
        severity: 'error',
        message: `${error.message.split('\n')[0] ?? error.message}${more}`,
        location: pos ? { file, line: pos.line, column: pos.col } : { file },
      });
      continue;
    }
    const contents = doc.contents;
    if (!isMap(contents)) {
      issues.push({
        code: 'not-a-rule',
        severity: 'error',
        message: 'a Sigma document must be a YAML mapping',
        location: locate(contents),
      });
      continue;
    }
    const label = ruleLabel(contents);
    try {
      documents.push(convertDocument(contents, locate, issues, label));
    } catch (error) {
      if (!(error instanceof DocumentError)) throw error;
      issues.push({
        code: error.code,
        severity: 'error',
        message: error.message,
        location: locate(error.node ?? contents),
        ...(label ? { rule: label } : {}),
      });
    }
  }
  return { documents, issues, documentCount };
}

function ruleLabel(map: YAMLMap): string | undefined {
  const id = map.get('id');
  if (typeof id === 'string') return id;
  const title = map.get('title');
  return typeof title === 'string' ? title : undefined;
}

/** Text of a YAML scalar's value (strings, numbers, booleans; dates and other tags by their JSON form). */
function scalarText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  return JSON.stringify(value) ?? '';
}

function pairNode(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((item): item is Pair => isScalar(item.key) && scalarText(item.key.value) === key);
}

function valueNode(map: YAMLMap, key: string): Node | null | undefined {
  return pairNode(map, key)?.value as Node | null | undefined;
}

function optionalString(map: YAMLMap, key: string): string | undefined {
  const node = valueNode(map, key);
  if (node === undefined || node === null) return undefined;
  if (isScalar(node) && node.value !== null && typeof node.value !== 'object') return scalarText(node.value);
  throw new DocumentError('invalid-field', `'${key}' must be a string`, node);
}

function stringList(map: YAMLMap, key: string): string[] {
  const node = valueNode(map, key);
  if (node === undefined || node === null) return [];
  if (isScalar(node)) return node.value === null ? [] : [scalarText(node.value)];
  if (isSeq(node)) {
    return node.items.map((item) => {
      if (isScalar(item) && item.value !== null && typeof item.value !== 'object')
        return scalarText(item.value);
      throw new DocumentError('invalid-field', `'${key}' must be a list of strings`, item as Node);
    });
  }
  throw new DocumentError('invalid-field', `'${key}' must be a list of strings`, node);
}

function toPlain(node: Node | null | undefined): unknown {
  if (node === null || node === undefined) return null;
  return node.toJSON() as unknown;
}

function convertDocument(
  map: YAMLMap,
  locate: (node: Node | null | undefined) => Location,
  issues: Issue[],
  label: string | undefined,
): SigmaDocument {
  if (pairNode(map, 'action')) {
    throw new DocumentError(
      'unsupported-collection',
      "rule collections ('action: global/repeat/reset') were removed in Sigma v2; write each rule as its own document",
      valueNode(map, 'action'),
    );
  }
  const title = optionalString(map, 'title');
  if (title === undefined) throw new DocumentError('missing-field', "the mandatory 'title' is missing", map);

  const kind = pairNode(map, 'correlation') ? 'correlation' : pairNode(map, 'filter') ? 'filter' : 'rule';
  const known = kind === 'rule' ? RULE_KEYS : kind === 'filter' ? FILTER_KEYS : CORRELATION_KEYS;
  const custom: Record<string, unknown> = {};
  for (const pair of map.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    if (!known.has(key)) custom[key] = toPlain(pair.value as Node);
  }

  const id = optionalString(map, 'id');
  const name = optionalString(map, 'name');
  const description = optionalString(map, 'description');
  const status = optionalString(map, 'status');
  const author = optionalString(map, 'author');
  const date = optionalString(map, 'date');
  const modified = optionalString(map, 'modified');
  const license = optionalString(map, 'license');
  const taxonomy = optionalString(map, 'taxonomy');
  const base = {
    title,
    ...(id !== undefined ? { id } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(description !== undefined ? { description } : {}),
    ...(status !== undefined ? { status } : {}),
    ...(author !== undefined ? { author } : {}),
    ...(date !== undefined ? { date } : {}),
    ...(modified !== undefined ? { modified } : {}),
    ...(license !== undefined ? { license } : {}),
    ...(taxonomy !== undefined ? { taxonomy } : {}),
    references: stringList(map, 'references'),
    tags: stringList(map, 'tags'),
    related: parseRelated(map),
    custom,
    location: locate(map),
  };

  if (kind === 'correlation') return parseCorrelation(map, base, locate);

  const logsourceNode = valueNode(map, 'logsource');
  if (!isMap(logsourceNode)) {
    throw new DocumentError(
      'missing-field',
      "the mandatory 'logsource' mapping is missing",
      logsourceNode ?? map,
    );
  }
  const logsource = parseLogsource(logsourceNode);

  if (kind === 'filter') {
    const filterNode = valueNode(map, 'filter');
    if (!isMap(filterNode))
      throw new DocumentError('invalid-field', "'filter' must be a mapping", filterNode);
    const rules = stringList(filterNode, 'rules');
    if (rules.length === 0) {
      throw new DocumentError(
        'missing-field',
        "a filter needs 'rules': the ids or names it applies to",
        filterNode,
      );
    }
    const detection = parseDetection(filterNode, locate, new Set(['rules']));
    const filter: SigmaFilter = { kind: 'filter', ...base, logsource, rules, detection };
    return filter;
  }

  const detectionNode = valueNode(map, 'detection');
  if (!isMap(detectionNode)) {
    throw new DocumentError(
      'missing-field',
      "the mandatory 'detection' mapping is missing",
      detectionNode ?? map,
    );
  }
  const detection = parseDetection(detectionNode, locate, new Set(['timeframe']));
  if (pairNode(detectionNode, 'timeframe')) {
    issues.push({
      code: 'deprecated-timeframe',
      severity: 'warning',
      message: "'detection.timeframe' is Sigma v1 syntax and is ignored; use a correlation rule",
      location: locate(valueNode(detectionNode, 'timeframe')),
      ...(label ? { rule: label } : {}),
    });
  }
  const levelText = optionalString(map, 'level');
  if (levelText !== undefined && !RULE_LEVELS.includes(levelText as RuleLevel)) {
    throw new DocumentError(
      'invalid-field',
      `level '${levelText}' is not one of ${RULE_LEVELS.join(', ')}`,
      valueNode(map, 'level'),
    );
  }
  const rule: SigmaRule = {
    kind: 'rule',
    ...base,
    ...(levelText !== undefined ? { level: levelText as RuleLevel } : {}),
    logsource,
    detection,
    falsepositives: stringList(map, 'falsepositives'),
    fields: stringList(map, 'fields'),
    scope: stringList(map, 'scope'),
  };
  return rule;
}

function parseRelated(map: YAMLMap): RelatedRule[] {
  const node = valueNode(map, 'related');
  if (node === undefined || node === null) return [];
  if (!isSeq(node)) throw new DocumentError('invalid-field', "'related' must be a list", node);
  return node.items.map((item) => {
    if (!isMap(item))
      throw new DocumentError('invalid-field', "each 'related' entry must be a mapping", item as Node);
    return { id: optionalString(item, 'id') ?? '', type: optionalString(item, 'type') ?? '' };
  });
}

function parseLogsource(node: YAMLMap): LogSource {
  const custom: Record<string, string> = {};
  const result: { category?: string; product?: string; service?: string; definition?: string } = {};
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const value = pair.value as Node | null;
    if (value === null || (isScalar(value) && value.value === null)) continue;
    if (!isScalar(value))
      throw new DocumentError('invalid-field', `logsource '${key}' must be a string`, value);
    const text = String(value.value);
    if (key === 'category' || key === 'product' || key === 'service' || key === 'definition')
      result[key] = text;
    else custom[key] = text;
  }
  return { ...result, custom };
}

function parseCorrelation(
  map: YAMLMap,
  base: Omit<
    SigmaCorrelation,
    | 'kind'
    | 'correlationType'
    | 'rules'
    | 'groupBy'
    | 'timespan'
    | 'generate'
    | 'aliases'
    | 'condition'
    | 'level'
  >,
  locate: (node: Node | null | undefined) => Location,
): SigmaCorrelation {
  const node = valueNode(map, 'correlation');
  if (!isMap(node)) throw new DocumentError('invalid-field', "'correlation' must be a mapping", node);
  const type = optionalString(node, 'type');
  if (type === undefined || !CORRELATION_TYPES.has(type)) {
    throw new DocumentError(
      'invalid-field',
      `correlation type '${type ?? ''}' is not one of ${[...CORRELATION_TYPES].join(', ')}`,
      valueNode(node, 'type') ?? node,
    );
  }
  const timespan = optionalString(node, 'timespan') ?? optionalString(node, 'timeframe');
  if (timespan === undefined)
    throw new DocumentError('missing-field', "a correlation needs a 'timespan'", node);
  const generateNode = valueNode(node, 'generate');
  if (
    generateNode !== undefined &&
    generateNode !== null &&
    !(isScalar(generateNode) && (typeof generateNode.value === 'boolean' || generateNode.value === null))
  )
    throw new DocumentError('invalid-field', "'generate' must be true or false", generateNode);
  const aliasesNode = valueNode(node, 'aliases');
  if (aliasesNode !== undefined && aliasesNode !== null && !isMap(aliasesNode) && !isNullScalar(aliasesNode))
    throw new DocumentError(
      'invalid-field',
      "'aliases' must map each alias to a mapping of rule name → field",
      aliasesNode,
    );
  const conditionNode = valueNode(node, 'condition');
  if (
    conditionNode !== undefined &&
    conditionNode !== null &&
    !isMap(conditionNode) &&
    !isNullScalar(conditionNode)
  )
    throw new DocumentError(
      'invalid-field',
      "a correlation 'condition' must be a mapping such as {gte: 10} (extended string conditions are not supported)",
      conditionNode,
    );
  const levelText = optionalString(map, 'level');
  if (levelText !== undefined && !RULE_LEVELS.includes(levelText as RuleLevel)) {
    throw new DocumentError(
      'invalid-field',
      `level '${levelText}' is not one of ${RULE_LEVELS.join(', ')}`,
      valueNode(map, 'level'),
    );
  }
  const aliasesPlain = toPlain(aliasesNode);
  const conditionPlain = toPlain(conditionNode);
  const rulesNode = valueNode(node, 'rules');
  const groupByNode = valueNode(node, 'group-by');
  const timespanNode = valueNode(node, 'timespan') ?? valueNode(node, 'timeframe');
  const located = (at: Node | null | undefined): Location | undefined =>
    at === undefined || at === null ? undefined : locate(at);
  const locations = {
    ruleItems: isSeq(rulesNode) ? (rulesNode.items as Node[]).map((item) => locate(item)) : [],
    ...optionalEntry('rules', located(rulesNode)),
    ...optionalEntry('groupBy', located(groupByNode)),
    ...optionalEntry('timespan', located(timespanNode)),
    ...optionalEntry('condition', located(conditionNode)),
    ...optionalEntry('aliases', located(aliasesNode)),
  };
  return {
    kind: 'correlation',
    ...base,
    ...(levelText !== undefined ? { level: levelText as RuleLevel } : {}),
    correlationType: type as CorrelationType,
    rules: stringList(node, 'rules'),
    groupBy: stringList(node, 'group-by'),
    timespan,
    generate: isScalar(generateNode) ? generateNode.value === true : false,
    aliases: (aliasesPlain ?? {}) as Record<string, Record<string, string>>,
    condition: (typeof conditionPlain === 'object' && conditionPlain !== null
      ? conditionPlain
      : {}) as Record<string, unknown>,
    locations,
  };
}

function isNullScalar(node: Node): boolean {
  return isScalar(node) && node.value === null;
}

function optionalEntry<K extends string>(key: K, value: Location | undefined): { [P in K]?: Location } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: Location };
}

function parseDetection(
  node: YAMLMap,
  locate: (node: Node | null | undefined) => Location,
  ignoredKeys: ReadonlySet<string>,
): Detection {
  const searches = new Map<string, SearchIdentifier>();
  let conditionNode: Node | null | undefined;
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const value = pair.value as Node | null;
    if (key === 'condition') {
      conditionNode = value;
      continue;
    }
    if (ignoredKeys.has(key)) continue;
    searches.set(key, parseSearch(key, value, locate, pair.key as Node));
  }
  if (conditionNode === undefined || conditionNode === null) {
    throw new DocumentError('missing-field', "the detection has no 'condition'", node);
  }
  const conditionTexts: { text: string; node: Node }[] = [];
  if (isScalar(conditionNode))
    conditionTexts.push({ text: String(conditionNode.value), node: conditionNode });
  else if (isSeq(conditionNode)) {
    for (const item of conditionNode.items) {
      if (!isScalar(item))
        throw new DocumentError('invalid-condition', 'each condition must be a string', item as Node);
      conditionTexts.push({ text: String(item.value), node: item });
    }
  } else
    throw new DocumentError(
      'invalid-condition',
      "'condition' must be a string or a list of strings",
      conditionNode,
    );

  const conditions = conditionTexts.map(({ text, node: textNode }) => {
    let parsed: ConditionNode;
    try {
      parsed = parseCondition(text);
    } catch (error) {
      if (error instanceof ConditionSyntaxError) {
        throw new DocumentError(
          'invalid-condition',
          `${error.message} (at character ${error.position + 1} of '${text}')`,
          textNode,
        );
      }
      throw error;
    }
    checkReferences(parsed, searches, text, textNode);
    return { text, node: parsed };
  });
  return { searches, conditions, location: locate(node) };
}

function checkReferences(
  node: ConditionNode,
  searches: ReadonlyMap<string, SearchIdentifier>,
  text: string,
  at: Node,
): void {
  switch (node.type) {
    case 'and':
    case 'or':
      for (const child of node.children) checkReferences(child, searches, text, at);
      return;
    case 'not':
      checkReferences(node.child, searches, text, at);
      return;
    case 'ref':
      if (!searches.has(node.name)) {
        throw new DocumentError(
          'unknown-identifier',
          `condition '${text}' names '${node.name}', which the detection does not define`,
          at,
        );
      }
      return;
    case 'of': {
      const matches = identifierPatternMatcher(node.pattern);
      if (![...searches.keys()].some(matches)) {
        throw new DocumentError(
          'unknown-identifier',
          `condition '${text}': no search identifier matches '${node.pattern}'`,
          at,
        );
      }
    }
  }
}

function parseSearch(
  name: string,
  node: Node | null,
  locate: (node: Node | null | undefined) => Location,
  keyNode: Node,
): SearchIdentifier {
  const location = locate(keyNode);
  if (node === null || (isScalar(node) && node.value === null)) {
    throw new DocumentError('invalid-search', `search identifier '${name}' is empty`, keyNode);
  }
  if (isMap(node)) return { name, alternatives: [parseGroup(node, locate)], location };
  if (isScalar(node)) {
    return {
      name,
      alternatives: [{ items: [keywordItem([node], locate)], location: locate(node) }],
      location,
    };
  }
  if (isSeq(node)) {
    const alternatives: MatchGroup[] = [];
    const keywords: Node[] = [];
    for (const item of node.items as Node[]) {
      if (isMap(item)) alternatives.push(parseGroup(item, locate));
      else if (isScalar(item)) keywords.push(item);
      else
        throw new DocumentError(
          'invalid-search',
          `search identifier '${name}': nested lists are not allowed`,
          item,
        );
    }
    if (keywords.length > 0)
      alternatives.unshift({ items: [keywordItem(keywords, locate)], location: locate(keywords[0]) });
    if (alternatives.length === 0)
      throw new DocumentError('invalid-search', `search identifier '${name}' is an empty list`, node);
    return { name, alternatives, location };
  }
  throw new DocumentError('invalid-search', `search identifier '${name}' must be a mapping or a list`, node);
}

function keywordItem(nodes: Node[], locate: (node: Node | null | undefined) => Location): FieldMatch {
  return { field: null, modifiers: [], values: nodes.map(scalarValue), location: locate(nodes[0]) };
}

function parseGroup(node: YAMLMap, locate: (node: Node | null | undefined) => Location): MatchGroup {
  const items: FieldMatch[] = [];
  for (const pair of node.items) {
    const keyNode = pair.key as Node;
    const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
    const [fieldPart, ...modifierParts] = key.split('|');
    const modifiers: ModifierName[] = [];
    for (const modifier of modifierParts) {
      if (!MODIFIERS.has(modifier)) {
        throw new DocumentError('unknown-modifier', `unknown modifier '${modifier}' in '${key}'`, keyNode);
      }
      modifiers.push(modifier as ModifierName);
    }
    const valueNodeOf = pair.value as Node | null;
    let values: SigmaValue[];
    if (valueNodeOf === null) values = [{ kind: 'null' }];
    else if (isScalar(valueNodeOf)) values = [scalarValue(valueNodeOf)];
    else if (isSeq(valueNodeOf)) {
      values = (valueNodeOf.items as Node[]).map((item) => {
        if (!isScalar(item))
          throw new DocumentError('invalid-value', `values of '${key}' must be scalars`, item);
        return scalarValue(item);
      });
      if (values.length === 0)
        throw new DocumentError('invalid-value', `'${key}' has an empty list of values`, valueNodeOf);
    } else
      throw new DocumentError(
        'invalid-value',
        `the value of '${key}' must be a scalar or a list of scalars`,
        valueNodeOf,
      );
    items.push({ field: fieldPart === '' ? null : fieldPart!, modifiers, values, location: locate(keyNode) });
  }
  return { items, location: locate(node) };
}

function scalarValue(node: Node): SigmaValue {
  if (!isScalar(node)) throw new DocumentError('invalid-value', 'expected a scalar value', node);
  const value = node.value;
  if (value === null || value === undefined) return { kind: 'null' };
  if (typeof value === 'boolean') return { kind: 'boolean', value };
  if (typeof value === 'number' || typeof value === 'bigint') {
    const raw = node.source ?? String(value);
    return { kind: 'number', value: Number(value), raw };
  }
  if (typeof value === 'string') return { kind: 'string', value };
  return { kind: 'string', value: scalarText(value) };
}
