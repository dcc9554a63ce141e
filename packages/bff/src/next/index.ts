// @cognito-bearer/bff/next: the token handler in a Next.js (16) App Router app,
// on the Node.js runtime. See the README's "Next.js App Router".
export { createNextTokenHandler } from "./create.js";
export type { NextTokenHandler, NextTokenHandlerOptions, NextSession } from "./create.js";
export { SessionExpiredError, TokenHandlerUnavailableError } from "./errors.js";
export type { OptimisticCheckOptions } from "./optimistic-check.js";
export type { RouteHandler } from "./route-handlers.js";
