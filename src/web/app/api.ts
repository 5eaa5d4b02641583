/**
 * The dashboard's one door to the server: `fetch` with the session cookie (same origin), the CSRF header on
 * every mutation, and errors turned into `ApiError` (the server's `{error: {code, message}}`). A 401 on any
 * call tells the app to show the login page (`onUnauthorized`).
 *
 * @example
 *   const page = await api.get<Page<IncidentRecord>>('/incidents', { status: 'new', limit: 50 });
 *   await api.send('PATCH', `/incidents/${id}`, { status: 'triaging' });
 */
import type { Role, Session } from './types.js';

export const API_BASE = '/api/v1';
const CSRF_HEADER = 'X-Ballotguard-CSRF';
const CSRF_STORAGE_KEY = 'ballotguard.csrf';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export type Query = Readonly<Record<string, string | number | boolean | undefined | null>>;

export function withQuery(path: string, query?: Query): string {
  if (query === undefined) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query))
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  const text = params.toString();
  return text === '' ? path : `${path}?${text}`;
}

async function errorOf(response: Response): Promise<ApiError> {
  let code = `http_${response.status}`;
  let message = response.statusText || `HTTP ${response.status}`;
  try {
    const body = (await response.json()) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code === 'string') code = body.error.code;
    if (typeof body.error?.message === 'string') message = body.error.message;
  } catch {
    // Not JSON (a proxy's error page): keep the status text.
  }
  return new ApiError(response.status, code, message);
}

class Api {
  private csrf: string | undefined;
  private session: Session | undefined;
  private readonly unauthorizedListeners = new Set<() => void>();

  constructor() {
    try {
      this.csrf = sessionStorage.getItem(CSRF_STORAGE_KEY) ?? undefined;
    } catch {
      this.csrf = undefined;
    }
  }

  get me(): Session | undefined {
    return this.session;
  }

  /** Analysts and admins may change incidents and start hunts. */
  get canWrite(): boolean {
    const role: Role | undefined = this.session?.role;
    return role === 'analyst' || role === 'admin';
  }

  onUnauthorized(listener: () => void): () => void {
    this.unauthorizedListeners.add(listener);
    return () => this.unauthorizedListeners.delete(listener);
  }

  private remember(session: Session): void {
    this.session = session;
    if (session.csrf !== undefined) {
      this.csrf = session.csrf;
      try {
        sessionStorage.setItem(CSRF_STORAGE_KEY, session.csrf);
      } catch {
        // Storage disabled: the value lives in memory for this page.
      }
    }
  }

  private forget(): void {
    this.session = undefined;
    this.csrf = undefined;
    try {
      sessionStorage.removeItem(CSRF_STORAGE_KEY);
    } catch {
      // Nothing stored.
    }
  }

  private async request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && this.csrf !== undefined) headers[CSRF_HEADER] = this.csrf;
    const response = await fetch(API_BASE + path, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      ...(signal !== undefined ? { signal } : {}),
    });
    if (!response.ok) {
      const error = await errorOf(response);
      if (response.status === 401 && path !== '/session') {
        this.forget();
        for (const listener of this.unauthorizedListeners) listener();
      }
      throw error;
    }
    if (response.status === 204) return undefined as T;
    const type = response.headers.get('content-type') ?? '';
    return (type.includes('json') ? await response.json() : undefined) as T;
  }

  get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
    return this.request<T>('GET', withQuery(path, query), undefined, signal);
  }

  send<T>(method: 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
    return this.request<T>(method, path, body);
  }

  async login(token: string): Promise<Session> {
    const session = await this.request<Session>('POST', '/session', { token: token.trim() });
    this.remember(session);
    return session;
  }

  async logout(): Promise<void> {
    try {
      await this.request<void>('DELETE', '/session');
    } finally {
      this.forget();
    }
  }

  /** Who the cookie belongs to; undefined when there is no valid session. */
  async restore(): Promise<Session | undefined> {
    try {
      const me = await this.get<Session>('/me');
      this.remember({
        ...me,
        ...(me.csrf === undefined && this.csrf !== undefined ? { csrf: this.csrf } : {}),
      });
      return this.session;
    } catch (error) {
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) return undefined;
      throw error;
    }
  }

  /**
   * Uploads files for a hunt with `XMLHttpRequest`, because `fetch` reports no upload progress.
   * Resolves with the new hunt's id (202 `{id}`).
   */
  uploadHunt(
    files: readonly File[],
    onProgress: (sent: number, total: number) => void,
    signal?: AbortSignal,
  ): Promise<{ id: number }> {
    return new Promise((resolve, reject) => {
      const form = new FormData();
      for (const file of files) form.append('file', file, file.name);
      const xhr = new XMLHttpRequest();
      xhr.open('POST', `${API_BASE}/hunts`);
      xhr.withCredentials = true;
      xhr.responseType = 'json';
      xhr.setRequestHeader('Accept', 'application/json');
      if (this.csrf !== undefined) xhr.setRequestHeader(CSRF_HEADER, this.csrf);
      xhr.upload.addEventListener('progress', (event) => {
        if (event.lengthComputable) onProgress(event.loaded, event.total);
      });
      xhr.addEventListener('load', () => {
        const body = xhr.response as { id?: unknown; error?: { code?: string; message?: string } } | null;
        if (xhr.status >= 200 && xhr.status < 300 && typeof body?.id === 'number') {
          resolve({ id: body.id });
          return;
        }
        if (xhr.status === 401) {
          this.forget();
          for (const listener of this.unauthorizedListeners) listener();
        }
        reject(
          new ApiError(
            xhr.status,
            body?.error?.code ?? `http_${xhr.status}`,
            body?.error?.message ?? (xhr.statusText || `upload failed (HTTP ${xhr.status})`),
          ),
        );
      });
      xhr.addEventListener('error', () => reject(new ApiError(0, 'network', 'network error during upload')));
      xhr.addEventListener('abort', () => reject(new ApiError(0, 'aborted', 'upload cancelled')));
      signal?.addEventListener('abort', () => xhr.abort());
      xhr.send(form);
    });
  }

  /** A server-sent event stream under the API (the cookie authenticates it). */
  events(path: string): EventSource {
    return new EventSource(API_BASE + path, { withCredentials: true });
  }
}

export const api = new Api();

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return `${error.message} (${error.code})`;
  if (error instanceof Error) return error.message;
  return String(error);
}
