// The token handler's onEvent hook as metrics (and a span per refresh). Events
// carry the `sub`; it is never recorded here, nor a session id or a token.
import { SpanKind, context, type Counter, type Histogram, type Meter, type Tracer } from "@opentelemetry/api";
import type { TokenHandlerEvent } from "@cognito-bearer/bff";
import { ATTRIBUTES, METRICS, SPANS } from "./names.js";
import { backdatedSpan } from "./spans.js";

const REFRESH_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * A stable code for why a session ended: the handler's reasons are sentences
 * for logs, a label needs few values.
 */
export function sessionEndReason(reason: string): "invalid_grant" | "revoked" | "replaced" | "ended_elsewhere" | "other" {
  if (reason.includes("invalid_grant")) return "invalid_grant";
  if (reason.includes("revocation list")) return "revoked";
  if (reason.startsWith("replaced")) return "replaced";
  if (reason.includes("ended during a refresh")) return "ended_elsewhere";
  return "other";
}

export class TokenHandlerTelemetry {
  private readonly signIns: Counter;
  private readonly refreshes: Counter;
  private readonly refreshDuration: Histogram;
  private readonly signOuts: Counter;
  private readonly sessionsExpired: Counter;

  constructor(
    meter: Meter,
    private readonly tracer: Tracer | undefined,
  ) {
    this.signIns = meter.createCounter(METRICS.signIns, { description: "Token handler sign-ins, by outcome" });
    this.refreshes = meter.createCounter(METRICS.refreshes, { description: "Token handler refreshes, by outcome" });
    this.refreshDuration = meter.createHistogram(METRICS.refreshDuration, {
      unit: "s",
      description: "Successful refreshes, token endpoint call included",
      advice: { explicitBucketBoundaries: REFRESH_BUCKETS },
    });
    this.signOuts = meter.createCounter(METRICS.signOuts, { description: "Token handler sign-outs" });
    this.sessionsExpired = meter.createCounter(METRICS.sessionsExpired, { description: "Sessions ended without a sign-out, by reason" });
  }

  /** The token handler's `onEvent`. */
  readonly onEvent = (event: TokenHandlerEvent): void => {
    switch (event.type) {
      case "signed_in":
        this.signIns.add(1, { [ATTRIBUTES.outcome]: "success" });
        break;
      case "sign_in_failed":
        // The handler already reduced the browser's `error` to OAuth's own codes.
        this.signIns.add(1, { [ATTRIBUTES.outcome]: "failure", [ATTRIBUTES.errorType]: event.error });
        break;
      case "refreshed": {
        this.refreshes.add(1, { [ATTRIBUTES.outcome]: "success" });
        this.refreshDuration.record(event.durationMs / 1000);
        if (this.tracer !== undefined) backdatedSpan(this.tracer, SPANS.refresh, event.durationMs, SpanKind.INTERNAL, { [ATTRIBUTES.rotated]: event.rotated }, context.active()).end();
        break;
      }
      case "session_expired": {
        const reason = sessionEndReason(event.reason);
        this.sessionsExpired.add(1, { [ATTRIBUTES.reason]: reason });
        // A refresh token Cognito refused is a failed refresh too.
        if (reason === "invalid_grant") this.refreshes.add(1, { [ATTRIBUTES.outcome]: "failure", [ATTRIBUTES.errorType]: "invalid_grant" });
        break;
      }
      case "signed_out": {
        this.signOuts.add(1, { "cognito_bearer.cognito_revoked": event.cognitoRevoked, "cognito_bearer.api_revoked": event.apiRevoked });
        if (this.tracer !== undefined) {
          const span = this.tracer.startSpan(SPANS.signOut, { kind: SpanKind.INTERNAL }, context.active());
          span.setAttributes({ "cognito_bearer.cognito_revoked": event.cognitoRevoked, "cognito_bearer.api_revoked": event.apiRevoked });
          span.end();
        }
        break;
      }
      case "cognito_unavailable":
      case "verifier_unavailable":
      case "configuration_error": {
        const outcome = event.type === "configuration_error" ? "failure" : "unavailable";
        const attributes = { [ATTRIBUTES.outcome]: outcome, [ATTRIBUTES.errorType]: event.type };
        if (event.operation === "refresh") this.refreshes.add(1, attributes);
        else if (event.operation === "callback") this.signIns.add(1, attributes);
        break;
      }
      default:
        break;
    }
  };
}
