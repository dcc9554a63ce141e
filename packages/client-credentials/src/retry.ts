// Asking again after a transient failure: bounded attempts, exponential
// back-off with full jitter (so a fleet does not retry in step), at least what
// Retry-After asks, and no wait at all when the endpoint asks for longer than
// we are willing to hold callers.
import { ClientCredentialsError } from "./errors.js";
import type { RetryOptions } from "./options.js";
import { AttemptFailure } from "./token-request.js";

export async function withRetries<T>(attempt: () => Promise<T>, retry: Required<RetryOptions>, sleep: (ms: number) => Promise<void>): Promise<T> {
  for (let made = 1; ; made++) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof AttemptFailure)) throw err;
      const { retryable, retryAfterSeconds } = err;
      const tooLong = retryAfterSeconds !== undefined && retryAfterSeconds > retry.maxRetryAfterSeconds;
      if (!retryable || made > retry.retries || tooLong) throw withAttempts(err.error, made);
      const jittered = Math.random() * Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (made - 1));
      await sleep(Math.max(jittered, (retryAfterSeconds ?? 0) * 1000));
    }
  }
}

function withAttempts(error: ClientCredentialsError, attempts: number): ClientCredentialsError {
  if (attempts === 1) return error;
  const message = `${error.message}${error.isConfigurationError ? "" : ` (after ${attempts} attempts)`}`;
  return new ClientCredentialsError(error.code, message, error.status, attempts, { cause: error.cause });
}
