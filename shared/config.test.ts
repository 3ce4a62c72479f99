import { ConfigError, loadConfig } from './config';

const base = { INTERNAL_SECRET: 'x'.repeat(32) };

describe('config names the bad variable', () => {
  it('rejects a non-numeric PORT', () => {
    expect(() => loadConfig({ ...base, PORT: 'abc' })).toThrow(/PORT must be a whole number/);
  });
  it('requires INTERNAL_SECRET', () => {
    expect(() => loadConfig({})).toThrow(ConfigError);
    expect(() => loadConfig({})).toThrow(/INTERNAL_SECRET/);
  });
  it('rejects a short KMS_ROOT_KEY', () => {
    expect(() => loadConfig({ ...base, KMS_ROOT_KEY: Buffer.alloc(16).toString('base64') })).toThrow(/KMS_ROOT_KEY must decode to 32 bytes/);
  });
  it('reads KMS_PREVIOUS_ROOT_KEY and KMS_NEW_ROOT_KEY like KMS_ROOT_KEY, naming the variable', () => {
    const key = Buffer.alloc(32, 7);
    const c = loadConfig({ ...base, KMS_PREVIOUS_ROOT_KEY: key.toString('base64'), KMS_NEW_ROOT_KEY: Buffer.alloc(32, 8).toString('base64') });
    expect(c.kmsPreviousRootKey).toEqual(key);
    expect(c.kmsNewRootKey).toEqual(Buffer.alloc(32, 8));
    expect(loadConfig(base).kmsPreviousRootKey).toBeNull();
    expect(() => loadConfig({ ...base, KMS_PREVIOUS_ROOT_KEY: Buffer.alloc(16).toString('base64') })).toThrow(/KMS_PREVIOUS_ROOT_KEY must decode to 32 bytes/);
    expect(() => loadConfig({ ...base, KMS_NEW_ROOT_KEY: 'not base64!' })).toThrow(/KMS_NEW_ROOT_KEY must be standard base64/);
  });
  it('rejects a REGION that is not in the registry', () => {
    expect(() => loadConfig({ ...base, REGION: 'mars-north-1' })).toThrow(/REGION "mars-north-1" is not in the region registry/);
  });
  it('keeps the KMS call deadline inside the gateway timeout', () => {
    expect(loadConfig({ ...base, SUBGRAPH_TIMEOUT_MS: '1000' }).kmsTimeoutMs).toBe(750);
    expect(() => loadConfig({ ...base, SUBGRAPH_TIMEOUT_MS: '1000', KMS_TIMEOUT_MS: '1000' })).toThrow(/KMS_TIMEOUT_MS must be less than SUBGRAPH_TIMEOUT_MS/);
    // …and a Redis command's deadline inside the KMS one.
    expect(loadConfig(base).redis.commandTimeoutMs).toBe(1000);
    expect(() => loadConfig({ ...base, REDIS_COMMAND_TIMEOUT_MS: '1500' })).toThrow(/REDIS_COMMAND_TIMEOUT_MS must be less than KMS_TIMEOUT_MS/);
  });
  it('bounds KEYGEN_CONCURRENCY_PER_PROJECT (default 2)', () => {
    expect(loadConfig(base).keygenConcurrencyPerProject).toBe(2);
    expect(() => loadConfig({ ...base, KEYGEN_CONCURRENCY_PER_PROJECT: '0' })).toThrow(/KEYGEN_CONCURRENCY_PER_PROJECT must be between 1 and 64/);
  });

  it('has generous documented rate limits and quotas, 0 turning one off', () => {
    const c = loadConfig(base);
    expect(c.rateLimits).toEqual({ tokenPerMinute: 6000, projectPerMinute: 30000 });
    expect(c.quotas).toEqual({ keys: 10_000, keyVersions: 1000, tokens: 10_000, secrets: 1_000_000, storedBytes: 10 * 1024 ** 3 });
    expect(loadConfig({ ...base, RATE_LIMIT_TOKEN_PER_MINUTE: '0', QUOTA_SECRETS: '0' })).toMatchObject({ rateLimits: { tokenPerMinute: 0 }, quotas: { secrets: 0 } });
    expect(() => loadConfig({ ...base, RATE_LIMIT_PROJECT_PER_MINUTE: 'lots' })).toThrow(/RATE_LIMIT_PROJECT_PER_MINUTE must be a whole number/);
    expect(() => loadConfig({ ...base, QUOTA_STORED_BYTES: '-1' })).toThrow(/QUOTA_STORED_BYTES/);
  });
  it('rejects a malformed REDIS_CLUSTER_NODES entry', () => {
    expect(() => loadConfig({ ...base, REDIS_CLUSTER_NODES: '127.0.0.1:7000,nope' })).toThrow(/REDIS_CLUSTER_NODES/);
  });
});

