// The revocation list's state and events as metrics. Entries and the outbox are
// read when a metric reader collects (no cost per check); Redis reloads become
// spans. Revocation lists carry no secret, but neither do their events.
import { SpanKind, context, type Counter, type Meter, type Tracer } from "@opentelemetry/api";
import type { RevocationList } from "@cognito-bearer/core";
import type { RedisRevocationEvent } from "@cognito-bearer/redis";
import { ATTRIBUTES, METRICS, SPANS } from "./names.js";
import { ObservedSet } from "./observed-set.js";
import { backdatedSpan } from "./spans.js";

/** A revocation list; a Redis one also has an outbox and a last confirmation time. */
export type ObservableRevocationList = Pick<RevocationList, "stats"> & { pending?(): number; confirmedAt?(): number };

export class RevocationTelemetry {
  private readonly reloads: Counter;
  private readonly errors: Counter;
  private readonly lists = new ObservedSet<ObservableRevocationList>();

  constructor(
    meter: Meter,
    private readonly tracer: Tracer | undefined,
  ) {
    this.reloads = meter.createCounter(METRICS.revocationReloads, { description: "Reloads of the revocation list's mirror from Redis" });
    this.errors = meter.createCounter(METRICS.revocationErrors, { description: "Redis failures seen by the revocation list, by event (cognito_bearer.reason)" });
    meter.createObservableGauge(METRICS.revocationEntries, { unit: "{entry}", description: "Revocation list entries, by kind" }).addCallback((result) => {
      const totals = { session: 0, token: 0, user: 0 };
      for (const list of this.lists) {
        const stats = list.stats();
        totals.session += stats.sessions;
        totals.token += stats.tokens;
        totals.user += stats.users;
      }
      for (const [kind, value] of Object.entries(totals)) result.observe(value, { [ATTRIBUTES.revocationKind]: kind });
    });
    meter.createObservableGauge(METRICS.revocationStaleness, { unit: "s", description: "Seconds since the revocation list last heard from Redis" }).addCallback((result) => {
      const now = Date.now();
      let oldest: number | undefined;
      for (const list of this.lists) {
        const at = list.confirmedAt?.();
        if (at === undefined) continue;
        // Never confirmed (Redis down since start): as stale as the process is old.
        const age = Number.isFinite(at) ? (now - at) / 1000 : performance.now() / 1000;
        oldest = Math.max(oldest ?? 0, age);
      }
      if (oldest !== undefined) result.observe(oldest);
    });
    meter.createObservableGauge(METRICS.revocationOutbox, { unit: "{entry}", description: "Revocations waiting in the outbox for Redis" }).addCallback((result) => {
      let pending: number | undefined;
      for (const list of this.lists) if (list.pending !== undefined) pending = (pending ?? 0) + list.pending();
      if (pending !== undefined) result.observe(pending);
    });
  }

  /** A Redis revocation list's `onEvent`. */
  readonly onEvent = (event: RedisRevocationEvent): void => {
    if (event.type === "reloaded") {
      this.reloads.add(1);
      if (this.tracer === undefined) return;
      backdatedSpan(this.tracer, SPANS.revocationReload, event.durationMs, SpanKind.CLIENT, { "db.system.name": "redis", "cognito_bearer.revocation_list.entries": event.entries }, context.active()).end();
    } else if (event.type === "error" || event.type === "unavailable" || event.type === "outbox_stalled" || event.type === "outbox_abandoned") {
      this.errors.add(1, { [ATTRIBUTES.reason]: event.type });
    }
  };

  /** Report this list's entries, staleness and outbox; returns a function that stops. */
  observe(list: ObservableRevocationList): () => void {
    return this.lists.add(list);
  }
}
