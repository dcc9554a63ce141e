// node:http + cognito-bearer with metrics and traces on, default mode, each
// request in a SERVER span: a cache hit sets its attributes on that span (no
// span of ours). Compared with node-cognito-server-span, which has the same
// server span and no telemetry of ours (issue 20).
import { createCognitoTelemetry } from "@cognito-bearer/otel";
import { withCognitoAuth } from "@cognito-bearer/node";
import { answer, inServerSpan, meterProvider, tracerProvider, verifierOptions } from "../otel-setup.js";

export function create(cfg) {
  const provider = tracerProvider();
  const telemetry = createCognitoTelemetry({ meterProvider: meterProvider(), tracerProvider: provider });
  return inServerSpan(provider, withCognitoAuth({ ...verifierOptions(cfg), onEvent: telemetry.onVerifierEvent }, answer));
}
