/**
 * JSON renderers generated per template element: once an element of a template has been rendered a few
 * times, its subtree is compiled into JavaScript functions that build the evtx_dump JSON with object
 * literals whose keys are fixed (the element and attribute names of the template), instead of walking the
 * node tree, resolving content into arrays and adding keys one by one. For a System element:
 *
 *   function f1(R, v, d) {
 *     R.tick(d);
 *     return {"Provider": f2(R, v, d + 1),
 *       "EventID": (R.bx(v, 3) ? R.genericElementValue(E[2], v, false, d + 1) : (R.tick(d + 1), R.sv(v, 3, null))), …};
 *   }
 *
 * Only shapes whose output the template decides are compiled: leaves (`<X>{v}</X>`, `<X a="{v}"/>`, text),
 * elements whose children are all elements with plain attributes, and elements whose children are elements
 * and nested BinXml (`<Event><System>…</System>{BinXml}</Event>`). What depends on the values is
 * decided at run time exactly as the interpreter (render-json.ts) decides it: empty values, attributes
 * that vanish, and a substitution holding nested BinXml, for which the function hands the element to the
 * interpreter (`R.bx` guard, checked before anything is counted or decoded, so the interpreter starts
 * from the same state). Every other shape is left to the interpreter, which in turn calls the generated
 * functions of the element's children. Both paths tick the record's work counter at the same points and
 * decode values in the same order (so the first value problem reported is the same).
 *
 * Why generating code from file data is safe here:
 * - substitution values (event data) never reach the source text: the generated functions read them at
 *   run time from the value table `v` and the chunk buffer, through `R.sv`/`R.svt`;
 * - literal text of the template is passed in the constant array `K`, and nodes in `E`, not spliced;
 * - the only file-derived text in the source is element and attribute names used as object-literal keys,
 *   written with `JSON.stringify`, which always yields one double-quoted string literal (quotes,
 *   backslashes, control characters and lone surrogates escaped; U+2028/U+2029 are escaped as well), so
 *   a name cannot end the literal; `__proto__` is written as a computed key so it defines a property
 *   instead of setting the prototype, as `put` does;
 * - every other piece of source is fixed text or an integer (substitution indices, array positions).
 * Generated code is bounded per compilation and per thread (`MAX_SOURCE_CHARS`); compiled functions live on
 * the template's nodes, and so are dropped with the template.
 */
import type { ValueTable, XAttr, XElement, XNode, XSubst } from './binxml.js';
import { K as NodeKind } from './binxml.js';
import type { ChildKeys } from './json-shape.js';
import { ChildKeys as StaticKeys, findAttr, isDataContainer } from './json-shape.js';

/** A nested BinXml value's root element and its substitution values. */
export type NestedRoot = [XElement, ValueTable];

/** `elementValue(el, container = false)`. */
export const MODE_VALUE = 0;
/** `elementValue(el, container = true)`: an `EventData`/`UserData` element. */
export const MODE_CONTAINER = 1;
/** `dataValue(el)`: a `Data` element of a container. */
export const MODE_DATA = 2;
export type RenderMode = typeof MODE_VALUE | typeof MODE_CONTAINER | typeof MODE_DATA;

/** What generated functions call: the JSON interpreter (render-json.ts). */
export interface JsonRuntime {
  /** Counts one node of the record's work and checks the depth (throws past the bounds). */
  tick(depth: number): void;
  /** JSON value of substitution `index` (not nested BinXml), `emptyAs` when absent or empty. */
  sv(values: ValueTable, index: number, emptyAs: unknown): unknown;
  /** Like `sv`, but non-numeric values as text ('' for an undecodable one): an element's or attribute's text. */
  svt(values: ValueTable, index: number, emptyAs: unknown): unknown;
  /** True when substitution `index` holds nested BinXml. */
  bx(values: ValueTable, index: number): boolean;
  /** True when substitution `index`, as element content, is a value (not nothing, not nested BinXml). */
  sk(values: ValueTable, index: number, optional: boolean): boolean;
  /** The root element (and values) of the nested BinXml in substitution `index`; undefined when it has none. */
  nested(values: ValueTable, index: number, depth: number): NestedRoot | undefined;
  /** The value of a nested BinXml root element (by its generated renderer when it has one). */
  nestedValue(root: NestedRoot, depth: number): unknown;
  keys(): ChildKeys;
  put(obj: Record<string, unknown>, key: string, value: unknown): void;
  genericElementValue(el: XElement, values: ValueTable, container: boolean, depth: number): unknown;
  genericDataValue(el: XElement, values: ValueTable, depth: number): unknown;
}

