// `pnpm demo`: a guided tour of cognito-bearer, with no AWS account.
//
// Starts a local Cognito-shaped issuer (@cognito-bearer/testing), runs the
// Express example (examples/express/server.js) against it as a child process,
// sends it a handful of real requests and shows the answers, then leaves the
// server running with ready-to-paste curl lines until Ctrl-C.
//
//   pnpm demo                     the tour, then the server keeps running
//   PORT=3000 pnpm demo           ...on that port (default: a free port)
//   DEMO_NO_WAIT=1 pnpm demo      the tour only (or `node scripts/demo.mjs --once`):
//                                 exits 0 when every answer was the expected one, 1 otherwise
import { randomUUID } from "node:crypto";
import { createTestIssuer } from "@cognito-bearer/testing";
import { bold, countFailure, dim, green, red, say, startExample, step, tally } from "./demo-kit.mjs";

const SERVER = "examples/express/server.js";
const ONCE = process.argv.includes("--once") || ["1", "true"].includes(process.env.DEMO_NO_WAIT ?? "");
/** Set on Ctrl-C: a step the stopping servers then fail is no failure of the demo. */
let interrupted = false;

async function main() {
  const issuer = await createTestIssuer();
  const cleanup = [() => issuer.close()];
  // One closing for all who ask (Ctrl-C, the example exiting, the end of the
  // tour): each waits until every server has stopped, not only the ones it popped.
  let closing;
  const closeAll = () =>
    (closing ??= (async () => {
      while (cleanup.length > 0) await cleanup.pop()();
    })());
  // Ctrl-C is how the demo ends, at any moment (during the tour too): stop
  // everything and exit 0. The handler stays installed, because a terminal's
  // Ctrl-C reaches every process of the group and pnpm forwards it once more:
  // a second SIGINT with no handler would kill the demo by the signal, which
  // pnpm reports as `ELIFECYCLE Command failed`.
  let stopping;
  const stopOnSignal = () => {
    interrupted = true;
    stopping ??= (async () => {
      say();
      say(dim("Stopping…"));
      await closeAll();
      process.exit(0);
    })();
  };
  process.on("SIGINT", stopOnSignal);
  process.on("SIGTERM", stopOnSignal);

  try {
    say(bold("cognito-bearer demo"));
    say(dim(`Local Cognito-shaped issuer: ${issuer.issuer}`));
    say(dim(`  user pool ${issuer.userPoolId}, app client ${issuer.clientId}`));
    const app = await startExample(issuer, ONCE ? "0" : (process.env.PORT ?? "0"));
    cleanup.push(app.stop);
    say(dim(`Express example (${SERVER}): ${app.url}`));
    say();

    const { url } = app;
    const alice = { sub: randomUUID(), username: "alice", scope: "openid email profile" };
    await step("A valid access token: 200 with its claims", { url, path: "/me", token: issuer.mintAccessToken(alice), expect: 200 });
    await step("No token: 401, and a challenge telling the client to authenticate", { url, path: "/me", expect: 401 });
    await step("An expired token: 401 invalid_token", {
      url,
      path: "/me",
      token: issuer.mintAccessToken(alice, { expiresInSeconds: -60 }),
      expect: 401,
    });
    await step("A valid token without the scope orders/read: 403", { url, path: "/orders", token: issuer.mintAccessToken(alice), expect: 403 });
    await step("The same user with the scope: 200", {
      url,
      path: "/orders",
      token: issuer.mintAccessToken({ ...alice, scope: "openid orders/read" }),
      expect: 200,
    });
    await step("Not in the group admin: 403", { url, path: "/admin", token: issuer.mintAccessToken(alice), expect: 403 });
    await step("In the group admin: 200", {
      url,
      path: "/admin",
      token: issuer.mintAccessToken({ ...alice, "cognito:groups": ["admin"] }),
      expect: 200,
    });
    await step("Optional auth, anonymous: 200", { url, path: "/public", expect: 200 });
    await step("Optional auth, with a token: 200", { url, path: "/public", token: issuer.mintAccessToken(alice), expect: 200 });

    const session = issuer.mintAccessToken({ username: "carol" });
    await step("Carol's access token works", { url, path: "/me", token: session, expect: 200 });
    await step("Carol signs out: POST /logout revokes her session", { url, path: "/logout", method: "POST", token: session, expect: 204 });
    await step("The same access token, still unexpired, is refused at once: 401", {
      url,
      path: "/me",
      token: session,
      expect: 401,
      note: "(without a revocation list it would work until it expires, up to a day; COGNITO_REDIS_URL shares the list between instances)",
    });

    issuer.setFault({ mode: "down" });
    await step("The JWKS endpoint goes down, but the keys are cached: still 200", {
      url,
      path: "/me",
      token: issuer.mintAccessToken({ username: "bob" }),
      expect: 200,
      note: "(a token never seen before: its signature is checked with the cached key)",
    });
    issuer.setFault(null);

    // A cold cache needs a second server: the first one already holds the keys.
    const coldIssuer = await createTestIssuer();
    cleanup.push(() => coldIssuer.close());
    coldIssuer.setFault({ mode: "down" });
    const cold = await startExample(coldIssuer);
    cleanup.push(cold.stop);
    await step("A second server whose JWKS is down from the start (nothing cached): 503, never 401", {
      url: cold.url,
      path: "/me",
      token: coldIssuer.mintAccessToken(alice),
      expect: 503,
      note: "(a 401 would make clients drop a perfectly good session because of a server-side fault)",
    });
    const logged = cold.stderr().split("\n").find((line) => line.startsWith("jwks_fetch failed"));
    say(`    ${dim("the server's log says why:")} ${logged ?? red("(nothing logged)")}`);
    if (logged === undefined) countFailure();
    say();
    await cold.stop();
    await coldIssuer.close();

    // The SPA of the token handler example (examples/bff), offline on its own local Cognito.
    const spaPort = ONCE ? "0" : process.env.PORT ? String(Number(process.env.PORT) + 1) : "0";
    const offline = { COGNITO_USER_POOL_ID: "", COGNITO_CLIENT_ID: "", COGNITO_ISSUER: "", COGNITO_JWKS_URI: "" };
    const spa = await startExample(issuer, spaPort, { server: "examples/bff/server.js", env: offline });
    cleanup.push(spa.stop);
    const spaUrl = spa.url.replace("127.0.0.1", "localhost");
    await step("The demo SPA, the token handler and the API on one origin (examples/bff)", { url: spaUrl, path: "/", expect: 200 });

    const { failures, steps } = tally();
    say(failures === 0 ? green(bold(`All ${steps} answers were the expected ones.`)) : red(bold(`${failures} of ${steps} answers were unexpected.`)));
    if (ONCE || failures > 0) {
      await closeAll();
      return failures === 0 ? 0 : 1;
    }

    const token = issuer.mintAccessToken(
      { username: "alice", scope: "openid email profile orders/read", "cognito:groups": ["admin"] },
      { expiresInSeconds: 3600 },
    );
    say();
    say(bold(`The Express example keeps running at ${app.url}. Try it:`));
    say(dim("# an access token valid for 1 hour, with the scope orders/read and the group admin"));
    say(`TOKEN='${token}'`);
    for (const path of ["/me", "/orders", "/admin", "/public"]) say(`curl -i -H "Authorization: Bearer $TOKEN" ${app.url}${path}`);
    say(`curl -i ${app.url}/me`);
    say(dim("# sign out: the same token is refused from then on"));
    say(`curl -i -X POST -H "Authorization: Bearer $TOKEN" ${app.url}/logout`);
    say();
    say(dim("# the Koa and plain Node examples against the same issuer (in another terminal):"));
    const env = `COGNITO_USER_POOL_ID=${issuer.userPoolId} COGNITO_CLIENT_ID=${issuer.clientId} COGNITO_ISSUER=${issuer.issuer}`;
    say(`PORT=3001 ${env} pnpm -C examples/koa start`);
    say(`PORT=3002 ${env} pnpm -C examples/node start`);
    say();
    say(bold(`The demo SPA: open ${spaUrl}/ in a browser`));
    say(dim("  sign in (a demo user, no form), call /me, /orders and /admin, watch the 60 s access token refresh silently,"));
    say(dim("  turn the JWKS off (503, still signed in), revoke at Cognito, sign out (the old token is refused at once)."));
    say();
    say(dim("Press Ctrl-C to stop."));

    return await new Promise((resolve) => {
      // Ctrl-C in a terminal reaches the example too: it stops cleanly (exit 0) on its own.
      app.exited.then(({ code, signal }) => {
        if (closing !== undefined) return;
        if (code !== 0) say(red(`The example exited unexpectedly (${signal ?? code}).`));
        closeAll().then(() => resolve(code === 0 ? 0 : 1));
      });
    });
  } catch (err) {
    await closeAll();
    throw err;
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    if (interrupted) return;
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
