// OpenTelemetry traces, off unless OTEL_EXPORTER_OTLP_ENDPOINT names a collector: then a span per
// HTTP request (a child of the caller's W3C `traceparent` when it sends one) and a span per job,
// exported over OTLP/HTTP in batches. Off, the API's no-op tracer costs next to nothing, and the SDK
// is not even loaded.
import { context, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';

export interface TracingSettings {
  /** OTLP/HTTP collector base URL (e.g. http://otel-collector:4318); unset: no tracing. */
  endpoint?: string;
  serviceName: string;
  version: string;
}

export interface Tracing {
  /** Sends what is buffered (tests; shutdown). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

let version = '0';

export async function startTracing(settings: TracingSettings): Promise<Tracing | undefined> {
  version = settings.version;
  if (!settings.endpoint) return undefined;
  const [{ TracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }, { W3CTraceContextPropagator }] = await Promise.all([
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/core'),
  ]);
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': settings.serviceName, 'service.version': settings.version }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${settings.endpoint.replace(/\/+$/, '')}/v1/traces` }) })],
  });
  trace.setGlobalTracerProvider(provider);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  return {
    flush: () => provider.forceFlush(),
    shutdown: async () => {
      await provider.shutdown();
      trace.disable();
      propagation.disable();
    },
  };
}

function tracer() {
  return trace.getTracer('segment-api', version);
}

/** A server span for an incoming request, the child of the caller's `traceparent` if any. */
export function startRequestSpan(name: string, headers: Record<string, string | string[] | undefined>, attributes: Attributes): Span {
  const parent = propagation.extract(context.active(), headers);
  return tracer().startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
}

/** A span for a job run in this process. */
export function startJobSpan(kind: string, attributes: Attributes): Span {
  return tracer().startSpan(`job ${kind}`, { kind: SpanKind.CONSUMER, attributes });
}

/** Ends a span with its outcome: an error status (with the reason) or OK. */
export function endSpan(span: Span, attributes: Attributes, error?: string): void {
  span.setAttributes(attributes);
  span.setStatus(error ? { code: SpanStatusCode.ERROR, message: error } : { code: SpanStatusCode.OK });
  span.end();
}
