// Compiled, never run: the fetch handlers' and Hono's typed auth.
import { Hono } from "hono";
import { authenticateRequest, createVerifier, withCognitoAuth, type CognitoAuth } from "../../src/index.js";
import { authOf, cognitoAuth, requireScopes, type CognitoAuthEnv } from "../../src/hono.js";

const options = { userPoolId: "eu-west-1_AbCdEf123", clientId: "client" };

// Next.js-style route handler: without preflights and without optional, auth is always there.
export const GET = withCognitoAuth(options, (_request, auth) => Response.json({ sub: auth.sub }), { allowPreflight: false });
// By default auth may be undefined (preflights).
export const POST = withCognitoAuth(options, (_request, auth) => Response.json({ sub: auth?.sub }));
// @ts-expect-error preflights arrive unauthenticated by default
withCognitoAuth(options, (_request, auth: CognitoAuth) => Response.json({ sub: auth.sub }));
// Extra arguments (a route's context, Bun's server) pass through, typed.
export const withContext = withCognitoAuth(options, (_request, _auth, context: { params: { id: string } }) => Response.json(context.params.id));
void withContext(new Request("http://x"), { params: { id: "1" } });

export async function handle(request: Request): Promise<string> {
  const verifier = createVerifier(options);
  const auth: CognitoAuth = await authenticateRequest(request, verifier);
  // @ts-expect-error optional: true may resolve to undefined
  const wrong: CognitoAuth = await authenticateRequest(request, verifier, { optional: true });
  return auth.sub + wrong.sub;
}

const app = new Hono<CognitoAuthEnv>();
app.use(cognitoAuth(options));
app.get("/orders", requireScopes("orders/read"), (c) => {
  const maybe: CognitoAuth | undefined = c.var.auth;
  const sub: string = authOf(c).sub;
  // @ts-expect-error c.var.auth may be undefined
  const wrong: string = c.var.auth.sub;
  return c.json({ sub, maybe: maybe?.sub, wrong });
});
