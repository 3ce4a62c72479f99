import { readFileSync } from 'node:fs';
import { RegionRegistry } from './regions';
import { archiveKey } from '@secrets-kms/client/dist/node/auditVerify';

/**
 * The only place the environment is read. Every service gets a typed, validated Config;
 * a bad variable stops start-up with an error that names it.
 */
export interface RedisConfig {
  /** Single node URL (used when no cluster nodes are given). */
  url: string;
  /** Redis Cluster seed nodes, or null for a single node. */
  clusterNodes: { host: string; port: number }[] | null;
  /** Prefix of every key this process writes; test runs use their own. */
  keyPrefix: string;
  /** A command that has not answered by then fails (fail closed, never hang). */
  commandTimeoutMs: number;
  /**
   * AUTH / ACL user (REDIS_USERNAME, REDIS_PASSWORD): for cluster nodes, and for REDIS_URL when
   * the URL carries none (credentials in the URL win).
   */
  username?: string | null;
  password?: string | null;
  /** TLS (a rediss:// URL or REDIS_TLS=true), with the CA bundle of REDIS_TLS_CA_FILE if given. */
  tls?: { ca: Buffer | null } | null;
  /**
   * What a state change waits for before it is acknowledged (REDIS_WAIT_REPLICAS, REDIS_WAIT_AOF,
   * REDIS_WAIT_TIMEOUT_MS), or null: acknowledged once the primary has applied it. Single node only.
   */
  waitFor?: RedisWaitConfig | null;
}

export interface RedisWaitConfig {
  /** WAIT: replicas that must have received the change (0 = no WAIT). */
  replicas: number;
  /** WAITAOF (Redis ≥ 7.2): fsync'd to the primary's own AOF (0/1) and to this many replicas' AOF; null = no WAITAOF. */
  aof: { local: number; replicas: number } | null;
  /** How long WAIT / WAITAOF may block; below REDIS_COMMAND_TIMEOUT_MS so Redis answers first. */
  timeoutMs: number;
}

export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  production: boolean;
  host: string;
  /** Port of the service this process runs (each service has its own default). */
  port: number | null;
  redis: RedisConfig;
  /** Shared secret the gateway and peer services send in `x-internal-secret`. */
  internalSecret: string;
  /** Bootstrap token with every scope in project `default`, or null. */
  rootToken: string | null;
  /** How long a successful token lookup may be reused by this process (TOKEN_CACHE_MS, 0..1000; 0 = none). */
  tokenCacheMs: number;
  regions: RegionRegistry;
  /** Region of this kms process (kms subgraph only). */
  region: string | null;
  /** Base64 32-byte root key of this region's KMS, or the file that holds it. */
  kmsRootKey: Buffer | null;
  kmsRootKeyFile: string | null;
  /**
   * The root key being rotated away from (KMS_PREVIOUS_ROOT_KEY), or null. While set, the KMS
   * unwraps and verifies under either key and writes under KMS_ROOT_KEY alone (npm run rotate-root-key).
   */
  kmsPreviousRootKey: Buffer | null;
  /** The root key a rotation moves to (KMS_NEW_ROOT_KEY; npm run rotate-root-key only), or null. */
  kmsNewRootKey: Buffer | null;
  /** Credential the secrets subgraph presents to KMS when it acts on a caller's behalf. */
  serviceCredential: string | null;
  platformUrl: string;
  secretsUrl: string;
  subgraphTimeoutMs: number;
  /**
   * Deadline of one call from the secrets subgraph to a regional KMS. Shorter than the gateway's
   * subgraph timeout, so a hanging region surfaces as REGION_UNAVAILABLE, not as the gateway
   * giving up on the secrets subgraph.
   */
  kmsTimeoutMs: number;
  /** Gateway deadline for KMS key generation (createKmsKey, rotateKmsKey): RSA-4096 is slow. */
  keygenTimeoutMs: number;
  /**
   * Gateway budget of one client request, whatever its query plan: each subgraph fetch waits at
   * most min(its own timeout, what is left), and announces that to the subgraph (x-timeout-ms).
   */
  requestTimeoutMs: number;
  /** On SIGTERM, how long requests in flight may take to finish before their connections are dropped. */
  shutdownGraceMs: number;
  /** Key generations one project may run at once in one kms process; more wait (within their deadline). */
  keygenConcurrencyPerProject: number;
  /** Archived audit events older than this leave Redis; unarchived ones never do. */
  auditRetentionDays: number;
  /** The audit archiver (platform service) and its webhook export. */
  auditArchive: AuditArchiveConfig;
  /** Introspection, Apollo Sandbox and the bundled explorer: one switch, in production too. */
  introspection: boolean;
  cors: CorsConfig;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** GET /metrics (METRICS=on|off, default on) and its bearer token (METRICS_TOKEN; null = open). */
  metrics: { enabled: boolean; token: string | null };
  /** One access-log line per GraphQL request (ACCESS_LOG=on|off), whatever LOG_LEVEL says; default off under NODE_ENV=test. */
  accessLog: boolean;
  /** Requests per minute and token / per project, counted by the subgraphs in Redis (0 = off). */
  rateLimits: RateLimitConfig;
  /** Stored objects per project (0 = no limit). */
  quotas: QuotaConfig;
  /** OpenTelemetry tracing (shared/tracing.ts); off (endpoint null) unless OTEL_EXPORTER_OTLP_ENDPOINT is set. */
  tracing: TracingConfig;
}

