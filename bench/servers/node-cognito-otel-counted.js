// node:http + cognito-bearer with metrics and traces on, cache hits counted
// (`cacheHits: "counted"`): a cache hit is one increment of a plain number,
// reported at collection time; no histogram point and no span for it (issue 20).
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { PrometheusExporter } from "@opentelemetry/exporter-prometheus";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { createCognitoTelemetry } from "@cognito-bearer/otel";
import { withCognitoAuth } from "@cognito-bearer/node";

const dropping = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} };

export function create(cfg) {
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(dropping)] });
  const meterProvider = new MeterProvider({ readers: [new PrometheusExporter({ preventServerStart: true })] });
  const telemetry = createCognitoTelemetry({ meterProvider, tracerProvider, cacheHits: "counted" });
  return withCognitoAuth({ userPoolId: cfg.userPoolId, clientId: cfg.clientId, issuer: cfg.issuer, jwksUri: cfg.jwksUri, onEvent: telemetry.onVerifierEvent }, (req, res, auth) => {
    const body = JSON.stringify({ sub: auth.sub });
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
}