describe('region registry', () => {
  it('has the dev regions by default, ap-southeast-2 without KMS', () => {
    const c = loadConfig(base);
    expect(c.regions.defaultRegion).toBe('us-east-1');
    expect(c.regions.withKms().map((r) => r.name)).toEqual(['us-east-1', 'eu-west-1']);
    expect(c.regions.get('ap-southeast-2')).toEqual({ name: 'ap-southeast-2', kmsUrl: null });
  });
  it('is overridden by REGIONS in compact form', () => {
    const c = loadConfig({ ...base, REGIONS: 'eu-west-1=http://kms-eu:4000/graphql,us-west-2=', DEFAULT_REGION: 'eu-west-1' });
    expect(c.regions.list()).toEqual([
      { name: 'eu-west-1', kmsUrl: 'http://kms-eu:4000/graphql' },
      { name: 'us-west-2', kmsUrl: null },
    ]);
    expect(c.regions.defaultRegion).toBe('eu-west-1');
  });
  it('rejects a default region that is not listed', () => {
    expect(() => loadConfig({ ...base, REGIONS: 'eu-west-1=', DEFAULT_REGION: 'us-east-1' })).toThrow(/REGIONS is invalid/);
  });
});

describe('CORS_ORIGINS', () => {
  it('defaults to localhost on any port plus the own origin in development, none in production', () => {
    expect(loadConfig(base).cors).toEqual({ origins: ['http://localhost:*', 'http://127.0.0.1:*'], ownOrigin: true });
    expect(loadConfig({ ...base, NODE_ENV: 'production', KMS_ROOT_KEY: Buffer.alloc(32).toString('base64') }).cors).toEqual({ origins: [], ownOrigin: false });
  });
  it('takes a list of origins, normalised as a browser sends them', () => {
    const c = loadConfig({ ...base, CORS_ORIGINS: 'https://App.Example.com, https://admin.example.com:443,http://10.0.0.5:*' });
    expect(c.cors).toEqual({ origins: ['https://app.example.com', 'https://admin.example.com', 'http://10.0.0.5:*'], ownOrigin: false });
    expect(loadConfig({ ...base, CORS_ORIGINS: 'none' }).cors).toEqual({ origins: [], ownOrigin: false });
  });
  it.each(['*', 'app.example.com', 'https://app.example.com/', 'https://app.example.com/path', 'ftp://files.example.com', 'https://a.example.com,', 'http://localhost:8080:*', 'https://u@app.example.com'])(
    'rejects %s naming the variable',
    (v) => {
      expect(() => loadConfig({ ...base, CORS_ORIGINS: v })).toThrow(/CORS_ORIGINS must be none or a comma-separated list of origins/);
    },
  );
});

