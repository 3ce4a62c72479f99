import { randomBytes } from 'node:crypto';
import { flushTracing } from '../shared/tracing';
import { startOtlpCollector, type CollectedSpan } from './support/otlpCollector';
import { startStack, type Stack } from './support/stack';

/**
 * Tracing on (OTEL_EXPORTER_OTLP_ENDPOINT at a real local collector): one reveal through the
 * gateway is one trace, gateway → secrets → kms, each span telling which service made it, and
 * nothing the request carried (value, token, secrets) is in what was exported. Tracing off:
 * nothing is exported and no service sends `traceparent`.
 * The OTel provider is global per process: both cases live in this file, one stack after the other.
 */
jest.setTimeout(60_000);

const SERVER = 2;
const CLIENT_TRACE_ID = randomBytes(16).toString('hex');
const clientTraceparent = `00-${CLIENT_TRACE_ID}-${randomBytes(8).toString('hex')}-01`;
const REVEAL = `query Reveal { getSecretValue(path: "tr/db") { value version } }`;

async function seed(stack: Stack, value: string): Promise<void> {
  await stack.ok(`mutation { createKmsKey(input: { identity: "tr-key", type: AES256_GCM96 }) { identity } }`);
  await stack.ok(`mutation($i: CreateSecretInput!) { createSecret(input: $i) { path } }`, { i: { path: 'tr/db', kmsKeyIdentity: 'tr-key' } });
  await stack.ok(`mutation($i: PutSecretValueInput!) { putSecretValue(input: $i) { version } }`, { i: { path: 'tr/db', value } });
}

