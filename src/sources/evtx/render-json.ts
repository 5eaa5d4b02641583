/**
 * Renders parsed BinXml into the JSON object `evtx_dump -o json` (the Rust `evtx` crate, 0.10+) writes for a
 * record:
 *
 *   <Event xmlns="…"><System><EventID>4624</EventID>…</System><EventData><Data Name="X">v</Data>…
 *   → {"Event": {"#attributes": {"xmlns": "…"}, "System": {"EventID": 4624, …}, "EventData": {"X": v, …}}}
 *
 * The rules (evtx's `ir_json.rs`):
 * - an element is `null` when it has no child element, no text and no attribute with text; a scalar when it
 *   has only text (a number or boolean when that text is a single integer/boolean value, else the text
 *   joined as a string); otherwise an object with `#attributes` (attributes without text left out), `#text`
 *   (the element's own text) and its child elements;
 * - repeated child names get suffixes in document order: `Header`, `Header_1`, `Header_2`;
 * - in `EventData`/`UserData`, when some `Data` has a non-empty `Name`, each named `Data` becomes
 *   `Name: value` (`""` when empty) and unnamed ones are dropped; otherwise the `Data` elements become
 *   `Data: {"#text": value}` (an array of values when there are several);
 * - an optional substitution with an empty value (null, "", empty binary or array) is left out entirely;
 * - character and entity references stay as `&#N;` / `&name;` in the text.
 *
 * Keys come from the file, so writes go through `put`, which never touches `Object.prototype` (an element
 * named `__proto__` is just data).
 *
 * This is the reference interpreter. Elements of templates that are rendered often get generated renderers
 * (json-jit.ts) with the same output; `elementValue`/`dataValue` hand an element to its generated renderer
 * when there is one, and the generated code hands back to `genericElementValue`/`genericDataValue` whatever
 * shape it does not cover.
 */
import type { ChunkParser, ValueTable, XAttr, XElement, XInstance, XNode } from './binxml.js';
import { K, MAX_DEPTH } from './binxml.js';
import type { ElementFn, JsonRuntime, NestedRoot, RenderMode } from './json-jit.js';
import { compileElement, jitSettings, MODE_CONTAINER, MODE_DATA, MODE_VALUE } from './json-jit.js';
import { ChildKeys, findAttr, isDataContainer, put } from './json-shape.js';
import { decodeValue, isEmptyValue, isNumericType, jsonValue, jsonValueText, VT } from './values.js';

export { findAttr, isDataContainer } from './json-shape.js';

type Obj = Record<string, unknown>;

const EMPTY_VALUES: ValueTable = [];
/** Bound on nodes visited per record: a crafted record can re-instantiate big templates many times. */
export const MAX_RECORD_WORK = 2_000_000;

/** Marker for "not the simple case" (never a JSON value). */
const NOT_SIMPLE = Symbol('not simple');

const RE = 0; // resolved child element: [RE, element, values]
const RV = 1; // resolved value: [RV, type, offset, size]
const RT = 2; // resolved literal node: [RT, node]

/**
 * An element's content after templates, substitutions and nested BinXml are resolved, flattened as
 * groups of four slots: kind, then (element, values, –) or (type, offset, size) or (node, –, –).
 */
type Resolved = unknown[];

/**
 * Resolves BinXml content (shared by the JSON and XML renderers): substitutions become values (optional
 * empty ones vanish), nested BinXml becomes its root element, template instances their content.
 */
export class ContentResolver {
  private work = 0;

  constructor(readonly parser: ChunkParser) {}

  reset(): void {
    this.work = 0;
  }

  tick(depth: number): void {
    if (++this.work > MAX_RECORD_WORK) {
      this.parser.fail(`record expands to more than ${MAX_RECORD_WORK} nodes`, this.parser.base);
    }
    if (depth > MAX_DEPTH)
      this.parser.fail(`record nested deeper than ${MAX_DEPTH} levels`, this.parser.base);
  }

  resolve(nodes: readonly XNode[], values: ValueTable, depth: number, out: Resolved = []): Resolved {
    for (let n = 0; n < nodes.length; n++) {
      const node = nodes[n]!;
      switch (node.k) {
        case K.Element:
          out.push(RE, node, values, 0);
          break;
        case K.Subst: {
          const i = node.index * 3;
          if (i >= values.length) break;
          const offset = values[i]!;
          const size = values[i + 1]!;
          const type = values[i + 2]!;
          if (node.optional && isEmptyValue(this.parser.buf, type, offset, size)) break;
          if (type === VT.BinXml || type === VT.EvtXml) {
            if (size === 0) break;
            const root = this.nestedRoot(offset, size, depth + 1);
            out.push(RE, root[0], root[1], 0);
          } else {
            out.push(RV, type, offset, size);
          }
          break;
        }
        case K.Instance:
          this.tick(depth);
          this.resolve(node.template.nodes, node.values, depth + 1, out);
          break;
        default:
          out.push(RT, node, 0, 0);
      }
    }
    return out;
  }

