/**
 * Server-sent events: a response kept open with `event:`/`data:` frames, a comment every
 * `heartbeatMs` so proxies and the socket timeout see traffic, and bounds on both sides — at most
 * `maxStreams` streams at once (503 beyond), and a client that stops reading is dropped once
 * `maxBufferedBytes` wait for it (it reconnects with `Last-Event-ID` and catches up).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';

export interface SseOptions {
  readonly heartbeatMs: number;
  readonly maxStreams: number;
  readonly maxBufferedBytes: number;
}

export const DEFAULT_SSE: SseOptions = { heartbeatMs: 15_000, maxStreams: 100, maxBufferedBytes: 1 << 20 };

export interface EventStream {
  /** False when the stream is closed (the client left or fell behind). */
  send(event: string, data: unknown, id?: string | number): boolean;
  close(): void;
  readonly closed: boolean;
  /** Runs when the stream ends for any reason. */
  onClose(listener: () => void): void;
}

export class SseHub {
  private open = 0;

  constructor(readonly options: SseOptions = DEFAULT_SSE) {}

  get streams(): number {
    return this.open;
  }

  /**
   * Takes over the reply and starts the stream; headers already set on the reply (security headers,
   * CORS) are kept. Throws a 503 when too many streams are open.
   */
  start(request: FastifyRequest, reply: FastifyReply): EventStream {
    if (this.open >= this.options.maxStreams)
      throw new ApiError(503, 'too-many-streams', 'too many event streams are open; try again later', {
        headers: { 'Retry-After': '10' },
      });
    this.open++;
    const raw = reply.raw;
    reply.hijack();
    const headers: Record<string, string | number | string[]> = {};
    for (const [name, value] of Object.entries(reply.getHeaders()))
      if (value !== undefined) headers[name] = value;
    raw.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    raw.write(': ballotguard event stream\nretry: 5000\n\n');
    let closed = false;
    const listeners: (() => void)[] = [];
    const heartbeat = setInterval(() => {
      if (!closed) raw.write(': heartbeat\n\n');
    }, this.options.heartbeatMs);
    heartbeat.unref();
    const close = (): void => {
      if (closed) return;
      closed = true;
      this.open--;
      clearInterval(heartbeat);
      if (!raw.writableEnded) raw.end();
      for (const listener of listeners.splice(0)) listener();
    };
    request.raw.on('close', close);
    raw.on('close', close);
    raw.on('error', close);
    const stream: EventStream = {
      send: (event, data, id) => {
        if (closed) return false;
        if (raw.writableLength > this.options.maxBufferedBytes) {
          close();
          return false;
        }
        // JSON has no raw newlines, so one data line per event is always well-formed.
        raw.write(
          `${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`,
        );
        return true;
      },
      close,
      get closed() {
        return closed;
      },
      onClose: (listener) => {
        if (closed) listener();
        else listeners.push(listener);
      },
    };
    return stream;
  }
}