export type ElementFn = (runtime: JsonRuntime, values: ValueTable, depth: number) => unknown;

/** Per render mode: the generated function, null when the interpreter renders that shape, undefined before compiling. */
export type ElementJit = [
  ElementFn | null | undefined,
  ElementFn | null | undefined,
  ElementFn | null | undefined,
];

/**
 * Compile an element after this many renderings without a generated function (templates used once or
 * twice are not worth compiling). `enabled` false makes the renderer ignore generated functions; both are
 * for tests that compare the two paths.
 */
export const jitSettings = { threshold: 8, enabled: true };

/** What has been generated so far in this thread (for tests and benchmarks). */
export const jitStats = { compilations: 0, functions: 0, sourceChars: 0 };

/**
 * Bounds on generated code, against files crafted with thousands of huge templates: one compilation (the
 * largest in the sample corpus is 4 KB), and all of this thread's (the whole corpus generates 0.5 MB).
 * Past them elements are left to the interpreter.
 */
const MAX_SOURCE_CHARS = 512 * 1024;
const MAX_TOTAL_SOURCE_CHARS = 64 * 1024 * 1024;

/** Generates renderers for `el` in `mode` and for every element below it, and attaches them to the nodes. */
export function compileElement(el: XElement, mode: RenderMode): void {
  const compiler = new Compiler();
  compiler.fn(el, mode);
  compiler.install();
}

interface Made {
  readonly el: XElement;
  readonly mode: RenderMode;
  name: string | null;
}

/** An attribute's value in generated code: a constant expression, or a local that may be undefined. */
interface AttrValue {
  readonly key: string;
  readonly expr: string;
  readonly dynamic: boolean;
}

const TEXT_KEY = JSON.stringify('#text');
const ATTRIBUTES_KEY = JSON.stringify('#attributes');

class Compiler {
  private readonly elements: XElement[] = [];
  private readonly elementIndex = new Map<XElement, number>();
  /** Constants of the generated code: literal text, and the key state of `withNested`. */
  private readonly constants: unknown[] = [];
  private readonly code: string[] = [];
  private readonly made: Made[] = [];
  private readonly memo = new Map<XElement, (string | null)[]>();

  /** Name of the generated function for `el` in `mode`, or null when the interpreter must render it. */
  fn(el: XElement, mode: RenderMode): string | null {
    let byMode = this.memo.get(el);
    if (byMode === undefined) {
      byMode = [];
      this.memo.set(el, byMode);
    }
    const known = byMode[mode];
    if (known !== undefined) return known;
    const made: Made = { el, mode, name: null };
    this.made.push(made);
    const name = `f${this.made.length - 1}`;
    const body = this.body(el, mode);
    if (body !== null) {
      made.name = name;
      this.code.push(`function ${name}(R, v, d) {\n${body}\n}`);
    }
    byMode[mode] = made.name;
    return made.name;
  }

  install(): void {
    const names = this.made.map((m) => m.name ?? 'null').join(', ');
    const source = `'use strict';\n${this.code.join('\n')}\nreturn [${names}];`;
    let fns: (ElementFn | null)[] = [];
    if (source.length <= MAX_SOURCE_CHARS && jitStats.sourceChars + source.length <= MAX_TOTAL_SOURCE_CHARS) {
      // eslint-disable-next-line @typescript-eslint/no-implied-eval -- see the module comment on why this is safe
      const factory = new Function('E', 'K', source) as (e: XElement[], k: unknown[]) => (ElementFn | null)[];
      fns = factory(this.elements, this.constants);
      jitStats.compilations++;
      jitStats.functions += this.code.length;
      jitStats.sourceChars += source.length;
    }
    this.made.forEach((m, i) => {
      const jit: ElementJit = (m.el.jit ??= [undefined, undefined, undefined]);
      if (jit[m.mode] === undefined) jit[m.mode] = fns[i] ?? null;
    });
  }

  private body(el: XElement, mode: RenderMode): string | null {
    const children = el.children;
    const leaf = isLeaf(children);
    if (mode === MODE_DATA) {
      // dataValue: a leaf ignores the attributes; element content renders like any object element.
      if (leaf) return this.leaf(el, mode, "''");
      return allElements(children) ? this.object(el, mode) : null;
    }
    if (el.attrs.length === 0 && leaf) return this.leaf(el, mode, 'null');
    if (leaf) return this.leafWithAttributes(el, mode);
    if (allElements(children)) return this.object(el, mode);
    return mode === MODE_VALUE ? this.withNested(el, mode) : null;
  }

