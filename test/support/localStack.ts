import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { composeServices } from '@apollo/composition';
import { printSubgraphSchema } from '@apollo/subgraph';
import { parse, type GraphQLSchema } from 'graphql';
import { loadConfig, type Config } from '../../shared/config';
import { createServices, type Services } from '../../shared/services';
import type { RunningService } from '../../shared/subgraphServer';
import { startPlatformSubgraph } from '../../subgraphs/platform/server';
import { startGateway, type GatewayOptions } from '../../gateway/server';
import { startKmsSubgraph } from '../../subgraphs/kms/server';
import { startSecretsSubgraph } from '../../subgraphs/secrets/server';
import { renderSchemaFiles, SUBGRAPHS } from '../../scripts/schemaFiles';
import { dataOf, postGql, type GqlOptions, type GqlResponse } from './gql';

/** Regions that get a kms subgraph in a stack with `kms: true`; ap-southeast-2 is listed without one. */
export const KMS_REGIONS = ['us-east-1', 'eu-west-1'] as const;

/** A subgraph beside the product's (a test-only one, say): joins the composition and is reached at its own URL. */
export interface ExtraSubgraph {
  name: string;
  url: string;
  schema: GraphQLSchema;
}

export interface LocalStackOptions {
  /** Redis key prefix shared by every service; the caller owns it (and deletes it when done). */
  keyPrefix: string;
  /** Default redis://127.0.0.1:6379. */
  redisUrl?: string;
  /** Extra env for every service (e.g. SUBGRAPH_TIMEOUT_MS). */
  env?: Record<string, string>;
  /** Per-service Redis URL (e.g. a proxy that can be cut). Names: platform, gateway, secrets, kms-<region>. */
  redisUrls?: Record<string, string>;
  /** Per-service extra env over `env` (e.g. gateway: { NODE_ENV: 'production' }). Names as for redisUrls. */
  serviceEnv?: Record<string, Record<string, string>>;
  /** Subgraphs that join the composition next to platform, kms and secrets (the gateway routes to their URLs). */
  subgraphs?: ExtraSubgraph[];
  /** One kms subgraph per region of KMS_REGIONS (started first; their URLs form the REGIONS registry). */
  kms?: boolean;
  /** The secrets subgraph (SECRETS_URL of the gateway). */
  secrets?: boolean;
  /** Start the gateway too (default true). Without it only the subgraphs run, e.g. for a gateway in another process. */
  gateway?: boolean;
  /** Root key (base64) of each region's KMS, e.g. another stack's (kmsRootKeyOf) to read its keys; default: fresh ones. */
  kmsRootKeys?: Record<string, string>;
  /** Passed on to startGateway (keepAlive, breaker, …). */
  gatewayOptions?: Omit<GatewayOptions, 'port' | 'supergraphSdl'>;
}

/**
 * The supergraph composed from the code (not the checked-in file), so a local stack runs what was
 * built; `extra` subgraphs join the composition at their own URLs.
 */
export async function composedSupergraph(extra: ExtraSubgraph[] = []): Promise<string> {
  const files = await renderSchemaFiles();
  if (extra.length === 0) return files['supergraph.graphql'];
  const composed = composeServices([
    ...SUBGRAPHS.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(files[`${s.name}.graphql`]) })),
    ...extra.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(printSubgraphSchema(s.schema)) })),
  ]);
  if (composed.errors) throw new Error(`composition failed:\n${composed.errors.map((e) => e.message).join('\n')}`);
  return composed.supergraphSdl;
}

/**
 * A gateway in front of subgraphs that already run (here or in another process): `env` is the
 * stack's env, with PLATFORM_URL, SECRETS_URL and REGIONS pointing at them.
 */
export async function startLocalGateway(env: Record<string, string>, opts: Omit<GatewayOptions, 'port'> & { port?: number } = {}): Promise<RunningService> {
  const config = loadConfig(env);
  return startGateway(config, { ...opts, port: opts.port ?? 0, supergraphSdl: opts.supergraphSdl ?? (await composedSupergraph()) });
}

