// `IncomingMessage.headers` is built lazily by Node, on first read, from
// `rawHeaders`: lower-casing every name and copying every value into a new
// object. A plain node:http server that never reads `headers` skips that work,
// so the listener in front of it reads the one header it needs from
// `rawHeaders` instead. The listener sees the request first: nothing can have
// rewritten `headers` yet. Like Node, the first Authorization header wins.

const AUTHORIZATION = "authorization";

export function rawAuthorization(rawHeaders: readonly string[]): string | undefined {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    if (name.length === AUTHORIZATION.length && name.toLowerCase() === AUTHORIZATION) return rawHeaders[i + 1];
  }
  return undefined;
}
