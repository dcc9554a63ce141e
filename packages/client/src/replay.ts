// A request is retried (after a refresh, or after a 503) only when sending it
// again is safe and possible: its body can be sent a second time (not a
// stream, which was consumed by the first try), and its method is idempotent
// unless the caller allowed otherwise.

const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]);

export function methodOf(input: Request | string | URL, init?: RequestInit): string {
  return (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
}

export function canReplay(input: Request | string | URL, init: RequestInit | undefined, allowNonIdempotent: boolean): boolean {
  if (!IDEMPOTENT.has(methodOf(input, init)) && !allowNonIdempotent) return false;
  const body = init?.body;
  if (body !== undefined && body !== null) return !isStream(body);
  // A Request carrying its own body can be cloned before the first try; the caller's init overrides it.
  return true;
}

function isStream(body: unknown): boolean {
  return typeof ReadableStream !== "undefined" && body instanceof ReadableStream;
}
