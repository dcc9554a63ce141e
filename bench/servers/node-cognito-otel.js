// node:http + cognito-bearer with telemetry on, metrics only (as the examples'
// COGNITO_METRICS=1): every verification is a histogram point (issue 20).
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { PrometheusExporter } from "@opentelemetry/exporter-prometheus";
import { createCognitoTelemetry } from "@cognito-bearer/otel";
import { withCognitoAuth } from "@cognito-bearer/node";

export function create(cfg) {
  const telemetry = createCognitoTelemetry({ meterProvider: new MeterProvider({ readers: [new PrometheusExporter({ preventServerStart: true })] }), tracerProvider: false });
  return withCognitoAuth({ userPoolId: cfg.userPoolId, clientId: cfg.clientId, issuer: cfg.issuer, jwksUri: cfg.jwksUri, onEvent: telemetry.onVerifierEvent }, (req, res, auth) => {
    const body = JSON.stringify({ sub: auth.sub });
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
}