describe('Redis credentials and TLS', () => {
  it('REDIS_USERNAME / REDIS_PASSWORD and TLS: from the URL scheme or REDIS_TLS, for single node and cluster', () => {
    expect(loadConfig(base).redis).toMatchObject({ username: null, password: null, tls: null });
    expect(loadConfig({ ...base, REDIS_URL: 'rediss://u:p@redis.internal:6380' }).redis.tls).toEqual({ ca: null });
    const cl = loadConfig({ ...base, REDIS_CLUSTER_NODES: '10.0.0.1:7000', REDIS_USERNAME: 'svc', REDIS_PASSWORD: 'pw', REDIS_TLS: 'true' }).redis;
    expect(cl).toMatchObject({ username: 'svc', password: 'pw', tls: { ca: null } });
  });
  it('names the variable that does not fit, never echoing a password', () => {
    expect(() => loadConfig({ ...base, REDIS_USERNAME: 'svc' })).toThrow(/REDIS_PASSWORD is required with REDIS_USERNAME/);
    expect(() => loadConfig({ ...base, REDIS_URL: 'rediss://:secretpw@h:1', REDIS_TLS: 'false' })).toThrow(/REDIS_TLS cannot be false/);
    expect(() => loadConfig({ ...base, REDIS_TLS_CA_FILE: '/etc/hosts' })).toThrow(/REDIS_TLS_CA_FILE needs TLS/);
    expect(() => loadConfig({ ...base, REDIS_TLS: 'true', REDIS_TLS_CA_FILE: '/nonexistent/ca.pem' })).toThrow(/REDIS_TLS_CA_FILE cannot be read/);
    expect(() => loadConfig({ ...base, REDIS_TLS: 'true', REDIS_TLS_CA_FILE: '/etc/hostname' })).toThrow(/REDIS_TLS_CA_FILE must hold PEM/);
    expect(() => loadConfig({ ...base, REDIS_URL: 'http://:secretpw@h:1' })).toThrow(expect.objectContaining({ message: expect.not.stringContaining('secretpw') }));
  });
  it('REDIS_WAIT_REPLICAS / REDIS_WAIT_AOF: off by default, single node only, timeout inside the command timeout', () => {
    expect(loadConfig(base).redis.waitFor).toBeNull();
    expect(loadConfig({ ...base, REDIS_WAIT_REPLICAS: '2' }).redis.waitFor).toEqual({ replicas: 2, aof: null, timeoutMs: 500 });
    expect(loadConfig({ ...base, REDIS_WAIT_AOF: '1,1' }).redis.waitFor).toEqual({ replicas: 0, aof: { local: 1, replicas: 1 }, timeoutMs: 500 });
    expect(() => loadConfig({ ...base, REDIS_WAIT_AOF: '2,1' })).toThrow(/REDIS_WAIT_AOF must be numlocal,numreplicas/);
    expect(() => loadConfig({ ...base, REDIS_WAIT_REPLICAS: 'one' })).toThrow(/REDIS_WAIT_REPLICAS must be a whole number/);
    expect(() => loadConfig({ ...base, REDIS_WAIT_REPLICAS: '1', REDIS_CLUSTER_NODES: '127.0.0.1:7000' })).toThrow(/REDIS_WAIT_REPLICAS is not supported with REDIS_CLUSTER_NODES/);
    expect(() => loadConfig({ ...base, REDIS_WAIT_REPLICAS: '1', REDIS_WAIT_TIMEOUT_MS: '1000' })).toThrow(/REDIS_WAIT_TIMEOUT_MS must be less than REDIS_COMMAND_TIMEOUT_MS/);
  });
});

describe('audit retention, archive and export', () => {
  it('retention by days (default 90), archive off unless AUDIT_ARCHIVE_DIR, key derived from INTERNAL_SECRET unless given', () => {
    const c = loadConfig(base);
    expect(c.auditRetentionDays).toBe(90);
    expect(c.auditArchive.dir).toBeNull();
    expect(c.auditArchive.webhookUrl).toBeNull();
    expect(c.auditArchive.key.equals(Buffer.from(base.INTERNAL_SECRET))).toBe(false);
    expect(c.auditArchive.key).toHaveLength(32);
    expect(loadConfig({ ...base, INTERNAL_SECRET: 'y'.repeat(32) }).auditArchive.key.equals(c.auditArchive.key)).toBe(false);
    const own = loadConfig({ ...base, AUDIT_ARCHIVE_KEY: 'k'.repeat(32), AUDIT_ARCHIVE_DIR: '/var/audit', AUDIT_WEBHOOK_URL: 'https://siem.example.com/in' });
    expect(own.auditArchive).toMatchObject({ dir: '/var/audit', webhookUrl: 'https://siem.example.com/in' });
    expect(own.auditArchive.key.toString()).toBe('k'.repeat(32));
    expect(own.auditArchive.webhookSecret.toString()).toBe('k'.repeat(32));
  });
  it('names the variable that does not fit', () => {
    expect(() => loadConfig({ ...base, AUDIT_RETENTION_DAYS: '0' })).toThrow(/AUDIT_RETENTION_DAYS must be between 1/);
    expect(() => loadConfig({ ...base, AUDIT_ARCHIVE_KEY: 'short' })).toThrow(/AUDIT_ARCHIVE_KEY must be at least 32 characters/);
    expect(() => loadConfig({ ...base, AUDIT_WEBHOOK_URL: 'https://siem.example.com/in' })).toThrow(/AUDIT_WEBHOOK_URL needs AUDIT_ARCHIVE_DIR/);
    expect(() => loadConfig({ ...base, AUDIT_ARCHIVE_DIR: '/a', AUDIT_WEBHOOK_URL: 'ftp://x' })).toThrow(/AUDIT_WEBHOOK_URL must be an http\(s\) URL/);
    expect(() => loadConfig({ ...base, AUDIT_MAX_UNARCHIVED: '-1' })).toThrow(/AUDIT_MAX_UNARCHIVED/);
  });
});