export interface TracingConfig {
  /** OTEL_EXPORTER_OTLP_ENDPOINT, without a trailing slash; spans go to `${endpoint}/v1/traces` (OTLP/HTTP JSON). Null = off. */
  endpoint: string | null;
  /** OTEL_SERVICE_NAME: the process's resource `service.name`; null = the service's own name (gateway, secrets, kms-<region>…). */
  serviceName: string | null;
  /** OTEL_TRACES_SAMPLER_ARG: share of new traces recorded, 0 to 1 (parent-based: a traced caller's choice is followed). */
  sampleRatio: number;
  /** OTEL_EXPORTER_OTLP_HEADERS (`name=value,…`): sent to the collector, e.g. its API key. Never logged. */
  headers: Record<string, string>;
}

export interface AuditArchiveConfig {
  /** AUDIT_ARCHIVE_DIR; null = no archive, and then no event is ever trimmed. */
  dir: string | null;
  /** Digest MAC key: AUDIT_ARCHIVE_KEY, or derived from INTERNAL_SECRET (HKDF-SHA256). */
  key: Buffer;
  intervalMs: number;
  /** Unarchived events a project may hold before its audited operations fail closed (503). */
  maxUnarchived: number;
  webhookUrl: string | null;
  /** Signs webhook bodies: AUDIT_WEBHOOK_SECRET, else the archive key. */
  webhookSecret: Buffer;
}

export interface RateLimitConfig {
  tokenPerMinute: number;
  projectPerMinute: number;
}

/** Per-project quotas; a create beyond one answers 429 QUOTA_EXCEEDED. 0 = no limit. */
export interface QuotaConfig {
  /** KMS keys per project and region. */
  keys: number;
  /** Versions per KMS key (rotation). */
  keyVersions: number;
  /** Live (unrevoked, unexpired) API tokens per project. */
  tokens: number;
  secrets: number;
  /** UTF-8 bytes of the secret values a project's secrets hold (versions not yet destroyed). */
  storedBytes: number;
}

/**
 * Browser origins allowed to call the gateway's /graphql (CORS_ORIGINS). Entries are normalised
 * origins (`https://app.example.com`, `http://localhost:8080`) or a host with any port
 * (`http://localhost:*`).
 */
export interface CorsConfig {
  origins: string[];
  /** Also allow the origin the gateway itself is addressed by (the development default). */
  ownOrigin: boolean;
}