/** Spans of the trace whose gateway server span carries `requestId`, once that trace has all three services. */
async function traceOf(spans: CollectedSpan[], requestId: string): Promise<CollectedSpan[]> {
  for (let i = 0; i < 50; i++) {
    await flushTracing();
    const root = spans.find((s) => s.kind === SERVER && s.attributes['service.name'] === 'gateway' && s.attributes['smk.request_id'] === requestId);
    const trace = root ? spans.filter((s) => s.traceId === root.traceId) : [];
    const services = new Set(trace.map((s) => String(s.attributes['service.name'])));
    if (services.has('gateway') && services.has('secrets') && [...services].some((s) => s.startsWith('kms-'))) return trace;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no complete trace for ${requestId}: ${JSON.stringify(spans.map((s) => [s.name, s.attributes['service.name'], s.attributes['smk.request_id']]))}`);
}

describe('with OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  let collector: Awaited<ReturnType<typeof startOtlpCollector>>;
  let stack: Stack;
  const planted = `pv-trace-${randomBytes(16).toString('hex')}`;

  beforeAll(async () => {
    collector = await startOtlpCollector();
    stack = await startStack({ label: 'tracing-on', kms: true, secrets: true, env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url } });
    await seed(stack, planted);
  });
  afterAll(async () => {
    await stack?.stop();
    await collector?.close();
  });

  it('one reveal is one trace: gateway → secrets → kms, each server span under its caller', async () => {
    const requestId = `trace-${randomBytes(6).toString('hex')}`;
    const r = await stack.gql(REVEAL, {}, { requestId, headers: { traceparent: clientTraceparent } });
    expect(r.status).toBe(200);
    expect(r.body.data.getSecretValue.value).toBe(planted);

    const trace = await traceOf(collector.spans, requestId);
    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const service = (s: CollectedSpan | undefined) => String(s?.attributes['service.name']);

    // The gateway's root server span has no parent: the client's traceparent is not continued.
    const root = trace.find((s) => s.kind === SERVER && service(s) === 'gateway')!;
    expect(root.parentSpanId).toBe('');
    expect(root.traceId).not.toBe(CLIENT_TRACE_ID);
    expect(collector.spans.some((s) => s.traceId === CLIENT_TRACE_ID)).toBe(false);
    expect(root.name).toBe('POST /graphql gateway');
    expect(root.attributes).toMatchObject({ 'graphql.root_fields': 'getSecretValue', 'graphql.operation.type': 'query', 'http.response.status_code': 200 });

    // Apollo's own spans hang under it and are stamped as the gateway's.
    for (const name of ['gateway.request', 'gateway.plan', 'gateway.execute', 'gateway.fetch']) {
      const s = trace.find((x) => x.name === name);
      expect(s && service(s)).toBe('gateway');
    }

    const secrets = trace.filter((s) => s.kind === SERVER && service(s) === 'secrets');
    expect(secrets).toHaveLength(1);
    expect(service(byId.get(secrets[0].parentSpanId))).toBe('gateway');
    expect(byId.get(secrets[0].parentSpanId)!.name).toBe('gateway.fetch');
    expect(secrets[0].attributes).toMatchObject({ 'smk.request_id': requestId, 'graphql.root_fields': 'getSecretValue', 'http.response.status_code': 200 });

    const kms = trace.filter((s) => s.kind === SERVER && service(s).startsWith('kms-'));
    expect(kms).toHaveLength(1);
    const kmsParent = byId.get(kms[0].parentSpanId);
    expect(service(kmsParent)).toBe('secrets');
    expect(kmsParent!.name).toBe('kms.decrypt');
    expect(kms[0].attributes).toMatchObject({ 'graphql.root_fields': 'decrypt', 'smk.region': service(kms[0]).slice('kms-'.length) });

    // Every span of the trace descends from the root.
    for (const s of trace) {
      let at: CollectedSpan | undefined = s;
      for (let hops = 0; at && at.parentSpanId !== ''; hops++) at = hops > 50 ? undefined : byId.get(at.parentSpanId);
      expect(at?.spanId).toBe(root.spanId);
    }
  });

  it('an error code is on the span; no value, token or secret is in anything exported', async () => {
    const requestId = `trace-err-${randomBytes(6).toString('hex')}`;
    const denied = await stack.gql(REVEAL, {}, { requestId, token: `smk_${randomBytes(24).toString('base64url')}` });
    expect(denied.status).toBe(401);
    let gw: CollectedSpan | undefined;
    for (let i = 0; i < 50 && !gw; i++) {
      await flushTracing();
      gw = collector.spans.find((s) => s.kind === SERVER && s.attributes['service.name'] === 'gateway' && s.attributes['smk.request_id'] === requestId);
      if (!gw) await new Promise((r) => setTimeout(r, 100));
    }
    expect(gw?.attributes).toMatchObject({ 'smk.error_code': 'UNAUTHENTICATED', 'http.response.status_code': 401 });

    await flushTracing();
    const exported = collector.payloads.join('\n');
    expect(exported.length).toBeGreaterThan(0);
    const value = Buffer.from(planted);
    const forbidden = [
      planted, value.toString('base64'), value.toString('base64url'), value.toString('hex'),
      stack.rootToken, stack.baseEnv.INTERNAL_SECRET, stack.baseEnv.SERVICE_CREDENTIAL, 'tr/db', 'tr-key',
    ];
    for (const f of forbidden) expect(exported.includes(f)).toBe(false);
  });
});

describe('without OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  it('exports nothing and sends no traceparent to any subgraph', async () => {
    const collector = await startOtlpCollector();
    const stack = await startStack({ label: 'tracing-off', kms: true, secrets: true });
    try {
      const seen: (string | undefined)[] = [];
      for (const [, running] of stack.running) {
        if (running.name !== 'gateway') running.server.on('request', (req) => seen.push(req.headers.traceparent as string | undefined));
      }
      await seed(stack, 'off-value');
      const r = await stack.gql(REVEAL, {}, { headers: { traceparent: clientTraceparent } });
      expect(r.body.data.getSecretValue.value).toBe('off-value');
      await flushTracing();
      await new Promise((res) => setTimeout(res, 1500)); // past the batch delay an exporter would have
      expect(seen.length).toBeGreaterThan(4);
      expect(seen.filter((t) => t !== undefined)).toEqual([]);
      expect(collector.payloads).toEqual([]);
    } finally {
      await stack.stop();
      await collector.close();
    }
  });
});
