// node:http + cognito-bearer with telemetry on in its default mode, metrics
// only (as the examples' COGNITO_METRICS=1): a cache hit is one increment of a
// plain number (cacheHits: "counted"), everything else a histogram point (issue 20).
import { createCognitoTelemetry } from "@cognito-bearer/otel";
import { withCognitoAuth } from "@cognito-bearer/node";
import { answer, meterProvider, verifierOptions } from "../otel-setup.js";

export function create(cfg) {
  const telemetry = createCognitoTelemetry({ meterProvider: meterProvider(), tracerProvider: false });
  return withCognitoAuth({ ...verifierOptions(cfg), onEvent: telemetry.onVerifierEvent }, answer);
}
