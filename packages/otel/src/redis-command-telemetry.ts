// The Redis commands of a revocation list and a session store (their
// `onCommand` hook) as CLIENT spans, after OpenTelemetry's database semantic
// conventions: db.system.name, db.operation.name (the command), server.address
// and server.port, error.type on failure. The event holds no key, argument,
// value or credential, so neither can a span. Each span is back-dated to when
// the command was sent, in the active context: a child of the request (or the
// refresh) that waited for it.
import { SpanKind, SpanStatusCode, context, type Attributes, type Tracer } from "@opentelemetry/api";
import type { RedisCommandEvent } from "@cognito-bearer/redis";
import { ATTRIBUTES, redisSpanName } from "./names.js";
import { backdatedSpan } from "./spans.js";

/**
 * Heartbeats run every few seconds with nobody waiting for them: a root span
 * each would flood the traces. Their failures show in the list's staleness
 * gauge and error counter.
 */
const UNTRACED = new Set(["revocation.heartbeat"]);

export function redisCommandSpans(tracer: Tracer | undefined): (event: RedisCommandEvent) => void {
  if (tracer === undefined) return () => undefined;
  return (event) => {
    if (UNTRACED.has(event.operation)) return;
    const attributes: Attributes = {
      [ATTRIBUTES.dbSystem]: "redis",
      [ATTRIBUTES.dbOperation]: event.command,
      [ATTRIBUTES.redisOperation]: event.operation,
    };
    if (event.server !== undefined) {
      attributes[ATTRIBUTES.serverAddress] = event.server.address;
      attributes[ATTRIBUTES.serverPort] = event.server.port;
    }
    if (event.error !== undefined) attributes[ATTRIBUTES.errorType] = event.error;
    const span = backdatedSpan(tracer, redisSpanName(event.command, event.operation), event.durationMs, SpanKind.CLIENT, attributes, context.active());
    if (event.error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: event.error });
    span.end();
  };
}
