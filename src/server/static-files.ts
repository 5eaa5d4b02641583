/**
 * The dashboard's files, served from one folder: `index.html` at `/` (and for any path without a file
 * extension, so the dashboard's own routes survive a reload), every other file with its content type.
 * Caching: `index.html` is revalidated every time (`no-cache` + ETag) so a new version shows at once;
 * files under `assets/` carry a content hash in their names and are cached for a year (`immutable`).
 *
 * Paths never leave the folder: the decoded path is refused when it holds `..` segments, backslashes or
 * NUL, and the real path (symlinks resolved) must still be inside the folder.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { extname, join, sep } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Ballotguard</title>
<p>The Ballotguard API is running at <code>/api/v1</code>, but the dashboard files were not found.
Build them (see docs/server.md) or set <code>server.webDir</code>.</p>`;

/** The file a URL path names inside `root`, or undefined when the path is not acceptable. */
export function resolveInside(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const segments = decoded.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.some((segment) => segment === '..')) return undefined;
  return join(root, ...segments);
}

export interface StaticOptions {
  /** The folder with index.html; undefined serves a page saying the dashboard is not built. */
  readonly root: string | undefined;
}

export function registerStatic(app: FastifyInstance, options: StaticOptions): void {
  let realRoot: Promise<string | undefined> | undefined;
  const rootReal = (): Promise<string | undefined> =>
    (realRoot ??=
      options.root === undefined
        ? Promise.resolve(undefined)
        : realpath(options.root).catch(() => undefined));

  const serve = async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const path = request.url.split('?')[0]!;
    if (path === '/api' || path.startsWith('/api/'))
      throw new ApiError(404, 'not-found', `no API route ${request.method} ${path}`);
    const root = await rootReal();
    if (root === undefined) {
      reply
        .code(path === '/' ? 200 : 404)
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-cache');
      return NOT_BUILT;
    }
    const candidate = resolveInside(root, path);
    if (candidate === undefined) throw new ApiError(400, 'invalid-path', 'that path is not allowed');
    let file = candidate;
    let info = await stat(file).catch(() => undefined);
    if (info?.isDirectory()) {
      file = join(file, 'index.html');
      info = await stat(file).catch(() => undefined);
    }
    if (info === undefined && extname(candidate) === '') {
      // A dashboard route (`/incidents/12`): the app decides what to show.
      file = join(root, 'index.html');
      info = await stat(file).catch(() => undefined);
    }
    if (info === undefined || !info.isFile()) throw new ApiError(404, 'not-found', 'no such file');
    const real = await realpath(file).catch(() => undefined);
    if (real === undefined || !(real === root || real.startsWith(root.endsWith(sep) ? root : root + sep)))
      throw new ApiError(404, 'not-found', 'no such file');
    const etag = `W/"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
    const immutable = real.slice(root.length).split(sep).includes('assets');
    reply
      .header('etag', etag)
      .header('last-modified', info.mtime.toUTCString())
      .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
      .type(CONTENT_TYPES[extname(real).toLowerCase()] ?? 'application/octet-stream');
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    reply.header('content-length', info.size);
    if (request.method === 'HEAD') return reply.send();
    return reply.send(createReadStream(real));
  };

  app.get('/', serve);
  app.get('/*', serve);
}
