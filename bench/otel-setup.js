// The OTel set-up the telemetry variants of the HTTP bench share (issue 20):
// a meter provider read by Prometheus's exporter (no server of its own, as
// the examples' COGNITO_METRICS=1), a tracer provider whose batch exporter
// drops spans (the cost measured is ours and the SDK's, not a collector's
// network), and a SERVER span around each request, as an HTTP instrumentation
// makes: the span a default-mode cache hit puts its attributes on.
import { SpanKind, context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { PrometheusExporter } from "@opentelemetry/exporter-prometheus";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";

const dropping = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} };

export const meterProvider = () => new MeterProvider({ readers: [new PrometheusExporter({ preventServerStart: true })] });

export function tracerProvider() {
  // What an OTel Node SDK registers: without it there is no active span in a callback.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  return new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(dropping)] });
}

/** `app` with each request inside an active SERVER span, ended when the response is. */
export function inServerSpan(provider, app) {
  const tracer = provider.getTracer("bench-http-server");
  return (req, res) =>
    tracer.startActiveSpan("GET /", { kind: SpanKind.SERVER }, (span) => {
      res.once("finish", () => span.end());
      return app(req, res);
    });
}

export function answer(req, res, auth) {
  const body = JSON.stringify({ sub: auth.sub });
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

export const verifierOptions = (cfg) => ({ userPoolId: cfg.userPoolId, clientId: cfg.clientId, issuer: cfg.issuer, jwksUri: cfg.jwksUri });