export class ConfigError extends Error {
  constructor(readonly variable: string, problem: string) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function int(env: Env, name: string, def: number, min: number, max: number): number {
  const v = str(env, name);
  if (v === undefined) return def;
  if (!/^\d+$/.test(v)) throw new ConfigError(name, `must be a whole number (got "${v}")`);
  const n = Number(v);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max} (got ${n})`);
  return n;
}

function bool(env: Env, name: string, def: boolean): boolean {
  const v = str(env, name);
  if (v === undefined) return def;
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw new ConfigError(name, `must be true or false (got "${v}")`);
}

function url(env: Env, name: string, def: string): string {
  const v = str(env, name) ?? def;
  try {
    const u = new URL(v);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
  } catch {
    throw new ConfigError(name, `must be an http(s) URL (got "${v}")`);
  }
  return v;
}

function secret(env: Env, name: string, required: boolean): string | null {
  const v = str(env, name);
  if (v === undefined) {
    if (required) throw new ConfigError(name, 'is required (at least 32 characters; `npm start` generates one)');
    return null;
  }
  if (v.length < 32) throw new ConfigError(name, 'must be at least 32 characters');
  return v;
}

function redisUrl(env: Env): string {
  const v = str(env, 'REDIS_URL') ?? 'redis://127.0.0.1:6379';
  try {
    const u = new URL(v);
    if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new Error();
  } catch {
    throw new ConfigError('REDIS_URL', 'must be a redis:// or rediss:// URL');
  }
  return v;
}

function parseRedisTls(env: Env, url: string): RedisConfig['tls'] {
  const on = bool(env, 'REDIS_TLS', url.startsWith('rediss:'));
  if (!on && url.startsWith('rediss:') && str(env, 'REDIS_TLS') !== undefined) {
    throw new ConfigError('REDIS_TLS', 'cannot be false with a rediss:// REDIS_URL');
  }
  const caFile = str(env, 'REDIS_TLS_CA_FILE');
  if (caFile !== undefined && !on) throw new ConfigError('REDIS_TLS_CA_FILE', 'needs TLS (a rediss:// REDIS_URL or REDIS_TLS=true)');
  if (!on) return null;
  if (caFile === undefined) return { ca: null };
  let ca: Buffer;
  try {
    ca = readFileSync(caFile);
  } catch {
    throw new ConfigError('REDIS_TLS_CA_FILE', `cannot be read ("${caFile}")`);
  }
  if (!ca.toString('utf8').includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError('REDIS_TLS_CA_FILE', 'must hold PEM certificates');
  return { ca };
}

function parseClusterNodes(env: Env): RedisConfig['clusterNodes'] {
  const v = str(env, 'REDIS_CLUSTER_NODES');
  if (v === undefined) return null;
  return v.split(',').map((hp) => {
    const m = /^\s*([^:\s]+):(\d{1,5})\s*$/.exec(hp);
    if (!m || Number(m[2]) > 65535) throw new ConfigError('REDIS_CLUSTER_NODES', `must be host:port[,host:port…] (bad entry "${hp}")`);
    return { host: m[1], port: Number(m[2]) };
  });
}

/** REDIS_WAIT_REPLICAS / REDIS_WAIT_AOF (`numlocal,numreplicas`) / REDIS_WAIT_TIMEOUT_MS; null when neither is set. */
function parseRedisWait(env: Env, commandTimeoutMs: number, cluster: boolean): RedisWaitConfig | null {
  const replicas = int(env, 'REDIS_WAIT_REPLICAS', 0, 0, 100);
  const aofRaw = str(env, 'REDIS_WAIT_AOF');
  let aof: RedisWaitConfig['aof'] = null;
  if (aofRaw !== undefined) {
    const m = /^([01])\s*,\s*(\d{1,3})$/.exec(aofRaw);
    if (!m || Number(m[2]) > 100) throw new ConfigError('REDIS_WAIT_AOF', `must be numlocal,numreplicas with numlocal 0 or 1 and numreplicas 0 to 100, e.g. 1,1 (got "${aofRaw}")`);
    aof = { local: Number(m[1]), replicas: Number(m[2]) };
    if (aof.local === 0 && aof.replicas === 0) aof = null;
  }
  const timeoutMs = int(env, 'REDIS_WAIT_TIMEOUT_MS', Math.floor(commandTimeoutMs / 2), 10, 60000);
  if (replicas === 0 && aof === null) return null;
  // WAIT counts the replicas of the node the connection is on; a Cluster client spreads one
  // change over several shards' primaries, and ioredis offers no way to WAIT on each of them.
  if (cluster) throw new ConfigError(replicas > 0 ? 'REDIS_WAIT_REPLICAS' : 'REDIS_WAIT_AOF', 'is not supported with REDIS_CLUSTER_NODES (single node only)');
  if (timeoutMs >= commandTimeoutMs) throw new ConfigError('REDIS_WAIT_TIMEOUT_MS', `must be less than REDIS_COMMAND_TIMEOUT_MS (${commandTimeoutMs})`);
  return { replicas, aof, timeoutMs };
}

const DEV_CORS_ORIGINS = ['http://localhost:*', 'http://127.0.0.1:*'];

/** CORS_ORIGINS: `origin[,origin…]` or `none`; unset = development default / none in production. */
function parseCorsOrigins(env: Env, production: boolean): CorsConfig {
  const v = str(env, 'CORS_ORIGINS');
  if (v === undefined) return production ? { origins: [], ownOrigin: false } : { origins: [...DEV_CORS_ORIGINS], ownOrigin: true };
  if (v.toLowerCase() === 'none') return { origins: [], ownOrigin: false };
  const origins = v.split(',').map((raw) => {
    const entry = raw.trim();
    const anyPort = entry.endsWith(':*');
    const base = anyPort ? entry.slice(0, -2) : entry;
    let u: URL | null = null;
    try {
      u = new URL(base);
    } catch {
      u = null;
    }
    // Only a bare origin, as a browser sends it in `Origin`: no path (not even "/"), query, user or hash.
    const bare = u !== null && /^https?:$/.test(u.protocol) && /^[a-z]+:\/\/[^/?#@]+$/i.test(base) && !(anyPort && u.port !== '');
    if (!bare) {
      throw new ConfigError('CORS_ORIGINS', `must be none or a comma-separated list of origins like https://app.example.com or http://localhost:* (bad entry "${entry}")`);
    }
    return anyPort ? `${u!.origin}:*` : u!.origin;
  });
  return { origins, ownOrigin: false };
}