  /** The root element (and its values) of a BinXml stream at [offset, offset+size). */
  nestedRoot(offset: number, size: number, depth: number): [XElement, ValueTable] {
    this.tick(depth);
    const instance = this.parser.instanceStream(offset, offset + size, depth);
    if (instance !== undefined && instance.template.root !== null) {
      // What resolving [instance] does when the template's top level needs no value.
      this.tick(depth + 1);
      return [instance.template.root, instance.values];
    }
    const nodes = this.parser.parse(offset, offset + size, false, depth);
    const resolved = this.resolve(nodes, EMPTY_VALUES, depth + 1);
    for (let i = 0; i < resolved.length; i += 4) {
      if (resolved[i] === RE) return [resolved[i + 1] as XElement, resolved[i + 2] as ValueTable];
    }
    return this.parser.fail('BinXml value holds no element', offset);
  }

  /** True when the content has text: non-empty literal text, a non-empty value, or a reference. */
  hasText(r: Resolved): boolean {
    for (let i = 0; i < r.length; i += 4) {
      const kind = r[i];
      if (kind === RV) {
        if (!isEmptyValue(this.parser.buf, r[i + 1] as number, r[i + 2] as number, r[i + 3] as number))
          return true;
      } else if (kind === RT) {
        const node = r[i + 1] as XNode;
        if (node.k === K.CharRef || node.k === K.Entity) return true;
        if ((node.k === K.Text || node.k === K.CData) && node.text !== '') return true;
      }
    }
    return false;
  }

  hasElement(r: Resolved): boolean {
    for (let i = 0; i < r.length; i += 4) if (r[i] === RE) return true;
    return false;
  }

  /** The content's text, elements skipped. `xml` escapes literal text and values for XML. */
  text(r: Resolved): string {
    let text = '';
    const p = this.parser;
    for (let i = 0; i < r.length; i += 4) {
      const kind = r[i];
      if (kind === RV) {
        text += jsonValueText(
          decodeValue(p.buf, p.dv, r[i + 1] as number, r[i + 2] as number, r[i + 3] as number, false),
        );
      } else if (kind === RT) {
        text += literalText(r[i + 1] as XNode);
      }
    }
    return text;
  }
}

export function literalText(node: XNode): string {
  switch (node.k) {
    case K.Text:
    case K.CData:
      return node.text;
    case K.CharRef:
      return `&#${node.code};`;
    case K.Entity:
      return `&${node.name};`;
    default:
      return '';
  }
}

export class JsonRenderer extends ContentResolver implements JsonRuntime {
  /** `render([instance])` for a record whose body is one template instance (`instanceStream`). */
  renderInstance(instance: XInstance): Obj {
    const root = instance.template.root;
    if (root === null) return this.render([instance]);
    this.reset();
    this.tick(0);
    const out: Obj = {};
    put(out, root.name, this.elementValue(root, instance.values, false, 1));
    return out;
  }

  /** The JSON object of a record whose body parsed into `nodes`. Throws BinXmlError for bad data. */
  render(nodes: readonly XNode[]): Obj {
    this.reset();
    const top = this.resolve(nodes, EMPTY_VALUES, 0);
    for (let i = 0; i < top.length; i += 4) {
      if (top[i] === RE) {
        const root = top[i + 1] as XElement;
        const out: Obj = {};
        put(out, root.name, this.elementValue(root, top[i + 2] as ValueTable, false, 1));
        return out;
      }
    }
    return this.parser.fail('record holds no element', this.parser.base);
  }

  /**
   * Fast path for the common `<X>{value}</X>` / `<X>text</X>` (no attributes, one child): the JSON value
   * without resolving into an array; NOT_SIMPLE when the general path is needed.
   */
  private simple(children: readonly XNode[], values: ValueTable, emptyAs: unknown): unknown {
    if (children.length === 0) return emptyAs;
    if (children.length !== 1) return NOT_SIMPLE;
    const node = children[0]!;
    if (node.k === K.Text) return node.text === '' ? emptyAs : node.text;
    if (node.k !== K.Subst) return NOT_SIMPLE;
    const i = node.index * 3;
    if (i >= values.length) return emptyAs;
    const type = values[i + 2]!;
    if (type === VT.BinXml || type === VT.EvtXml) return NOT_SIMPLE;
    const offset = values[i]!;
    const size = values[i + 1]!;
    const p = this.parser;
    return jsonValue(p.buf, p.dv, type, offset, size, emptyAs);
  }