  /** `<X/>`, `<X>text</X>`, `<X>{v}</X>` with no attribute to render: the value itself. */
  private leaf(el: XElement, mode: RenderMode, emptyAs: string): string {
    const node = el.children[0];
    if (node === undefined) return `R.tick(d);\nreturn ${emptyAs};`;
    if (node.k === NodeKind.Text)
      return `R.tick(d);\nreturn ${node.text === '' ? emptyAs : this.str(node.text)};`;
    const index = (node as XSubst).index;
    return `${this.guard([index], el, mode)}R.tick(d);\nreturn R.sv(v, ${index}, ${emptyAs});`;
  }

  /** `<X a="…" b="{v}">{v}</X>`: null, the text, or `{"#attributes": {…}, "#text": …}`. */
  private leafWithAttributes(el: XElement, mode: RenderMode): string | null {
    const attrs = this.attrValues(el.attrs);
    if (attrs === null) return null;
    const substs = attrs.substs;
    const node = el.children[0];
    let text = 'undefined';
    if (node?.k === NodeKind.Text) {
      if (node.text !== '') text = this.str(node.text);
    } else if (node?.k === NodeKind.Subst) {
      substs.push(node.index);
      text = `R.svt(v, ${node.index}, undefined)`;
    }
    const lines = [this.guard(substs, el, mode) + 'R.tick(d);', ...attrs.decls, `const t = ${text};`];
    const values = attrs.values;
    if (!values.some((a) => !a.dynamic)) {
      const none = values.length === 0 ? 'true' : values.map((a) => `${a.expr} === undefined`).join(' && ');
      lines.push(`if (${none}) return t === undefined ? null : t;`);
    }
    if (values.length > 0) {
      lines.push(...this.attributesObject(values));
      lines.push(`return t === undefined ? {${ATTRIBUTES_KEY}: A} : {${ATTRIBUTES_KEY}: A, ${TEXT_KEY}: t};`);
    }
    return lines.join('\n');
  }

  /** An element whose children are all elements: an object of `#attributes` and the children's values. */
  private object(el: XElement, mode: RenderMode): string | null {
    const attrs = this.attrValues(el.attrs);
    if (attrs === null) return null;
    const entries = this.childEntries(el.children, mode === MODE_CONTAINER);
    if (entries === null) return null;
    const lines = [this.guard(attrs.substs, el, mode) + 'R.tick(d);', ...attrs.decls];
    const values = attrs.values;
    const body = entries.join(', ');
    if (values.length === 0) {
      lines.push(`return {${body}};`);
      return lines.join('\n');
    }
    lines.push(...this.attributesObject(values));
    const withAttributes = `{${ATTRIBUTES_KEY}: A${body === '' ? '' : `, ${body}`}}`;
    if (values.some((a) => !a.dynamic)) lines.push(`return ${withAttributes};`);
    else lines.push(`return A === undefined ? {${body}} : ${withAttributes};`);
    return lines.join('\n');
  }

  /**
   * Children that are elements and substitutions, at least one element: an object whose keys after the
   * first substitution depend on the nested roots' names. A substitution that is a plain value (which
   * would add `#text`) hands the element to the interpreter. As in the interpreter, the nested BinXml is
   * parsed first, then the attributes are decoded, then the children's values are made in order.
   */
  private withNested(el: XElement, mode: RenderMode): string | null {
    const children = el.children;
    if (!children.some((c) => c.k === NodeKind.Element)) return null;
    if (!children.every((c) => c.k === NodeKind.Element || c.k === NodeKind.Subst)) return null;
    const attrs = this.attrValues(el.attrs);
    if (attrs === null) return null;
    const substs = children.filter((c): c is XSubst => c.k === NodeKind.Subst);
    const tests = [
      ...attrs.substs.map((i) => `R.bx(v, ${i})`),
      ...substs.map((c) => `R.sk(v, ${c.index}, ${c.optional})`),
    ];
    const lines = [`if (${tests.join(' || ')}) return ${this.generic(el, mode, 'd')};`, 'R.tick(d);'];
    substs.forEach((c, k) => lines.push(`const n${k} = R.nested(v, ${c.index}, d + 1);`));
    lines.push(...attrs.decls);
    const firstSubst = children.findIndex((c) => c.k === NodeKind.Subst);
    const prefix = children.slice(0, firstSubst) as XElement[];
    const keys = new StaticKeys();
    const entries = prefix.map(
      (c) =>
        `${objectKey(keys.key(c.name))}: ${this.call(c, isDataContainer(c.name) ? MODE_CONTAINER : MODE_VALUE)}`,
    );
    const body = entries.join(', ');
    const values = attrs.values;
    if (values.length === 0) lines.push(`const o = {${body}};`);
    else {
      lines.push(...this.attributesObject(values));
      const withAttributes = `{${ATTRIBUTES_KEY}: A${body === '' ? '' : `, ${body}`}}`;
      if (values.some((a) => !a.dynamic)) lines.push(`const o = ${withAttributes};`);
      else lines.push(`const o = A === undefined ? {${body}} : ${withAttributes};`);
    }
    const rest = children.slice(firstSubst);
    if (rest.length === 1) {
      // Only the nested root's key is left to name: the prefix's names are known now.
      lines.push(
        `if (n0 !== undefined) R.put(o, K[${this.constant(keys)}].peek(n0[0].name), R.nestedValue(n0, d + 1));`,
      );
      lines.push('return o;');
      return lines.join('\n');
    }
    lines.push('const ks = R.keys();');
    for (const c of prefix) lines.push(`ks.key(${this.str(c.name)});`);
    let k = 0;
    for (const c of rest) {
      if (c.k === NodeKind.Subst) {
        const n = `n${k++}`;
        lines.push(`if (${n} !== undefined) R.put(o, ks.key(${n}[0].name), R.nestedValue(${n}, d + 1));`);
      } else if (c.k === NodeKind.Element) {
        const mode = isDataContainer(c.name) ? MODE_CONTAINER : MODE_VALUE;
        lines.push(`R.put(o, ks.key(${this.str(c.name)}), ${this.call(c, mode)});`);
      }
    }
    lines.push('return o;');
    return lines.join('\n');
  }

