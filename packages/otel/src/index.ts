// The public surface of @cognito-bearer/otel.
export { createCognitoTelemetry } from "./telemetry.js";
export type { CognitoTelemetry, CognitoTelemetryOptions } from "./telemetry.js";
export type { CacheHitReporting } from "./verifier-telemetry.js";
export type { ObservableRevocationList } from "./revocation-telemetry.js";
export { METRICS, SPANS, ATTRIBUTES, redisSpanName } from "./names.js";
export type { Outcome } from "./names.js";