  /** `elementValue` by the element's generated renderer when it has one (compiling it once it is hot). */
  private elementValue(el: XElement, values: ValueTable, container: boolean, depth: number): unknown {
    const mode = container ? MODE_CONTAINER : MODE_VALUE;
    const fn = this.generated(el, mode);
    if (fn !== undefined) return fn(this, values, depth);
    return this.genericElementValue(el, values, container, depth);
  }

  private dataValue(el: XElement, values: ValueTable, depth: number): unknown {
    const fn = this.generated(el, MODE_DATA);
    if (fn !== undefined) return fn(this, values, depth);
    return this.genericDataValue(el, values, depth);
  }

  private generated(el: XElement, mode: RenderMode): ElementFn | undefined {
    if (!jitSettings.enabled) return undefined;
    let fn = el.jit?.[mode];
    if (fn === undefined && ++el.hits >= jitSettings.threshold) {
      compileElement(el, mode);
      fn = el.jit?.[mode];
    }
    return fn ?? undefined;
  }

  // ---- called by generated renderers ----

  sv(values: ValueTable, index: number, emptyAs: unknown): unknown {
    const i = index * 3;
    if (i >= values.length) return emptyAs;
    const p = this.parser;
    return jsonValue(p.buf, p.dv, values[i + 2]!, values[i]!, values[i + 1]!, emptyAs);
  }

  svt(values: ValueTable, index: number, emptyAs: unknown): unknown {
    const i = index * 3;
    if (i >= values.length) return emptyAs;
    const type = values[i + 2]!;
    const p = this.parser;
    const value = jsonValue(p.buf, p.dv, type, values[i]!, values[i + 1]!, emptyAs);
    return value === null && !isNumericType(type) ? '' : value;
  }

  bx(values: ValueTable, index: number): boolean {
    const i = index * 3;
    if (i >= values.length) return false;
    const type = values[i + 2]!;
    return type === VT.BinXml || type === VT.EvtXml;
  }

  sk(values: ValueTable, index: number, optional: boolean): boolean {
    const i = index * 3;
    if (i >= values.length) return false;
    const type = values[i + 2]!;
    if (type === VT.BinXml || type === VT.EvtXml) return false;
    return !optional || !isEmptyValue(this.parser.buf, type, values[i]!, values[i + 1]!);
  }

  nested(values: ValueTable, index: number, depth: number): NestedRoot | undefined {
    const i = index * 3;
    if (i >= values.length) return undefined;
    const type = values[i + 2]!;
    const size = values[i + 1]!;
    // As resolve(): anything but BinXml here is an optional empty value (`sk` let nothing else through),
    // and empty BinXml is nothing.
    if ((type !== VT.BinXml && type !== VT.EvtXml) || size === 0) return undefined;
    return this.nestedRoot(values[i]!, size, depth);
  }

  nestedValue(root: NestedRoot, depth: number): unknown {
    return this.elementValue(root[0], root[1], isDataContainer(root[0].name), depth);
  }

  keys(): ChildKeys {
    return new ChildKeys();
  }

  put(obj: Obj, key: string, value: unknown): void {
    put(obj, key, value);
  }

  genericElementValue(el: XElement, values: ValueTable, container: boolean, depth: number): unknown {
    this.tick(depth);
    if (el.attrs.length === 0) {
      const quick = this.simple(el.children, values, null);
      if (quick !== NOT_SIMPLE) return quick;
    }
    const r = this.resolve(el.children, values, depth);
    const hasElement = this.hasElement(r);
    const attrsText = el.attrs.length > 0 && this.anyAttrText(el.attrs, values, depth);
    if (!hasElement && !attrsText) {
      if (!this.hasText(r)) return null;
      return this.scalar(r);
    }
    return this.body(el, values, r, container, depth);
  }

  /** A single integer/boolean value as a JSON number/boolean; anything else as the joined text. */
  private scalar(r: Resolved): unknown {
    if (r.length === 4 && r[0] === RV && isNumericType(r[1] as number)) {
      const p = this.parser;
      return decodeValue(p.buf, p.dv, r[1] as number, r[2] as number, r[3] as number, true);
    }
    return this.text(r);
  }

