import { context, createContextKey, propagation, trace, type Attributes, type Context, type Link, type SpanKind } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, SamplingDecision, TraceIdRatioBasedSampler,
  type ReadableSpan, type Sampler, type SamplingResult, type Span, type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { TracingConfig } from './config';
import { OtlpJsonExporter } from './otlpExporter';

/** Context key of the service a request belongs to (a Symbol.for: the same in every module instance). */
export const SERVICE = createContextKey('secrets-kms.service');
export const SERVICE_ATTRIBUTE = 'service.name';

/**
 * The process's one tracer provider. It is registered once and never replaced: @apollo/gateway
 * binds its tracer to the provider it first sees (its ProxyTracer keeps the delegate), so a second
 * provider would silently lose the gateway's spans. What starts and stops with the services is
 * the export pipeline and the sampler behind it: with no service tracing, nothing is sampled (spans
 * are non-recording) and nothing is exported. Kept on globalThis so that module instances in one
 * process (jest runs test files one after another in one worker) share it, as they share the OTel API.
 */
export interface ProcessTracing {
  provider: BasicTracerProvider;
  /** Exporting now; null while no service of the process traces. */
  pipeline: BatchSpanProcessor | null;
  sampler: Sampler | null;
  /** Services tracing now. */
  users: number;
}

const KEY = Symbol.for('secrets-kms.tracing');
type WithTracing = typeof globalThis & { [KEY]?: ProcessTracing };

/** The process's tracing, if a service ever started it. */
export function processTracing(): ProcessTracing | undefined {
  return (globalThis as WithTracing)[KEY];
}

/** Stamps each span with the service of its context, then hands it to the pipeline of the moment. */
function processor(state: ProcessTracing): SpanProcessor {
  return {
    onStart(span: Span, parent: Context) {
      const service = parent.getValue(SERVICE);
      if (typeof service === 'string') span.setAttribute(SERVICE_ATTRIBUTE, service);
      state.pipeline?.onStart(span, parent);
    },
    onEnd: (span: ReadableSpan) => state.pipeline?.onEnd(span),
    forceFlush: async () => state.pipeline?.forceFlush(),
    shutdown: async () => state.pipeline?.shutdown(),
  };
}

function sampler(state: ProcessTracing): Sampler {
  return {
    shouldSample(ctx: Context, traceId: string, name: string, kind: SpanKind, attributes: Attributes, links: Link[]): SamplingResult {
      return state.sampler ? state.sampler.shouldSample(ctx, traceId, name, kind, attributes, links) : { decision: SamplingDecision.NOT_RECORD };
    },
    toString: () => 'SecretsKmsSampler',
  };
}

/** Registers the provider, context manager and propagator once per process. */
function register(resourceService: string): ProcessTracing {
  const state: ProcessTracing = { provider: null as unknown as BasicTracerProvider, pipeline: null, sampler: null, users: 0 };
  state.provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ [SERVICE_ATTRIBUTE]: resourceService }),
    sampler: sampler(state),
    spanProcessors: [processor(state)],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(state.provider);
  (globalThis as WithTracing)[KEY] = state;
  return state;
}

/** A service starts tracing: the first one of the process opens the export pipeline. */
export function acquire(config: TracingConfig & { endpoint: string }, service: string): ProcessTracing {
  const state = processTracing() ?? register(config.serviceName ?? service);
  if (state.pipeline === null) {
    state.pipeline = new BatchSpanProcessor(new OtlpJsonExporter(`${config.endpoint}/v1/traces`, config.headers), {
      maxQueueSize: 8192,
      maxExportBatchSize: 512,
      scheduledDelayMillis: 1000,
      exportTimeoutMillis: 10_000,
    });
    // Parent-based: a traced caller's decision is followed; new traces (the gateway's) by ratio.
    state.sampler = new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.sampleRatio) });
  }
  state.users += 1;
  return state;
}

/** A service stops: the last one flushes what is left and closes the pipeline. */
export async function release(state: ProcessTracing): Promise<void> {
  state.users -= 1;
  const pipeline = state.pipeline;
  if (!pipeline) return;
  if (state.users > 0) return pipeline.forceFlush();
  state.pipeline = null;
  state.sampler = null;
  await pipeline.shutdown().catch(() => undefined);
}
