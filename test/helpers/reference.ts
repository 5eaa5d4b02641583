/**
 * Reference evaluation of a whole rule on one event: the logsource conditions of the mapping checked
 * explicitly (no buckets, no prefilter), then the AST interpreted. Used by differential tests only.
 */
import type { EventView } from '../../src/events/field-resolver.js';
import { defaultMapping, resolveLogsource, unsupportedFields } from '../../src/mapping/mapping.js';
import type { LogsourceResolution, MappingPipeline } from '../../src/mapping/mapping.js';
import type { CompiledRule } from '../../src/sigma/compile/compile-rules.js';
import { fieldsReadNegatively } from '../../src/sigma/compile/compile-rules.js';
import { referenceDetectionMatches } from '../../src/sigma/reference/interpreter.js';

let mapping: MappingPipeline | undefined;
const resolutions = new WeakMap<CompiledRule, LogsourceResolution>();

export function referenceRuleMatches(
  rule: CompiledRule,
  view: EventView,
  placeholders: ReadonlyMap<string, readonly string[]>,
  eventClass?: string,
): boolean {
  mapping ??= defaultMapping();
  const document = rule.document;
  if (document === undefined)
    throw new Error('the reference interpreter needs rules compiled with their documents');
  let resolution = resolutions.get(rule);
  if (resolution === undefined)
    resolutions.set(rule, (resolution = resolveLogsource(mapping, document.logsource)));
  const channel = view.channel()?.toLowerCase();
  const detect = (renames: Readonly<Record<string, string>>): boolean =>
    referenceDetectionMatches(document.detection, view, {
      renames: new Map(Object.entries(renames)),
      placeholders,
    });
  const conditionsHold = (conditions: readonly { field: string; values: readonly string[] }[]): boolean =>
    conditions.every((condition) => {
      const value = view.get(condition.field);
      return (
        (typeof value === 'string' || typeof value === 'number') &&
        condition.values.some((expected) => expected.toLowerCase() === String(value).toLowerCase())
      );
    });
  // Events of a text log class are matched by the class variants only.
  if (eventClass !== undefined) {
    return resolution.classes.some(
      (variant) =>
        variant.classes.includes(eventClass) &&
        conditionsHold(variant.conditions) &&
        detect(variant.fieldRenames),
    );
  }
  if (resolution.kind === 'generic') return channel === undefined && detect(resolution.variant.fieldRenames);
  if (resolution.kind === 'unknown-windows')
    return channel !== undefined && detect(resolution.variant.fieldRenames);
  if (channel === undefined)
    return resolution.nonWindows !== undefined && detect(resolution.nonWindows.fieldRenames);
  const eventId = view.eventId();
  const fields = fieldsReadNegatively(document.detection);
  for (const variant of resolution.variants) {
    if (unsupportedFields(variant, fields).length > 0) continue;
    if (!variant.channels.some((name) => name.toLowerCase() === channel)) continue;
    if (variant.eventIds.length > 0 && (eventId === undefined || !variant.eventIds.includes(eventId)))
      continue;
    if (conditionsHold(variant.conditions) && detect(variant.fieldRenames)) return true;
  }
  return false;
}
