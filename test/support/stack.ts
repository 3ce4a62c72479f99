import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { loadConfig, type Config } from '../../shared/config';
import { createServices, type Services } from '../../shared/services';
import type { RunningService } from '../../shared/subgraphServer';
import { startPlatformSubgraph } from '../../subgraphs/platform/server';
import { startGateway } from '../../gateway/server';
import { testPrefix } from './env';

export interface GqlResponse<T = any> {
  status: number;
  headers: Headers;
  body: { data?: T | null; errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[] };
}

export interface StackOptions {
  label?: string;
  /** Extra env for every service (e.g. SUBGRAPH_TIMEOUT_MS). */
  env?: Record<string, string>;
  /** Per-service Redis URL (e.g. a TcpProxy that a test can cut). */
  redisUrls?: Record<string, string>;
}

/**
 * The whole stack in this process, each service on its own free port, all sharing one Redis key
 * prefix: what a user reaches through the gateway, with real HTTP between services.
 */
export class Stack {
  readonly running = new Map<string, RunningService>();
  readonly services = new Map<string, Services>();
  gatewayUrl = '';
  readonly rootToken: string;
  readonly baseEnv: Record<string, string>;

  constructor(private readonly opts: StackOptions = {}) {
    this.rootToken = `root_${randomBytes(32).toString('base64url')}`;
    this.baseEnv = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: testPrefix(opts.label ?? 'stack'),
      INTERNAL_SECRET: randomBytes(32).toString('base64url'),
      SERVICE_CREDENTIAL: randomBytes(32).toString('base64url'),
      ROOT_TOKEN: this.rootToken,
      ...opts.env,
    };
  }

  config(extra: Record<string, string> = {}, service?: string): Config {
    const redisUrl = service ? this.opts.redisUrls?.[service] : undefined;
    return loadConfig({ ...this.baseEnv, ...(redisUrl ? { REDIS_URL: redisUrl } : {}), ...extra });
  }

  get prefix(): string {
    return this.baseEnv.REDIS_KEY_PREFIX;
  }

  async start(): Promise<this> {
    const platformServices = createServices('platform', this.config({}, 'platform'));
    this.services.set('platform', platformServices);
    const platform = await startPlatformSubgraph(platformServices, { port: 0 });
    this.running.set('platform', platform);
    this.baseEnv.PLATFORM_URL = platform.url;
    const gwConfig = this.config({}, 'gateway');
    const gwServices = createServices('gateway', gwConfig);
    this.services.set('gateway', gwServices);
    const gateway = await startGateway(gwConfig, { port: 0 });
    this.running.set('gateway', gateway);
    this.gatewayUrl = gateway.url;
    return this;
  }

  /** POST a GraphQL request to the gateway as a user would. */
  async gql<T = any>(
    query: string,
    variables: Record<string, unknown> = {},
    opts: { token?: string | null; region?: string; headers?: Record<string, string>; url?: string } = {},
  ): Promise<GqlResponse<T>> {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers };
    const token = opts.token === undefined ? this.rootToken : opts.token;
    if (token) headers.authorization = `Bearer ${token}`;
    if (opts.region) headers['x-region'] = opts.region;
    const res = await fetch(opts.url ?? this.gatewayUrl, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    const text = await res.text();
    let body: GqlResponse<T>['body'];
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`non-JSON response ${res.status}: ${text.slice(0, 200)}`);
    }
    return { status: res.status, headers: res.headers, body };
  }

  /** Creates a token through the API with the root token (or `as`). */
  async token(scopes: string[], extra: { project?: string; pathPrefixes?: string[]; expiresInDays?: number; as?: string } = {}): Promise<{ token: string; id: string }> {
    const r = await this.gql(
      `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token info { id } } }`,
      { input: { name: `t-${scopes.join('+')}`, scopes, project: extra.project, pathPrefixes: extra.pathPrefixes, expiresInDays: extra.expiresInDays } },
      { token: extra.as },
    );
    if (!r.body.data?.createApiToken) throw new Error(`createApiToken failed: ${JSON.stringify(r.body.errors)}`);
    return { token: r.body.data.createApiToken.token, id: r.body.data.createApiToken.info.id };
  }

  async stop(): Promise<void> {
    for (const [, r] of [...this.running].reverse()) await r.stop().catch(() => undefined);
    for (const [, s] of this.services) s.redis.disconnect();
    this.running.clear();
  }
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  return new Stack(opts).start();
}
