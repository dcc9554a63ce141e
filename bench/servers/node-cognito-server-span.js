// node:http + cognito-bearer without telemetry, each request in a SERVER span
// (as an HTTP instrumentation makes): the baseline of node-cognito-otel-traces,
// so that the server span's own cost is not counted as ours (issue 20).
import { withCognitoAuth } from "@cognito-bearer/node";
import { answer, inServerSpan, tracerProvider, verifierOptions } from "../otel-setup.js";

export function create(cfg) {
  return inServerSpan(tracerProvider(), withCognitoAuth(verifierOptions(cfg), answer));
}