/**
 * The whole stack in this process, each service on its own free port, all sharing one Redis key
 * prefix: what a user reaches through the gateway, with real HTTP between services. Used by the
 * cross-service tests (stack.ts, under each test's own key prefix) and the benchmarks.
 */
export class LocalStack {
  readonly running = new Map<string, RunningService>();
  readonly services = new Map<string, Services>();
  gatewayUrl = '';
  readonly rootToken: string;
  readonly baseEnv: Record<string, string>;

  constructor(private readonly opts: LocalStackOptions) {
    this.rootToken = `root_${randomBytes(32).toString('base64url')}`;
    for (const [region, key] of Object.entries(opts.kmsRootKeys ?? {})) this.kmsRootKeys.set(region, key);
    this.baseEnv = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      REDIS_URL: opts.redisUrl ?? 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: opts.keyPrefix,
      INTERNAL_SECRET: randomBytes(32).toString('base64url'),
      SERVICE_CREDENTIAL: randomBytes(32).toString('base64url'),
      ROOT_TOKEN: this.rootToken,
      ...opts.env,
    };
  }

  config(extra: Record<string, string> = {}, service?: string): Config {
    const redisUrl = service ? this.opts.redisUrls?.[service] : undefined;
    const serviceEnv = service ? this.opts.serviceEnv?.[service] : undefined;
    return loadConfig({ ...this.baseEnv, ...(redisUrl ? { REDIS_URL: redisUrl } : {}), ...serviceEnv, ...extra });
  }

  get prefix(): string {
    return this.baseEnv.REDIS_KEY_PREFIX;
  }

  async start(): Promise<this> {
    if (this.opts.kms) {
      for (const region of KMS_REGIONS) await this.startKms(region, 0);
      this.baseEnv.REGIONS = [...KMS_REGIONS.map((r) => `${r}=${this.running.get(`kms-${r}`)!.url}`), 'ap-southeast-2='].join(',');
    }
    if (this.opts.secrets) this.baseEnv.SECRETS_URL = (await this.startSubgraph('secrets', 0)).url;
    this.baseEnv.PLATFORM_URL = (await this.startSubgraph('platform', 0)).url;
    if (this.opts.gateway === false) return this;
    // The gateway forwards the Authorization header and never authenticates: it gets no root token.
    const gwConfig = this.config({ ROOT_TOKEN: '' }, 'gateway');
    const gwServices = createServices('gateway', gwConfig);
    this.services.set('gateway', gwServices);
    // With kms/secrets/extra subgraphs, compose the supergraph from the code under test (not the checked-in file).
    const extra = this.opts.subgraphs ?? [];
    const supergraphSdl = this.opts.kms || this.opts.secrets || extra.length > 0 ? await composedSupergraph(extra) : undefined;
    const gateway = await startGateway(gwConfig, { ...this.opts.gatewayOptions, port: 0, supergraphSdl });
    this.running.set('gateway', gateway);
    this.gatewayUrl = gateway.url;
    return this;
  }

  /** Root key of each region's KMS, kept across restarts (wrapped key material stays readable). */
  private readonly kmsRootKeys = new Map<string, string>();
  /** KMS_PREVIOUS_ROOT_KEY of each region's KMS (a root-key rotation in progress), applied at its next (re)start. */
  private readonly kmsPreviousRootKeys = new Map<string, string>();

  /** The root key (base64) a region's KMS runs with. */
  kmsRootKeyOf(region: string): string {
    const k = this.kmsRootKeys.get(region);
    if (!k) throw new Error(`no kms root key for ${region}`);
    return k;
  }

  /** Sets the root key (and previous one, or none) a region's KMS gets at its next (re)start. */
  setKmsRootKey(region: string, rootKey: string, previous: string | null = null): void {
    this.kmsRootKeys.set(region, rootKey);
    if (previous) this.kmsPreviousRootKeys.set(region, previous);
    else this.kmsPreviousRootKeys.delete(region);
  }
  /** Port of each stopped subgraph (by service name), so a restart comes back where the gateway points. */
  private readonly stoppedPorts = new Map<string, number>();

  /** Starts the platform, secrets or kms-<region> subgraph on `port` (0: a free one). */
  private async startSubgraph(name: string, port: number): Promise<RunningService> {
    if (name.startsWith('kms-')) return this.startKms(name.slice('kms-'.length), port);
    const start = name === 'platform' ? startPlatformSubgraph : name === 'secrets' ? startSecretsSubgraph : undefined;
    if (!start) throw new Error(`no subgraph "${name}" in a local stack`);
    const services = createServices(name, this.config({}, name));
    this.services.set(name, services);
    const running = await start(services, { port });
    this.running.set(name, running);
    return running;
  }

  private async startKms(region: string, port: number): Promise<RunningService> {
    let rootKey = this.kmsRootKeys.get(region);
    if (!rootKey) {
      rootKey = randomBytes(32).toString('base64');
      this.kmsRootKeys.set(region, rootKey);
    }
    const name = `kms-${region}`;
    const previous = this.kmsPreviousRootKeys.get(region);
    const config = this.config({ REGION: region, KMS_ROOT_KEY: rootKey, ...(previous ? { KMS_PREVIOUS_ROOT_KEY: previous } : {}) }, name);
    const services = createServices(name, config);
    this.services.set(name, services);
    const running = await startKmsSubgraph(services, { port, host: '127.0.0.1', rootKey: config.kmsRootKey!, previousRootKey: config.kmsPreviousRootKey, sweeper: false });
    this.running.set(name, running);
    return running;
  }

  /** The running kms subgraph of a region (its `server` emits 'request' per fetch). */
  kms(region: string): RunningService {
    const r = this.running.get(`kms-${region}`);
    if (!r) throw new Error(`no kms running in ${region}`);
    return r;
  }

  /** Stops one region's KMS (gateway and secrets keep running): the region is down. */
  async stopKms(region: string): Promise<void> {
    return this.stopService(`kms-${region}`);
  }

  /** Starts a stopped region's KMS again on the same port with the same root key. */
  async restartKms(region: string): Promise<RunningService> {
    if (!this.stoppedPorts.has(`kms-${region}`)) return this.kms(region);
    return this.restartService(`kms-${region}`);
  }

  /** Stops one subgraph (platform, secrets or kms-<region>) while the rest keeps running. */
  async stopService(name: string): Promise<void> {
    const r = this.running.get(name);
    if (!r) return;
    this.stoppedPorts.set(name, r.port);
    this.running.delete(name);
    await r.stop();
    this.services.get(name)?.redis.disconnect();
    this.services.delete(name);
  }

  /** Starts a stopped subgraph again on the same port (a KMS with the same root key), or on `onPort` (0: a free one). */
  async restartService(name: string, onPort?: number): Promise<RunningService> {
    const port = this.stoppedPorts.get(name);
    if (port === undefined) {
      const r = this.running.get(name);
      if (!r) throw new Error(`${name} was never started`);
      return r;
    }
    this.stoppedPorts.delete(name);
    return this.startSubgraph(name, onPort ?? port);
  }

  /** POST a GraphQL request to the gateway as a user would (root token unless `token` is given; null: none). */
  gql<T = any>(query: string, variables: Record<string, unknown> = {}, opts: GqlOptions = {}): Promise<GqlResponse<T>> {
    const token = opts.token === undefined ? this.rootToken : opts.token;
    return postGql<T>(this.gatewayUrl, query, variables, { ...opts, token });
  }

  /** Like gql, but expects success: returns `data`, throws with the errors otherwise. */
  async ok<T = any>(query: string, variables: Record<string, unknown> = {}, opts: GqlOptions = {}): Promise<T> {
    return dataOf(await this.gql<T>(query, variables, opts));
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
