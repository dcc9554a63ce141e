// Compiled, never run: what users write must typecheck without casts, and
// what is wrong must not (each @ts-expect-error fails the build if unneeded).
import Koa from "koa";
import { authOf, cognitoAuth, createVerifier, OptionsError, requireGroups, requireScopes, type CognitoAuth, type CognitoAuthMiddleware, type CognitoAuthState } from "../../src/index.js";

const app = new Koa();
const auth: CognitoAuthMiddleware = cognitoAuth({ userPoolId: "eu-west-1_AbCdEf123", clientId: "client", optional: true });
app.use(auth);
app.use(cognitoAuth(createVerifier({ userPoolId: "eu-west-1_AbCdEf123", clientId: ["a", "b"] }), { passErrors: true, allowPreflight: false }));
app.use(requireScopes({ anyOf: ["orders/read", "orders/write"] }));
app.use(requireGroups("admin", "support"));

app.use((ctx) => {
  const sub: string | undefined = ctx.state.auth?.sub;
  const groups: string[] | undefined = ctx.state.auth?.groups;
  const maybe: CognitoAuth | undefined = ctx.state.auth;
  // @ts-expect-error ctx.state.auth is undefined on anonymous requests and preflights
  const required: string = ctx.state.auth.sub;
  // @ts-expect-error the auth object is read-only: one cached object is shared by requests
  ctx.state.auth!.scopes = [];
  // @ts-expect-error auth holds a CognitoAuth, nothing else
  ctx.state.auth = { sub: "forged" };
  ctx.body = { sub, groups, maybe, required };
});

// authOf(ctx) reads the auth of a guarded route without a non-null assertion.
app.use((ctx) => {
  const sub: string = authOf(ctx).sub;
  ctx.body = { sub };
});
void (new OptionsError("x") instanceof TypeError);

// An app with its own state type adds CognitoAuthState to it.
interface AppState {
  requestId: string;
}
const typed = new Koa<AppState & CognitoAuthState>();
typed.use(cognitoAuth({ userPoolId: "eu-west-1_AbCdEf123", clientId: "client" }));
typed.use((ctx) => {
  const id: string = ctx.state.requestId;
  const sub: string | undefined = ctx.state.auth?.sub;
  ctx.body = { id, sub };
});

// @ts-expect-error adapter options are booleans
cognitoAuth({ userPoolId: "eu-west-1_AbCdEf123", clientId: "client" }, { passErrors: "yes" });
void auth.verifier.warmup();
