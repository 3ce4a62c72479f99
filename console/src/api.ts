import { session } from './session.js';

export interface GqlError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; [k: string]: unknown };
}

export interface GqlResult<T> {
  data: T | null;
  errors: GqlError[];
  /** x-request-id of the response: every error the console shows names it. */
  requestId: string;
  status: number;
}

/** One error as the console shows it: its code, the server's message, the request id. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly requestId: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
  }

  static of(e: GqlError, requestId: string): ApiError {
    return new ApiError(String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR'), e.message, requestId, e.extensions ?? {});
  }
}

/** POST /graphql on this origin with the session's token and region; errors are returned, not thrown. */
export async function request<T>(query: string, variables: Record<string, unknown> = {}): Promise<GqlResult<T>> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  const token = session.token;
  if (token) headers.authorization = `Bearer ${token}`;
  const region = session.region;
  if (region) headers['x-region'] = region;
  let res: Response;
  try {
    res = await fetch('/graphql', { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  } catch {
    throw new ApiError('NETWORK_ERROR', 'The gateway could not be reached', '');
  }
  const requestId = res.headers.get('x-request-id') ?? '';
  let body: { data?: T | null; errors?: GqlError[] };
  try {
    body = await res.json();
  } catch {
    throw new ApiError('INTERNAL_SERVER_ERROR', `Unexpected answer (HTTP ${res.status})`, requestId);
  }
  return { data: body.data ?? null, errors: body.errors ?? [], requestId, status: res.status };
}

/** Like request, but any error throws (its first one, as an ApiError). */
export async function call<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const r = await request<T>(query, variables);
  if (r.errors.length > 0 || r.data === null) {
    throw r.errors[0] ? ApiError.of(r.errors[0], r.requestId) : new ApiError('INTERNAL_SERVER_ERROR', 'No data', r.requestId);
  }
  return r.data;
}

/** Regions of the gateway's registry, from the public readiness body. */
export async function regions(): Promise<{ name: string; default: boolean; kms: string }[]> {
  try {
    const res = await fetch('/health/ready');
    const body = await res.json();
    return Array.isArray(body.regions) ? body.regions : [];
  } catch {
    return [];
  }
}