  /** `#text` of an object element: like `scalar`, but child elements and empty values are ignored. */
  private ownText(r: Resolved): unknown {
    let single = -1;
    for (let i = 0; i < r.length; i += 4) {
      const kind = r[i];
      if (kind === RE) continue;
      if (kind === RT) {
        const node = r[i + 1] as XNode;
        if (node.k === K.PI || ((node.k === K.Text || node.k === K.CData) && node.text === '')) continue;
        return this.text(r);
      }
      if (isEmptyValue(this.parser.buf, r[i + 1] as number, r[i + 2] as number, r[i + 3] as number)) continue;
      if (single >= 0) return this.text(r);
      single = i;
    }
    if (single >= 0 && isNumericType(r[single + 1] as number)) {
      const p = this.parser;
      return decodeValue(
        p.buf,
        p.dv,
        r[single + 1] as number,
        r[single + 2] as number,
        r[single + 3] as number,
        true,
      );
    }
    return this.text(r);
  }

  private anyAttrText(attrs: readonly XAttr[], values: ValueTable, depth: number): boolean {
    for (let i = 0; i < attrs.length; i++) {
      const quick = this.simple(attrs[i]!.parts, values, undefined);
      if (
        quick === NOT_SIMPLE
          ? this.hasText(this.resolve(attrs[i]!.parts, values, depth))
          : quick !== undefined
      )
        return true;
    }
    return false;
  }

  private attributes(attrs: readonly XAttr[], values: ValueTable, depth: number): Obj | undefined {
    let object: Obj | undefined;
    for (let i = 0; i < attrs.length; i++) {
      const attr = attrs[i]!;
      const quick = this.simple(attr.parts, values, undefined);
      if (quick !== NOT_SIMPLE) {
        if (quick === undefined) continue;
        object ??= {};
        put(object, attr.name, quick);
        continue;
      }
      const r = this.resolve(attr.parts, values, depth);
      if (!this.hasText(r)) continue;
      object ??= {};
      put(object, attr.name, this.scalar(r));
    }
    return object;
  }

  private body(el: XElement, values: ValueTable, r: Resolved, container: boolean, depth: number): Obj {
    const obj: Obj = {};
    if (el.attrs.length > 0) {
      const attrs = this.attributes(el.attrs, values, depth);
      if (attrs !== undefined) obj['#attributes'] = attrs;
    }
    if (this.hasText(r)) obj['#text'] = this.ownText(r);

    let flatten = false;
    let dataCount = 0;
    if (container) {
      for (let i = 0; i < r.length; i += 4) {
        if (r[i] !== RE || (r[i + 1] as XElement).name !== 'Data') continue;
        dataCount++;
        const nameAttr = findAttr((r[i + 1] as XElement).attrs, 'Name');
        if (
          nameAttr !== undefined &&
          this.hasText(this.resolve(nameAttr.parts, r[i + 2] as ValueTable, depth))
        )
          flatten = true;
      }
    }
    let dataDone = false;
    let keys: ChildKeys | undefined;
    for (let i = 0; i < r.length; i += 4) {
      if (r[i] !== RE) continue;
      const child = r[i + 1] as XElement;
      const childValues = r[i + 2] as ValueTable;
      if (container && child.name === 'Data') {
        if (flatten) {
          const nameAttr = findAttr(child.attrs, 'Name');
          if (nameAttr === undefined) continue;
          const nameParts = this.resolve(nameAttr.parts, childValues, depth);
          if (!this.hasText(nameParts)) continue;
          put(obj, this.text(nameParts), this.dataValue(child, childValues, depth + 1));
        } else if (!dataDone) {
          dataDone = true;
          let text: unknown;
          if (dataCount === 1) text = this.dataValue(child, childValues, depth + 1);
          else {
            const list: unknown[] = [];
            for (let j = i; j < r.length; j += 4) {
              if (r[j] === RE && (r[j + 1] as XElement).name === 'Data') {
                list.push(this.dataValue(r[j + 1] as XElement, r[j + 2] as ValueTable, depth + 1));
              }
            }
            text = list;
          }
          obj['Data'] = { '#text': text };
        }
        continue;
      }
      const key = (keys ??= new ChildKeys()).key(child.name);
      put(obj, key, this.elementValue(child, childValues, isDataContainer(child.name), depth + 1));
    }
    return obj;
  }

  /** A `Data` element's value: "" when empty, its scalar, or an object when it has child elements. */
  genericDataValue(el: XElement, values: ValueTable, depth: number): unknown {
    this.tick(depth);
    const quick = this.simple(el.children, values, '');
    if (quick !== NOT_SIMPLE) return quick;
    const r = this.resolve(el.children, values, depth);
    const hasElement = this.hasElement(r);
    if (hasElement) return this.body(el, values, r, false, depth);
    if (!this.hasText(r)) return '';
    return this.scalar(r);
  }
}
