// The Lambda example, run locally: `pnpm -C examples/lambda start`. A small
// stand-in for API Gateway (@cognito-bearer/testing's createLambdaListener)
// turns each HTTP request into an API Gateway v2 event for handler.js.
import { createServer } from "node:http";
import { createLambdaListener } from "@cognito-bearer/testing";
import { configFromEnv, listen, orExit, revocationsFromEnv } from "../shared/config.mjs";
import { withMetrics } from "../shared/metrics.mjs";
import { createHandler } from "./handler.js";

const config = await withMetrics(configFromEnv()); // COGNITO_METRICS=1: Prometheus text at GET /metrics
// A Lambda function is frozen between invocations: its list holds no subscription, and brings its mirror up to
// date (one round trip) at the start of an invocation when it is older than maxStalenessSeconds.
const revocations = await revocationsFromEnv(config, { mode: "catch-up" });
const { handler } = orExit(() => createHandler(config.cognito, revocations));
listen(createServer(createLambdaListener(handler)), config, revocations);