  /**
   * `key: value` entries for child elements, as the interpreter's body() names them; null when a `Data`
   * element's `Name` is not plain text (the keys would depend on values).
   */
  private childEntries(children: readonly XNode[], container: boolean): string[] | null {
    const elements = children as readonly XElement[];
    let flatten = false;
    const data: XElement[] = [];
    if (container) {
      for (const child of elements) {
        if (child.name !== 'Data') continue;
        data.push(child);
        const nameAttr = findAttr(child.attrs, 'Name');
        if (nameAttr === undefined) continue;
        const name = plainText(nameAttr.parts);
        if (name === null) return null;
        if (name !== '') flatten = true;
      }
    }
    const entries: string[] = [];
    const keys = new StaticKeys();
    let dataDone = false;
    for (const child of elements) {
      if (container && child.name === 'Data') {
        if (flatten) {
          const nameAttr = findAttr(child.attrs, 'Name');
          const name = nameAttr === undefined ? '' : plainText(nameAttr.parts)!;
          if (name !== '') entries.push(`${objectKey(name)}: ${this.call(child, MODE_DATA)}`);
        } else if (!dataDone) {
          dataDone = true;
          const text =
            data.length === 1
              ? this.call(child, MODE_DATA)
              : `[${data.map((d) => this.call(d, MODE_DATA)).join(', ')}]`;
          entries.push(`${objectKey('Data')}: {${TEXT_KEY}: ${text}}`);
        }
        continue;
      }
      const mode = isDataContainer(child.name) ? MODE_CONTAINER : MODE_VALUE;
      entries.push(`${objectKey(keys.key(child.name))}: ${this.call(child, mode)}`);
    }
    return entries;
  }

  /**
   * A child's value (depth + 1): a leaf inline (fewer, larger functions compile faster), else a call of
   * its generated function, or of the interpreter when it has none.
   */
  private call(el: XElement, mode: RenderMode): string {
    if (isLeaf(el.children) && (mode === MODE_DATA || el.attrs.length === 0)) {
      return this.inlineLeaf(el, mode, mode === MODE_DATA ? "''" : 'null');
    }
    const name = this.fn(el, mode);
    return name !== null ? `${name}(R, v, d + 1)` : this.generic(el, mode, 'd + 1');
  }

  /** `leaf` as an expression. */
  private inlineLeaf(el: XElement, mode: RenderMode, emptyAs: string): string {
    const node = el.children[0];
    if (node === undefined) return `(R.tick(d + 1), ${emptyAs})`;
    if (node.k === NodeKind.Text)
      return `(R.tick(d + 1), ${node.text === '' ? emptyAs : this.str(node.text)})`;
    const index = (node as XSubst).index;
    const generic = this.generic(el, mode, 'd + 1');
    return `(R.bx(v, ${index}) ? ${generic} : (R.tick(d + 1), R.sv(v, ${index}, ${emptyAs})))`;
  }