function parseRootKey(env: Env, name = 'KMS_ROOT_KEY'): Buffer | null {
  const v = str(env, name);
  if (v === undefined) return null;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(v)) throw new ConfigError(name, 'must be standard base64');
  const key = Buffer.from(v, 'base64');
  if (key.length !== 32) throw new ConfigError(name, `must decode to 32 bytes (got ${key.length})`);
  return key;
}

function parseRegions(env: Env): RegionRegistry {
  const def = str(env, 'DEFAULT_REGION');
  try {
    const compact = str(env, 'REGIONS');
    if (compact !== undefined) return RegionRegistry.parseCompact(compact, def);
    const file = str(env, 'REGIONS_FILE');
    if (file !== undefined) return RegionRegistry.fromFile(file, def);
    return RegionRegistry.defaults(def);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    const which = str(env, 'REGIONS') !== undefined ? 'REGIONS' : str(env, 'REGIONS_FILE') !== undefined ? 'REGIONS_FILE' : 'DEFAULT_REGION';
    throw new ConfigError(which, `is invalid: ${(e as Error).message}`);
  }
}

function parseAuditArchive(env: Env): AuditArchiveConfig {
  const dir = str(env, 'AUDIT_ARCHIVE_DIR') ?? null;
  const own = secret(env, 'AUDIT_ARCHIVE_KEY', false);
  const key = archiveKey(own, str(env, 'INTERNAL_SECRET') ?? null);
  const webhookUrl = str(env, 'AUDIT_WEBHOOK_URL') === undefined ? null : url(env, 'AUDIT_WEBHOOK_URL', '');
  if (webhookUrl !== null && dir === null) throw new ConfigError('AUDIT_WEBHOOK_URL', 'needs AUDIT_ARCHIVE_DIR (it sends the archived lines)');
  const hookSecret = secret(env, 'AUDIT_WEBHOOK_SECRET', false);
  return {
    dir,
    key,
    intervalMs: int(env, 'AUDIT_ARCHIVE_INTERVAL_MS', 60_000, 1000, 86_400_000),
    maxUnarchived: int(env, 'AUDIT_MAX_UNARCHIVED', 5_000_000, 1, 1_000_000_000),
    webhookUrl,
    webhookSecret: hookSecret ? Buffer.from(hookSecret, 'utf8') : key,
  };
}