describe('tracing (OTEL_*)', () => {
  it('is off unless OTEL_EXPORTER_OTLP_ENDPOINT is set', () => {
    expect(loadConfig(base).tracing).toEqual({ endpoint: null, serviceName: null, sampleRatio: 1, headers: {} });
  });
  it('reads the endpoint (no trailing slash), service name, ratio and collector headers', () => {
    const t = loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/', OTEL_SERVICE_NAME: 'smk-gw', OTEL_TRACES_SAMPLER_ARG: '0.25', OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=a%3Db, team = ops' }).tracing;
    expect(t).toEqual({ endpoint: 'http://collector:4318', serviceName: 'smk-gw', sampleRatio: 0.25, headers: { 'x-api-key': 'a=b', team: 'ops' } });
  });
  it('names the bad variable, never a header value', () => {
    const on = { ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' };
    expect(() => loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://c:4317' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT must be an http\(s\) URL/);
    expect(() => loadConfig({ ...on, OTEL_TRACES_SAMPLER_ARG: '1.5' })).toThrow(/OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1/);
    expect(() => loadConfig({ ...on, OTEL_SERVICE_NAME: 'a b' })).toThrow(/OTEL_SERVICE_NAME/);
    expect(() => loadConfig({ ...on, OTEL_EXPORTER_OTLP_HEADERS: 'no-value-here-SECRET' })).toThrow(/OTEL_EXPORTER_OTLP_HEADERS must be name=value/);
    expect(() => loadConfig({ ...on, OTEL_EXPORTER_OTLP_HEADERS: 'k=%zz-SECRET' })).not.toThrow(/SECRET/);
    expect(() => loadConfig({ ...base, OTEL_EXPORTER_OTLP_HEADERS: 'k=v' })).toThrow(/OTEL_EXPORTER_OTLP_HEADERS needs OTEL_EXPORTER_OTLP_ENDPOINT/);
  });
});

describe('metrics and access log', () => {
  it('metrics on, open; the access log on except under NODE_ENV=test; both switchable', () => {
    expect(loadConfig(base)).toMatchObject({ metrics: { enabled: true, token: null }, accessLog: true });
    expect(loadConfig({ ...base, NODE_ENV: 'test' }).accessLog).toBe(false);
    expect(loadConfig({ ...base, NODE_ENV: 'test', ACCESS_LOG: 'on' }).accessLog).toBe(true);
    expect(loadConfig({ ...base, METRICS: 'off', ACCESS_LOG: 'off', METRICS_TOKEN: 't'.repeat(32) })).toMatchObject({ metrics: { enabled: false, token: 't'.repeat(32) }, accessLog: false });
  });
  it('names the variable that does not fit', () => {
    expect(() => loadConfig({ ...base, METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN must be at least 32 characters/);
    expect(() => loadConfig({ ...base, ACCESS_LOG: 'loud' })).toThrow(/ACCESS_LOG must be true or false/);
  });
});
