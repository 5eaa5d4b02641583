/**
 * Every error the API answers with, mapped to an HTTP status in this one place: our own `ApiError`s,
 * request validation (zod), the store's operational errors, workflow refusals, and fastify's own errors
 * (body too large, bad JSON, wrong content type). The body is always
 * `{ "error": { "code", "message", "field"? } }`; a 500 never carries internal details.
 */
import type { ZodError } from 'zod';
import { WorkflowError } from '../correlate/workflow.js';
import { BallotguardError } from '../issues.js';
import { StoreError } from '../store/errors.js';
import type { StoreErrorCode } from '../store/errors.js';

/** A refusal the API decided on (not found, forbidden, …). */
export class ApiError extends BallotguardError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    readonly options: {
      readonly field?: string;
      readonly headers?: Readonly<Record<string, string>>;
    } = {},
  ) {
    super(code, message, status === 429 || status === 503);
    this.name = 'ApiError';
  }
}

export interface HttpError {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly field?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Worth a line in the server log (a 5xx we did not expect). */
  readonly unexpected: boolean;
}

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly field?: string };
}

export function errorBody(error: Pick<HttpError, 'code' | 'message' | 'field'>): ErrorBody {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.field !== undefined ? { field: error.field } : {}),
    },
  };
}

/** Where a zod issue points, as the client wrote it: `status`, `body.assignee`, `query.limit`. */
export function zodHttpError(error: ZodError, where: 'body' | 'query' | 'params'): HttpError {
  const issue = error.issues[0];
  const path = issue?.path.map(String).join('.') ?? '';
  const field = path === '' ? where : `${where}.${path}`;
  return {
    status: 400,
    code: 'invalid-request',
    message: `${field}: ${issue?.message ?? 'invalid'}`,
    field,
    unexpected: false,
  };
}

const STORE_STATUS: Readonly<Record<StoreErrorCode, number>> = {
  locked: 503,
  unavailable: 503,
  conflict: 503,
  full: 507,
  'read-only': 503,
  corrupt: 500,
  'cannot-open': 500,
  'not-found': 404,
  'schema-too-new': 500,
  invalid: 400,
  duplicate: 409,
  denied: 500,
  internal: 500,
};

/** Fastify's error codes we answer with our own words. */
const FASTIFY_ERRORS: Readonly<Record<string, { status: number; code: string; message: string }>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: 'body-too-large',
    message: 'the request body is larger than this server accepts',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'unsupported-media-type',
    message: 'this route does not accept that Content-Type (send application/json)',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: 'invalid-json',
    message: 'the body is empty but Content-Type says application/json',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: 'invalid-request',
    message: 'Content-Length does not match the body',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    code: 'invalid-json',
    message: 'the body is not valid JSON',
  },
};

/** The one mapping from anything thrown to what the client sees. */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof ApiError)
    return {
      status: error.status,
      code: error.code,
      message: error.message,
      ...(error.options.field !== undefined ? { field: error.options.field } : {}),
      ...(error.options.headers !== undefined ? { headers: error.options.headers } : {}),
      unexpected: error.status >= 500,
    };
  if (error instanceof WorkflowError)
    return {
      status: error.code === 'illegal-transition' ? 409 : 400,
      code: error.code,
      message: error.message,
      unexpected: false,
    };
  if (error instanceof StoreError) {
    const status = STORE_STATUS[error.code];
    return {
      status,
      code: `store-${error.code}`,
      // The store's own words are written for the operator; only safe, user-caused ones go to the client.
      message:
        status < 500 ? error.message : 'the database cannot answer right now; the operator has the details',
      ...(error.retryable ? { headers: { 'Retry-After': '2' } } : {}),
      unexpected: status >= 500,
    };
  }
  const fastify = error as { code?: unknown; statusCode?: unknown; message?: unknown };
  if (typeof fastify.code === 'string') {
    const known = FASTIFY_ERRORS[fastify.code];
    if (known !== undefined) return { ...known, unexpected: false };
    // JSON.parse's SyntaxError, passed on by fastify's JSON parser with a 400 status.
    if (fastify.code.startsWith('FST_') && fastify.statusCode === 400)
      return {
        status: 400,
        code: 'invalid-request',
        message: typeof fastify.message === 'string' ? fastify.message : 'bad request',
        unexpected: false,
      };
  }
  if (error instanceof SyntaxError && fastify.statusCode === 400)
    return {
      status: 400,
      code: 'invalid-json',
      message: `the body is not valid JSON: ${error.message}`,
      unexpected: false,
    };
  if (typeof fastify.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500)
    return {
      status: fastify.statusCode,
      code: 'bad-request',
      message: typeof fastify.message === 'string' ? fastify.message : 'bad request',
      unexpected: false,
    };
  return {
    status: 500,
    code: 'internal',
    message: 'something went wrong inside the server; the operator has the details',
    unexpected: true,
  };
}
