/**
 * Renders parsed BinXml as XML text the way `evtx_dump -o xml` (evtx 0.10+) does: an XML declaration per
 * record, two-space indentation, values in their text form (GUIDs without braces, times
 * `2019-03-19T23:34:26.531414Z`, hex `0x…`), attributes without text left out, an empty element written
 * as `<Tag>` and `</Tag>` on two lines (`<Binary></Binary>` on one), references kept as `&#N;`/`&name;`.
 */
import type { ChunkParser, ValueTable, XAttr, XElement, XNode } from './binxml.js';
import { K } from './binxml.js';
import { ContentResolver } from './render-json.js';
import { decodeValue, jsonValueText } from './values.js';

const EMPTY_VALUES: ValueTable = [];
const XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n';

function escapeText(text: string): string {
  if (!/[&<>]/.test(text)) return text;
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttr(text: string): string {
  if (!/[&<>"']/.test(text)) return text;
  return escapeText(text).replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

export class XmlRenderer {
  private readonly content: ContentResolver;

  constructor(parser: ChunkParser) {
    this.content = new ContentResolver(parser);
  }

  render(nodes: readonly XNode[]): string {
    const c = this.content;
    c.reset();
    const top = c.resolve(nodes, EMPTY_VALUES, 0);
    for (let i = 0; i < top.length; i += 4) {
      if (top[i] === 0)
        return XML_DECLARATION + this.element(top[i + 1] as XElement, top[i + 2] as ValueTable, 0, 1);
    }
    return c.parser.fail('record holds no element', c.parser.base);
  }

  /** Text of resolved content, escaped for XML (references and CDATA kept as markup). */
  private xmlText(r: unknown[], inAttribute: boolean): string {
    const p = this.content.parser;
    let out = '';
    for (let i = 0; i < r.length; i += 4) {
      const kind = r[i];
      if (kind === 1) {
        const text = jsonValueText(
          decodeValue(p.buf, p.dv, r[i + 1] as number, r[i + 2] as number, r[i + 3] as number, false),
        );
        out += inAttribute ? escapeAttr(text) : escapeText(text);
      } else if (kind === 2) {
        out += this.literal(r[i + 1] as XNode, inAttribute);
      }
    }
    return out;
  }

  private literal(node: XNode, inAttribute: boolean): string {
    switch (node.k) {
      case K.Text:
        return inAttribute ? escapeAttr(node.text) : escapeText(node.text);
      case K.CData:
        return inAttribute ? escapeAttr(node.text) : `<![CDATA[${node.text}]]>`;
      case K.CharRef:
        return `&#${node.code};`;
      case K.Entity:
        return `&${node.name};`;
      case K.PI:
        return inAttribute ? '' : `<?${node.target}${node.data === '' ? '' : ` ${node.data}`}?>`;
      default:
        return '';
    }
  }

  private attrs(attrs: readonly XAttr[], values: ValueTable, depth: number): string {
    const c = this.content;
    let out = '';
    for (const attr of attrs) {
      const r = c.resolve(attr.parts, values, depth);
      if (!c.hasText(r)) continue;
      out += ` ${attr.name}="${this.xmlText(r, true)}"`;
    }
    return out;
  }

  private element(el: XElement, values: ValueTable, indent: number, depth: number): string {
    const c = this.content;
    c.tick(depth);
    const pad = ' '.repeat(indent);
    const open = `${pad}<${el.name}${this.attrs(el.attrs, values, depth)}>`;
    const r = c.resolve(el.children, values, depth);
    const hasElement = c.hasElement(r);
    if (!hasElement && !c.hasText(r)) {
      return el.name === 'Binary' ? `${open}</${el.name}>\n` : `${open}\n${pad}</${el.name}>\n`;
    }
    if (!hasElement) return `${open}${this.xmlText(r, false)}</${el.name}>\n`;
    let out = `${open}\n`;
    for (let i = 0; i < r.length; i += 4) {
      if (r[i] === 0) {
        out += this.element(r[i + 1] as XElement, r[i + 2] as ValueTable, indent + 2, depth + 1);
      } else {
        const text = this.xmlText(r.slice(i, i + 4), false);
        if (text !== '') out += `${pad}  ${text}\n`;
      }
    }
    return `${out}${pad}</${el.name}>\n`;
  }
}
