// Compiled, never run: what users write must typecheck without casts, and
// what is wrong must not (each @ts-expect-error fails the build if unneeded).
import { createServer, type IncomingMessage } from "node:http";
import {
  authenticate,
  createVerifier,
  isCorsPreflight,
  requireScopes,
  sendAuthError,
  withCognitoAuth,
  type CognitoAuth,
  type CognitoRequestListener,
} from "../../src/index.js";

const options = { userPoolId: "eu-west-1_AbCdEf123", clientId: "client" };

// By default auth is undefined for CORS preflights, so the handler must look.
const listener: CognitoRequestListener = withCognitoAuth(options, (req, res, auth) => {
  if (auth === undefined) return void res.writeHead(204).end();
  res.end(auth.sub);
  // @ts-expect-error possibly undefined before the check above narrows it
  void ((a: typeof auth) => a)(undefined);
});
createServer(listener);

// Without preflights and without optional, auth is always there.
withCognitoAuth(options, (_req, res, auth) => res.end(auth.sub), { allowPreflight: false });
withCognitoAuth(options, async (_req, res, auth) => {
  requireScopes("orders/read")(auth);
  res.end(auth.username ?? "");
}, { allowPreflight: false, optional: false, onError: (err, req) => console.error(req.url, err) });

// allowPreflight: false mixed into the first argument narrows auth just the same.
withCognitoAuth({ ...options, allowPreflight: false }, (_req, res, auth) => res.end(auth.sub));
// @ts-expect-error optional mixed into the first argument may be anonymous
withCognitoAuth({ ...options, allowPreflight: false, optional: true }, (_req, res, auth: CognitoAuth) => res.end(auth.sub));

// @ts-expect-error optional requests may be anonymous
withCognitoAuth(options, (_req, res, auth: CognitoAuth) => res.end(auth.sub), { allowPreflight: false, optional: true });
// @ts-expect-error preflights arrive unauthenticated by default
withCognitoAuth(options, (_req, res, auth: CognitoAuth) => res.end(auth.sub));

const verifier = createVerifier(options);
export async function handle(req: IncomingMessage): Promise<string> {
  const auth: CognitoAuth = await authenticate(req, verifier);
  const maybe: CognitoAuth | undefined = await authenticate({ headers: { authorization: "Bearer x" } }, verifier, { optional: true });
  // @ts-expect-error optional: true may resolve to undefined
  const wrong: CognitoAuth = await authenticate(req, verifier, { optional: true });
  // @ts-expect-error authenticate needs a verifier, not options
  await authenticate(req, options);
  void isCorsPreflight(req.method, req.headers);
  return auth.sub + (maybe?.sub ?? "") + wrong.sub;
}

// sendAuthError takes what a catch block gives.
export async function guarded(req: IncomingMessage, res: Parameters<typeof sendAuthError>[0]): Promise<void> {
  try {
    await authenticate(req, verifier);
  } catch (err) {
    sendAuthError(res, err);
  }
}
