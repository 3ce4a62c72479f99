import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One exported span as a test reads it (OTLP/HTTP JSON, ids in hex). */
export interface CollectedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client. */
  kind: number;
  attributes: Record<string, string | number | boolean>;
  /** The exporting process's resource `service.name`. */
  resourceService: string;
  scope: string;
}

type OtlpValue = { stringValue?: string; intValue?: number | string; boolValue?: boolean; doubleValue?: number };
type OtlpAttr = { key: string; value: OtlpValue };

function valueOf(v: OtlpValue): string | number | boolean {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  return v.boolValue ?? '';
}

function attrs(list: OtlpAttr[] | undefined): Record<string, string | number | boolean> {
  return Object.fromEntries((list ?? []).map((a) => [a.key, valueOf(a.value)]));
}

/**
 * A real HTTP server on a free port standing in for an OpenTelemetry collector: it accepts
 * POST /v1/traces (OTLP JSON), keeps every raw payload (for leak scans) and the spans in it.
 */
export async function startOtlpCollector() {
  const payloads: string[] = [];
  const spans: CollectedSpan[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      payloads.push(text);
      const body = JSON.parse(text) as { resourceSpans?: any[] };
      for (const rs of body.resourceSpans ?? []) {
        const resourceService = String(attrs(rs.resource?.attributes)['service.name'] ?? '');
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            spans.push({
              traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId ?? '', name: s.name, kind: s.kind,
              attributes: attrs(s.attributes), resourceService, scope: ss.scope?.name ?? '',
            });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    /** The OTEL_EXPORTER_OTLP_ENDPOINT to give the services. */
    url: `http://127.0.0.1:${port}`,
    payloads,
    spans,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
