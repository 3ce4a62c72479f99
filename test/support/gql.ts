/**
 * GraphQL over HTTP as a user sends it, and the two ways a test reads the answer: the data of a
 * request that must succeed, or the status and code of one that must fail. Every test and the
 * benchmarks post through here (no jest globals, so the benchmark build can compile it).
 */

export interface GqlResponse<T = any> {
  status: number;
  headers: Headers;
  /** From sending the request to having read the whole answer. */
  elapsedMs: number;
  body: { data?: T | null; errors?: { message: string; path?: (string | number)[]; locations?: { line: number; column: number }[]; extensions?: Record<string, any> }[] };
}

export interface GqlOptions {
  token?: string | null;
  region?: string;
  /** Sent as x-request-id. */
  requestId?: string;
  headers?: Record<string, string>;
  url?: string;
}

/** POST a GraphQL request as a user would (bearer token, optional x-region). */
export async function postGql<T = any>(url: string, query: string, variables: Record<string, unknown> = {}, opts: GqlOptions = {}): Promise<GqlResponse<T>> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.region) headers['x-region'] = opts.region;
  if (opts.requestId !== undefined) headers['x-request-id'] = opts.requestId;
  const started = Date.now();
  const res = await fetch(opts.url ?? url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const text = await res.text();
  const elapsedMs = Date.now() - started;
  let body: GqlResponse<T>['body'];
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`non-JSON response ${res.status}: ${text.slice(0, 200)}`);
  }
  return { status: res.status, headers: res.headers, body, elapsedMs };
}

/** The data of an answer that must be a success (HTTP 200, no errors); throws with the status and errors otherwise. */
export function dataOf<T = any>(r: GqlResponse<T>): T {
  if (r.status !== 200 || r.body.errors !== undefined || !r.body.data) throw new Error(`expected success, got ${r.status}: ${JSON.stringify(r.body.errors)}`);
  return r.body.data;
}

/** The first error's code and the HTTP status, for asserting failures. */
export function failure(r: GqlResponse): { status: number; code: unknown; extensions: Record<string, any> | undefined } {
  return { status: r.status, code: r.body.errors?.[0]?.extensions?.code, extensions: r.body.errors?.[0]?.extensions };
}

/** Base64 of a UTF-8 string or of bytes: how plaintexts, messages and associated data travel. */
export const b64 = (s: string | Buffer) => (typeof s === 'string' ? Buffer.from(s, 'utf8') : s).toString('base64');

export type GqlSend = <T = any>(query: string, variables?: Record<string, unknown>, opts?: GqlOptions) => Promise<GqlResponse<T>>;

/** `gql` answers whatever comes back; `ok` returns the data of a request that must succeed. */
export interface GqlClient {
  gql: GqlSend;
  ok<T = any>(query: string, variables?: Record<string, unknown>, opts?: GqlOptions): Promise<T>;
}

/**
 * A client over `send` whose requests carry `fixed` (a region, a URL, a token) under each call's
 * own options. `fixed` may be a function, read at each request, for a target that starts later
 * (in beforeAll): `const { gql, ok } = gqlClient((q, v, o) => stack.gql(q, v, o), { region })`.
 */
export function gqlClient(send: GqlSend, fixed: GqlOptions | (() => GqlOptions) = {}): GqlClient {
  const gql: GqlSend = (query, variables = {}, opts = {}) => send(query, variables, { ...(typeof fixed === 'function' ? fixed() : fixed), ...opts });
  return { gql, ok: async (query, variables, opts) => dataOf(await gql(query, variables, opts)) };
}
