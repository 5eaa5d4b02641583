/**
 * Sysmon for Linux logs each event to syslog as one line of XML (`<Event><System>…</System><EventData>
 * <Data Name="Image">/usr/bin/curl</Data>…</EventData></Event>`). This turns that XML into the shape
 * `evtx_dump` gives Windows events, so the field resolver, the Sigma taxonomy (`product: linux,
 * category: process_creation` = Sysmon event 1) and the alert output treat both alike:
 *
 *   { System: { Provider: { '#attributes': { Name, Guid } }, EventID: 1, …, Channel, Computer,
 *               TimeCreated: { '#attributes': { SystemTime } } },
 *     EventData: { RuleName: '-', Image: '/usr/bin/curl', … } }
 *
 * The reader handles exactly what Sysmon writes (elements, attributes, text, the five XML entities and
 * character references); anything else (comments, CDATA, a document nested deeper than `MAX_DEPTH`) makes it
 * give up, and the line stays an ordinary syslog message.
 */

interface XmlElement {
  readonly name: string;
  readonly attributes: Record<string, string>;
  readonly children: XmlElement[];
  text: string;
}

const MAX_DEPTH = 8;
/** System elements whose text evtx_dump writes as a number. */
const NUMERIC_SYSTEM: ReadonlySet<string> = new Set([
  'EventID',
  'Version',
  'Level',
  'Task',
  'Opcode',
  'EventRecordID',
]);

const ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(text: string): string | undefined {
  if (!text.includes('&')) return text;
  let failed = false;
  // A `&` that starts no known reference makes the document invalid, as in XML.
  const out = text.replace(
    /&(#x[0-9a-fA-F]{1,6}|#\d{1,7}|[A-Za-z]{1,8});|&/g,
    (whole, ref: string | undefined) => {
      if (ref === undefined) {
        failed = true;
        return whole;
      }
      if (ref.startsWith('#')) {
        const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : Number(ref.slice(1));
        if (code > 0x10ffff) {
          failed = true;
          return '';
        }
        return String.fromCodePoint(code);
      }
      const entity = ENTITIES[ref];
      if (entity === undefined) failed = true;
      return entity ?? '';
    },
  );
  return failed ? undefined : out;
}

/** Parses one small XML document into a tree; undefined for anything outside the subset described above. */
function parseXml(text: string): XmlElement | undefined {
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const lt = text.indexOf('<', i);
    const chunk = text.slice(i, lt === -1 ? n : lt);
    if (chunk.trim() !== '') {
      const top = stack.at(-1);
      const decoded = decodeEntities(chunk);
      if (top === undefined || decoded === undefined) return undefined;
      top.text += decoded;
    }
    if (lt === -1) break;
    const gt = text.indexOf('>', lt);
    if (gt === -1) return undefined;
    const tag = text.slice(lt + 1, gt);
    i = gt + 1;
    if (tag.startsWith('/')) {
      const open = stack.pop();
      if (open === undefined || open.name !== tag.slice(1).trim()) return undefined;
      if (stack.length === 0) return i === n || text.slice(i).trim() === '' ? root : undefined;
      continue;
    }
    if (tag.startsWith('?') || tag.startsWith('!')) return undefined;
    const selfClosing = tag.endsWith('/');
    const body = selfClosing ? tag.slice(0, -1) : tag;
    const nameMatch = /^([A-Za-z_][\w.-]*)/.exec(body);
    if (nameMatch === null) return undefined;
    const attributes: Record<string, string> = {};
    const attributeText = body.slice(nameMatch[0].length);
    const attributePattern = /\s+([A-Za-z_][\w.:-]*)="([^"]*)"/gy;
    let matched = 0;
    for (let m = attributePattern.exec(attributeText); m !== null; m = attributePattern.exec(attributeText)) {
      const value = decodeEntities(m[2]!);
      if (value === undefined || m[1] === '__proto__') return undefined;
      attributes[m[1]!] = value;
      matched = attributePattern.lastIndex;
    }
    if (attributeText.slice(matched).trim() !== '') return undefined;
    const element: XmlElement = { name: nameMatch[1]!, attributes, children: [], text: '' };
    const parent = stack.at(-1);
    if (parent !== undefined) parent.children.push(element);
    else if (root === undefined) root = element;
    else return undefined;
    if (!selfClosing) {
      if (stack.length >= MAX_DEPTH) return undefined;
      stack.push(element);
    } else if (parent === undefined) return undefined;
  }
  return undefined;
}

function systemValue(element: XmlElement): unknown {
  const hasAttributes = Object.keys(element.attributes).length > 0;
  if (hasAttributes) return { '#attributes': element.attributes };
  if (element.text === '') return null;
  if (NUMERIC_SYSTEM.has(element.name) && /^\d{1,15}$/.test(element.text)) return Number(element.text);
  return element.text;
}

/** The `Event` object for a Sysmon for Linux XML message; undefined when the message is not one. */
export function parseSysmonEvent(message: string): Record<string, unknown> | undefined {
  const start = message.indexOf('<Event');
  if (start === -1 || message.slice(0, start).trim() !== '') return undefined;
  const root = parseXml(message.slice(start).trimEnd());
  if (root === undefined || root.name !== 'Event') return undefined;
  const system = root.children.find((child) => child.name === 'System');
  const data = root.children.find((child) => child.name === 'EventData');
  if (system === undefined || data === undefined) return undefined;
  const systemOut: Record<string, unknown> = {};
  for (const child of system.children) {
    if (child.name !== '__proto__') systemOut[child.name] = systemValue(child);
  }
  const dataOut: Record<string, unknown> = {};
  for (const child of data.children) {
    const name = child.attributes['Name'];
    if (child.name !== 'Data' || name === undefined || name === '__proto__') continue;
    dataOut[name] = child.text;
  }
  return { System: systemOut, EventData: dataOut };
}
