/**
 * A streaming `multipart/form-data` reader (RFC 7578 over RFC 2046): the body is read chunk by chunk and
 * each part's bytes go straight to the sink the caller opens for it, so a file of any size passes through
 * a few kilobytes of memory. Bounded: part headers are at most `maxHeaderBytes`, parts at most `maxParts`.
 * Malformed bodies (no boundary, truncated, headers too long) are `MultipartError`s.
 *
 * @example
 *   await readMultipart(request.raw, boundaryOf(contentType)!, async (part) =>
 *     part.filename === undefined ? discard() : fileSink(path), { maxParts: 100, maxHeaderBytes: 16384 });
 */

export class MultipartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MultipartError';
  }
}

export interface PartHeaders {
  /** The form field name. */
  readonly name: string | undefined;
  /** The file name as the client sent it (undefined for a plain field). Not safe as a path. */
  readonly filename: string | undefined;
  readonly contentType: string | undefined;
}

export interface PartSink {
  /** Resolves when the sink can take more (back-pressure). */
  write(chunk: Buffer): Promise<void> | void;
  end(): Promise<void> | void;
}

export interface MultipartLimits {
  readonly maxParts: number;
  readonly maxHeaderBytes: number;
}

/** The boundary parameter of a `multipart/form-data` Content-Type, or undefined. */
export function boundaryOf(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  if (!/^\s*multipart\/form-data\s*;/i.test(contentType)) return undefined;
  const match = /;\s*boundary=(?:"([^"]*)"|([^\s;"]*))(?:\s*;|\s*$)/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  // RFC 2046: 1 to 70 characters from a small set.
  return boundary !== undefined && /^[0-9A-Za-z'()+_,\-./:=? ]{1,70}$/.test(boundary) ? boundary : undefined;
}

/** Parameters of a header value: `form-data; name="file"; filename="a b.evtx"` → {name, filename}. */
export function headerParams(value: string): Map<string, string> {
  const params = new Map<string, string>();
  const pattern = /;\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g;
  for (const match of value.matchAll(pattern)) {
    const key = match[1]!.toLowerCase();
    const raw = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3]!.trim();
    if (!params.has(key)) params.set(key, raw);
  }
  return params;
}

/** RFC 5987 `filename*=UTF-8''a%20b.evtx`; undefined when it is not that. */
function extendedValue(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const match = /^utf-8'[^']*'(.*)$/i.exec(value);
  if (match === null) return undefined;
  try {
    return decodeURIComponent(match[1]!);
  } catch {
    return undefined;
  }
}

function parseHeaders(block: string): PartHeaders {
  let name: string | undefined;
  let filename: string | undefined;
  let contentType: string | undefined;
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const header = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (header === 'content-disposition') {
      const params = headerParams(value);
      name = params.get('name');
      filename = extendedValue(params.get('filename*')) ?? params.get('filename');
    } else if (header === 'content-type') contentType = value;
  }
  return { name, filename, contentType };
}

type State = 'preamble' | 'delimiter-end' | 'headers' | 'body' | 'done';

/**
 * Reads the whole body, calling `openPart` for each part (it may throw to refuse the part: the error
 * propagates, and the caller cleans up). Returns the number of parts.
 */
export async function readMultipart(
  body: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  boundary: string,
  openPart: (headers: PartHeaders) => PartSink | Promise<PartSink>,
  limits: MultipartLimits,
): Promise<number> {
  const delimiter = Buffer.from(`\r\n--${boundary}`, 'latin1');
  const keep = delimiter.length - 1;
  // The first boundary has no CRLF before it: read the body as if it had one.
  let buffer: Buffer = Buffer.from('\r\n', 'latin1');
  let state: State = 'preamble';
  let parts = 0;
  let sink: PartSink | undefined;

  const step = async (final: boolean): Promise<boolean> => {
    switch (state) {
      case 'preamble': {
        const at = buffer.indexOf(delimiter);
        if (at < 0) {
          buffer = buffer.subarray(Math.max(0, buffer.length - keep));
          return false;
        }
        buffer = buffer.subarray(at + delimiter.length);
        state = 'delimiter-end';
        return true;
      }
      case 'delimiter-end': {
        // After a delimiter: `--` ends the body; otherwise optional whitespace, then CRLF.
        if (buffer.length < 2) return false;
        if (buffer[0] === 0x2d && buffer[1] === 0x2d) {
          state = 'done';
          buffer = Buffer.alloc(0);
          return false;
        }
        const lineEnd = buffer.indexOf('\r\n');
        if (lineEnd < 0) {
          if (buffer.length > 256)
            throw new MultipartError('malformed multipart body: garbage after a boundary');
          return false;
        }
        if (!/^[ \t]*$/.test(buffer.subarray(0, lineEnd).toString('latin1')))
          throw new MultipartError('malformed multipart body: garbage after a boundary');
        buffer = buffer.subarray(lineEnd + 2);
        state = 'headers';
        return true;
      }
      case 'headers': {
        const end = buffer.indexOf('\r\n\r\n');
        const emptyHeaders = buffer.length >= 2 && buffer[0] === 0x0d && buffer[1] === 0x0a;
        if (end < 0 && !emptyHeaders) {
          if (buffer.length > limits.maxHeaderBytes)
            throw new MultipartError(`a part's headers are longer than ${limits.maxHeaderBytes} bytes`);
          return false;
        }
        const headerEnd = emptyHeaders ? 0 : end;
        if (headerEnd > limits.maxHeaderBytes)
          throw new MultipartError(`a part's headers are longer than ${limits.maxHeaderBytes} bytes`);
        // Header values are UTF-8 in practice (browsers send file names that way).
        const headers = parseHeaders(buffer.subarray(0, headerEnd).toString('utf8'));
        buffer = buffer.subarray(headerEnd + (emptyHeaders ? 2 : 4));
        if (++parts > limits.maxParts) throw new MultipartError(`more than ${limits.maxParts} parts`);
        sink = await openPart(headers);
        state = 'body';
        return true;
      }
      case 'body': {
        const at = buffer.indexOf(delimiter);
        if (at < 0) {
          // Everything but a possible start of the delimiter belongs to the part.
          const safe = final ? buffer.length : buffer.length - keep;
          if (safe > 0) {
            await sink!.write(buffer.subarray(0, safe));
            buffer = buffer.subarray(safe);
          }
          return false;
        }
        if (at > 0) await sink!.write(buffer.subarray(0, at));
        await sink!.end();
        sink = undefined;
        buffer = buffer.subarray(at + delimiter.length);
        state = 'delimiter-end';
        return true;
      }
      case 'done':
        buffer = Buffer.alloc(0);
        return false;
    }
  };

  for await (const chunk of body) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
    buffer = buffer.length === 0 ? bytes : Buffer.concat([buffer, bytes]);
    while (await step(false));
  }
  while (await step(true));
  if ((state as State) !== 'done')
    throw new MultipartError(
      state === 'preamble'
        ? 'no multipart boundary found in the body'
        : 'the multipart body ends before its closing boundary',
    );
  return parts;
}
