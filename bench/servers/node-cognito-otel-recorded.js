// node:http + cognito-bearer with metrics on and cacheHits: "recorded" (the
// opt-in): every cache hit is a histogram point, which costs the SDK's
// attribute hashing on every request (issue 20).
import { createCognitoTelemetry } from "@cognito-bearer/otel";
import { withCognitoAuth } from "@cognito-bearer/node";
import { answer, meterProvider, verifierOptions } from "../otel-setup.js";

export function create(cfg) {
  const telemetry = createCognitoTelemetry({ meterProvider: meterProvider(), tracerProvider: false, cacheHits: "recorded" });
  return withCognitoAuth({ ...verifierOptions(cfg), onEvent: telemetry.onVerifierEvent }, answer);
}
