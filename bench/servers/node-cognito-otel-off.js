// node:http + cognito-bearer with @cognito-bearer/otel and the OTel SDK loaded
// but not hooked to the verifier: "telemetry off". Core has no telemetry code,
// so this must cost what node-cognito costs (issue 20).
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { PrometheusExporter } from "@opentelemetry/exporter-prometheus";
import { createCognitoTelemetry } from "@cognito-bearer/otel";
import { withCognitoAuth } from "@cognito-bearer/node";

export function create(cfg) {
  createCognitoTelemetry({ meterProvider: new MeterProvider({ readers: [new PrometheusExporter({ preventServerStart: true })] }), tracerProvider: false });
  return withCognitoAuth({ userPoolId: cfg.userPoolId, clientId: cfg.clientId, issuer: cfg.issuer, jwksUri: cfg.jwksUri }, (req, res, auth) => {
    const body = JSON.stringify({ sub: auth.sub });
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
}
