// Spans made from events that report their duration after the work is done.
import type { Attributes, Context, Span, SpanKind, Tracer } from "@opentelemetry/api";

/** A span started `durationMs` ago in `parent`; the caller ends it (now). */
export function backdatedSpan(tracer: Tracer, name: string, durationMs: number, kind: SpanKind, attributes: Attributes, parent: Context): Span {
  return tracer.startSpan(name, { kind, attributes, startTime: performance.timeOrigin + performance.now() - durationMs }, parent);
}