  private generic(el: XElement, mode: RenderMode, depth: string): string {
    const ref = `E[${this.element(el)}]`;
    return mode === MODE_DATA
      ? `R.genericDataValue(${ref}, v, ${depth})`
      : `R.genericElementValue(${ref}, v, ${mode === MODE_CONTAINER}, ${depth})`;
  }

  /** Hands the element to the interpreter when one of `substs` holds nested BinXml. */
  private guard(substs: readonly number[], el: XElement, mode: RenderMode): string {
    if (substs.length === 0) return '';
    const test = substs.map((i) => `R.bx(v, ${i})`).join(' || ');
    return `if (${test}) return ${this.generic(el, mode, 'd')};\n`;
  }

  /**
   * Attribute values in order (each decoded once, as the interpreter's first decoding of it), or null when
   * an attribute holds more than one node (mixed content: the interpreter renders those).
   */
  private attrValues(
    attrs: readonly XAttr[],
  ): { values: AttrValue[]; decls: string[]; substs: number[] } | null {
    const values: AttrValue[] = [];
    const decls: string[] = [];
    const substs: number[] = [];
    for (const attr of attrs) {
      const parts = attr.parts;
      if (parts.length > 1) return null;
      const node = parts[0];
      if (node === undefined) continue;
      if (node.k === NodeKind.Text) {
        if (node.text !== '') values.push({ key: attr.name, expr: this.str(node.text), dynamic: false });
        continue;
      }
      if (node.k !== NodeKind.Subst) return null;
      const local = `a${decls.length}`;
      decls.push(`const ${local} = R.sv(v, ${node.index}, undefined);`);
      substs.push(node.index);
      values.push({ key: attr.name, expr: local, dynamic: true });
    }
    return { values, decls, substs };
  }

  /** Statements leaving in `A` the `#attributes` object (undefined when no attribute has text). */
  private attributesObject(values: readonly AttrValue[]): string[] {
    const literal = `{${values.map((a) => `${objectKey(a.key)}: ${a.expr}`).join(', ')}}`;
    const dynamic = values.filter((a) => a.dynamic);
    if (dynamic.length === 0) return [`const A = ${literal};`];
    const stores = values.map((a) => {
      const store =
        a.key === '__proto__'
          ? `R.put(A, "__proto__", ${a.expr});`
          : `A[${stringLiteral(a.key)}] = ${a.expr};`;
      return a.dynamic ? `if (${a.expr} !== undefined) ${store}` : store;
    });
    if (dynamic.length === 1 && values.length === 1) {
      return [`const A = ${dynamic[0]!.expr} !== undefined ? ${literal} : undefined;`];
    }
    const all = dynamic.map((a) => `${a.expr} !== undefined`).join(' && ');
    const any = dynamic.map((a) => `${a.expr} !== undefined`).join(' || ');
    const someConstant = dynamic.length < values.length;
    return [
      'let A;',
      `if (${all}) A = ${literal};`,
      `else${someConstant ? '' : ` if (${any})`} {`,
      'A = {};',
      ...stores,
      '}',
    ];
  }

  private element(el: XElement): number {
    let index = this.elementIndex.get(el);
    if (index === undefined) {
      index = this.elements.length;
      this.elements.push(el);
      this.elementIndex.set(el, index);
    }
    return index;
  }

  private str(text: string): string {
    return `K[${this.constant(text)}]`;
  }

  private constant(value: unknown): number {
    this.constants.push(value);
    return this.constants.length - 1;
  }
}

/** No child, or one text or substitution: the interpreter's `simple` case. */
function isLeaf(children: readonly XNode[]): boolean {
  if (children.length === 0) return true;
  if (children.length !== 1) return false;
  const k = children[0]!.k;
  return k === NodeKind.Text || k === NodeKind.Subst;
}

function allElements(children: readonly XNode[]): boolean {
  return children.length > 0 && children.every((c) => c.k === NodeKind.Element);
}

/** The text of attribute parts that are plain text ('' for none), or null when they are anything else. */
function plainText(parts: readonly XNode[]): string | null {
  if (parts.length === 0) return '';
  const node = parts[0]!;
  return parts.length === 1 && node.k === NodeKind.Text ? node.text : null;
}

/** A JavaScript string literal for any string (see the module comment). */
function stringLiteral(text: string): string {
  const literal = JSON.stringify(text)
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
  if (!/^"(?:[^"\\\n\r\u2028\u2029]|\\.)*"$/s.test(literal)) throw new Error('unsafe string literal');
  return literal;
}

/** An object-literal key defining own property `name` (computed for `__proto__`, see the module comment). */
function objectKey(name: string): string {
  return name === '__proto__' ? '["__proto__"]' : stringLiteral(name);
}
