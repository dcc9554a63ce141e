// node:http + cognito-bearer with @cognito-bearer/otel and the OTel SDK loaded
// but not hooked to the verifier: "telemetry off". Core has no telemetry code,
// so this must cost what node-cognito costs (issue 20).
import { createCognitoTelemetry } from "@cognito-bearer/otel";
import { withCognitoAuth } from "@cognito-bearer/node";
import { answer, meterProvider, verifierOptions } from "../otel-setup.js";

export function create(cfg) {
  createCognitoTelemetry({ meterProvider: meterProvider(), tracerProvider: false });
  return withCognitoAuth(verifierOptions(cfg), answer);
}
