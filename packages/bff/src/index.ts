// @cognito-bearer/bff: the token handler that keeps the refresh token off the
// browser. Mounts: "@cognito-bearer/bff/express", "/koa", "/node"; Next.js App Router: "/next".
export { createTokenHandler } from "./handler.js";
export type { TokenHandler } from "./handler.js";
export type { TokenHandlerOptions, CognitoClientOptions, TokenHandlerEvent } from "./options.js";
export type { TokenHandlerRequest, TokenHandlerResponse } from "./http.js";
export { createMemorySessionStore } from "./memory-session-store.js";
export type { SessionStore, SessionLock, StoredSession } from "./session-store.js";
export { safeReturnTo } from "./return-to.js";
export type { ProxyOptions } from "./proxy/options.js";