/** OTEL_EXPORTER_OTLP_ENDPOINT and friends (the standard names; only these are read). */
function parseTracing(env: Env): TracingConfig {
  const raw = str(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  const endpoint = raw === undefined ? null : url(env, 'OTEL_EXPORTER_OTLP_ENDPOINT', '').replace(/\/+$/, '');
  const serviceName = str(env, 'OTEL_SERVICE_NAME') ?? null;
  if (serviceName !== null && !/^[A-Za-z0-9._-]{1,64}$/.test(serviceName)) {
    throw new ConfigError('OTEL_SERVICE_NAME', 'may hold only letters, digits and . _ - (at most 64)');
  }
  const ratioRaw = str(env, 'OTEL_TRACES_SAMPLER_ARG');
  const sampleRatio = Number(ratioRaw ?? '1');
  if (!/^(0(\.\d+)?|1(\.0+)?)$/.test(ratioRaw ?? '1')) throw new ConfigError('OTEL_TRACES_SAMPLER_ARG', `must be a number from 0 to 1 (got "${ratioRaw}")`);
  const headers: Record<string, string> = {};
  const headersRaw = str(env, 'OTEL_EXPORTER_OTLP_HEADERS');
  for (const pair of headersRaw === undefined ? [] : headersRaw.split(',')) {
    const m = /^\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*=\s*(.*?)\s*$/.exec(pair);
    // The value may be a credential: the error names the variable, never the value.
    let value = '';
    try {
      value = m ? decodeURIComponent(m[2]) : '';
    } catch {
      value = '';
    }
    if (!m || value === '' || /[\r\n]/.test(value)) throw new ConfigError('OTEL_EXPORTER_OTLP_HEADERS', 'must be name=value[,name=value…] (values URL-encoded)');
    headers[m[1].toLowerCase()] = value;
  }
  if (endpoint === null && headersRaw !== undefined) throw new ConfigError('OTEL_EXPORTER_OTLP_HEADERS', 'needs OTEL_EXPORTER_OTLP_ENDPOINT');
  return { endpoint, serviceName, sampleRatio, headers };
}

export function loadConfig(env: Env = process.env): Config {
  const nodeEnvRaw = str(env, 'NODE_ENV') ?? 'development';
  if (!['development', 'production', 'test'].includes(nodeEnvRaw)) {
    throw new ConfigError('NODE_ENV', `must be development, production or test (got "${nodeEnvRaw}")`);
  }
  const nodeEnv = nodeEnvRaw as Config['nodeEnv'];
  const production = nodeEnv === 'production';
  const regions = parseRegions(env);
  const region = str(env, 'REGION') ?? null;
  if (region !== null && !regions.has(region)) {
    throw new ConfigError('REGION', `"${region}" is not in the region registry (${regions.list().map((r) => r.name).join(', ')})`);
  }
  const keyPrefix = str(env, 'REDIS_KEY_PREFIX') ?? '';
  if (keyPrefix && !/^[A-Za-z0-9:_.-]{1,64}$/.test(keyPrefix)) {
    throw new ConfigError('REDIS_KEY_PREFIX', 'may hold only letters, digits and : _ . - (at most 64), and no braces');
  }
  const logLevel = (str(env, 'LOG_LEVEL') ?? (nodeEnv === 'test' ? 'silent' : 'info')) as Config['logLevel'];
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', 'must be debug, info, warn, error or silent');
  }
  const rootToken = str(env, 'ROOT_TOKEN') ?? null;
  if (rootToken !== null && rootToken.length < 32) throw new ConfigError('ROOT_TOKEN', 'must be at least 32 characters');

  const subgraphTimeoutMs = int(env, 'SUBGRAPH_TIMEOUT_MS', 2000, 100, 60000);
  const kmsTimeoutMs = int(env, 'KMS_TIMEOUT_MS', Math.floor(subgraphTimeoutMs * 0.75), 50, 60000);
  if (kmsTimeoutMs >= subgraphTimeoutMs) {
    throw new ConfigError('KMS_TIMEOUT_MS', `must be less than SUBGRAPH_TIMEOUT_MS (${subgraphTimeoutMs})`);
  }
  // Deadlines nest: a hung Redis fails a command before a KMS call gives up, which fails before
  // the gateway gives up on a subgraph; so each fault surfaces with its own code.
  const redisCommandTimeoutMs = int(env, 'REDIS_COMMAND_TIMEOUT_MS', Math.floor(kmsTimeoutMs * (2 / 3)), 50, 60000);
  if (redisCommandTimeoutMs >= kmsTimeoutMs) {
    throw new ConfigError('REDIS_COMMAND_TIMEOUT_MS', `must be less than KMS_TIMEOUT_MS (${kmsTimeoutMs})`);
  }

  const redisUrlValue = redisUrl(env);
  if (str(env, 'REDIS_USERNAME') !== undefined && (env.REDIS_PASSWORD ?? '') === '') {
    throw new ConfigError('REDIS_PASSWORD', 'is required with REDIS_USERNAME');
  }

  const keygenTimeoutMs = int(env, 'KEYGEN_TIMEOUT_MS', Math.max(10_000, subgraphTimeoutMs), 100, 120_000);
  const requestTimeoutMs = int(env, 'REQUEST_TIMEOUT_MS', Math.max(keygenTimeoutMs, subgraphTimeoutMs), 100, 300_000);
  if (requestTimeoutMs < subgraphTimeoutMs) {
    throw new ConfigError('REQUEST_TIMEOUT_MS', `must be at least SUBGRAPH_TIMEOUT_MS (${subgraphTimeoutMs})`);
  }

  return {
    nodeEnv,
    production,
    host: str(env, 'HOST') ?? '127.0.0.1',
    port: str(env, 'PORT') === undefined ? null : int(env, 'PORT', 0, 0, 65535),
    redis: {
      url: redisUrlValue,
      clusterNodes: parseClusterNodes(env),
      keyPrefix,
      commandTimeoutMs: redisCommandTimeoutMs,
      username: str(env, 'REDIS_USERNAME') ?? null,
      password: env.REDIS_PASSWORD === undefined || env.REDIS_PASSWORD === '' ? null : env.REDIS_PASSWORD,
      tls: parseRedisTls(env, redisUrlValue),
      waitFor: parseRedisWait(env, redisCommandTimeoutMs, str(env, 'REDIS_CLUSTER_NODES') !== undefined),
    },
    internalSecret: secret(env, 'INTERNAL_SECRET', true) as string,
    rootToken,
    tokenCacheMs: int(env, 'TOKEN_CACHE_MS', 1000, 0, 1000),
    regions,
    region,
    kmsRootKey: parseRootKey(env),
    kmsRootKeyFile: str(env, 'KMS_ROOT_KEY_FILE') ?? null,
    kmsPreviousRootKey: parseRootKey(env, 'KMS_PREVIOUS_ROOT_KEY'),
    kmsNewRootKey: parseRootKey(env, 'KMS_NEW_ROOT_KEY'),
    serviceCredential: secret(env, 'SERVICE_CREDENTIAL', false),
    platformUrl: url(env, 'PLATFORM_URL', 'http://127.0.0.1:4001/graphql'),
    secretsUrl: url(env, 'SECRETS_URL', 'http://127.0.0.1:4002/graphql'),
    subgraphTimeoutMs,
    kmsTimeoutMs,
    keygenTimeoutMs,
    requestTimeoutMs,
    // As long as the longest deadline (key generation) by default, so no started request is cut.
    shutdownGraceMs: int(env, 'SHUTDOWN_GRACE_MS', 10_000, 0, 300_000),
    keygenConcurrencyPerProject: int(env, 'KEYGEN_CONCURRENCY_PER_PROJECT', 2, 1, 64),
    auditRetentionDays: int(env, 'AUDIT_RETENTION_DAYS', 90, 1, 36_500),
    auditArchive: parseAuditArchive(env),
    introspection: bool(env, 'INTROSPECTION', !production),
    cors: parseCorsOrigins(env, production),
    logLevel,
    metrics: { enabled: bool(env, 'METRICS', true), token: secret(env, 'METRICS_TOKEN', false) },
    accessLog: bool(env, 'ACCESS_LOG', nodeEnv !== 'test'),
    rateLimits: {
      tokenPerMinute: int(env, 'RATE_LIMIT_TOKEN_PER_MINUTE', 6000, 0, 100_000_000),
      projectPerMinute: int(env, 'RATE_LIMIT_PROJECT_PER_MINUTE', 30000, 0, 100_000_000),
    },
    quotas: {
      keys: int(env, 'QUOTA_KEYS', 10_000, 0, 100_000_000),
      keyVersions: int(env, 'QUOTA_KEY_VERSIONS', 1000, 0, 100_000_000),
      tokens: int(env, 'QUOTA_TOKENS', 10_000, 0, 100_000_000),
      secrets: int(env, 'QUOTA_SECRETS', 1_000_000, 0, 1_000_000_000),
      storedBytes: int(env, 'QUOTA_STORED_BYTES', 10 * 1024 ** 3, 0, Number.MAX_SAFE_INTEGER),
    },
    tracing: parseTracing(env),
  };
}
