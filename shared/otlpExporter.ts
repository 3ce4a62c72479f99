import path from 'node:path';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { SubgraphTransport } from './subgraphTransport';

/** The OTLP JSON encoding of @opentelemetry/exporter-trace-otlp-http (its own otlp-transformer, matching our SDK). */
interface TraceSerializer {
  serializeRequest(spans: ReadableSpan[]): Uint8Array | undefined;
}

function loadSerializer(): TraceSerializer {
  const exporterDir = path.dirname(require.resolve('@opentelemetry/exporter-trace-otlp-http/package.json'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(require.resolve('@opentelemetry/otlp-transformer', { paths: [exporterDir] })).JsonTraceSerializer as TraceSerializer;
}

/**
 * OTLP/HTTP JSON span exporter: the encoding of the official exporter, sent over our one outbound
 * transport (keep-alive, one deadline per call, never throws). Not the official exporter's own
 * client: that loads node:http with a dynamic import(), which jest's module sandbox refuses, so
 * no test could see an export. A collector's answer is not GraphQL: a complete 2xx answer is success.
 */
export class OtlpJsonExporter implements SpanExporter {
  private readonly serializer = loadSerializer();
  private readonly transport: SubgraphTransport;
  private readonly decoder = new TextDecoder();
  private stopped = false;

  constructor(private readonly url: string, private readonly headers: Record<string, string>, timeoutMs = 10_000) {
    this.transport = new SubgraphTransport({ timeoutMs, maxSockets: 4, maxResponseBytes: 64 * 1024 });
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    if (this.stopped) return done({ code: ExportResultCode.FAILED, error: new Error('exporter shut down') });
    const body = this.serializer.serializeRequest(spans);
    if (!body) return done({ code: ExportResultCode.FAILED, error: new Error('spans could not be encoded') });
    this.transport.post(this.url, this.decoder.decode(body), { ...this.headers }).then((outcome) => {
      const status = outcome.kind === 'answer' ? outcome.status : outcome.status;
      if (status !== undefined && status >= 200 && status < 300) return done({ code: ExportResultCode.SUCCESS });
      // Only the reason: the collector's URL can carry credentials.
      done({ code: ExportResultCode.FAILED, error: new Error(`OTLP export failed (${outcome.kind === 'unreachable' ? outcome.reason : 'status'} ${status ?? ''})`) });
    });
  }

  async forceFlush(): Promise<void> {}

  async shutdown(): Promise<void> {
    this.stopped = true;
    this.transport.close();
  }
}
