// ready() that cannot hang: it resolves once the list is loaded, and rejects
// when its own `timeoutMs` passes or `signal` aborts first, or when the list is
// closed before it was loaded. Each call is its own race: a rejection no one
// asked for (a close() with no ready() pending) is never created.

export interface ReadyOptions {
  /** Reject (with a RevocationUnavailableError) if the list is not loaded within this many milliseconds. */
  timeoutMs?: number | undefined;
  /** Reject (with the signal's reason) when it aborts first. */
  signal?: AbortSignal | undefined;
}

export function readyWithin(
  loaded: Promise<void>,
  closed: AbortSignal,
  options: ReadyOptions | undefined,
  failure: (reason: "timeout" | "closed", timeoutMs?: number) => Error,
): Promise<void> {
  if (options !== undefined && (options === null || typeof options !== "object")) return Promise.reject(new TypeError("cognito-bearer: ready(options): options must be an object"));
  const { timeoutMs, signal } = options ?? {};
  if (timeoutMs !== undefined && (typeof timeoutMs !== "number" || !Number.isFinite(timeoutMs) || timeoutMs < 0)) {
    return Promise.reject(new TypeError("cognito-bearer: ready({ timeoutMs }): timeoutMs must be a number >= 0"));
  }
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => settle(() => reject(signal!.reason));
    const onClose = () => settle(() => reject(failure("closed")));
    const settle = (then: () => void) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      closed.removeEventListener("abort", onClose);
      then();
    };
    loaded.then(() => settle(resolve), (err: unknown) => settle(() => reject(err)));
    if (closed.aborted) return onClose();
    closed.addEventListener("abort", onClose, { once: true });
    signal?.addEventListener("abort", onAbort, { once: true });
    if (timeoutMs !== undefined) timer = setTimeout(() => settle(() => reject(failure("timeout", timeoutMs))), timeoutMs);
  });
}
