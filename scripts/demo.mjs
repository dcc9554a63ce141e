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
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { STATUS_CODES } from "node:http";
import { fileURLToPath } from "node:url";
import { createTestIssuer } from "@cognito-bearer/testing";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SERVER = "examples/express/server.js";
const ONCE = process.argv.includes("--once") || ["1", "true"].includes(process.env.DEMO_NO_WAIT ?? "");

const useColor = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
const paint = (code) => (text) => (useColor ? `\x1b[${code}m${text}\x1b[0m` : String(text));
const [bold, dim, red, green, yellow, cyan] = [1, 2, 31, 32, 33, 36].map(paint);
const say = (line = "") => process.stdout.write(`${line}\n`);
const short = (token) => `${token.slice(0, 12)}…`;

/** Starts the Express example against `issuer` and resolves once /health answers. */
async function startExample(issuer, port = "0") {
  const child = spawn(process.execPath, [SERVER], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      PORT: port,
      HOST: "127.0.0.1",
      COGNITO_USER_POOL_ID: issuer.userPoolId,
      COGNITO_CLIENT_ID: issuer.clientId,
      COGNITO_ISSUER: issuer.issuer,
      COGNITO_JWKS_URI: issuer.jwksUri,
    },
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk) => (stderr += chunk));
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    return exited;
  };

  const url = await new Promise((resolve, reject) => {
    let stdout = "";
    const timer = setTimeout(() => reject(new Error(`${SERVER} did not start within 15 s`)), 15_000);
    child.stdout.setEncoding("utf8").on("data", (chunk) => {
      stdout += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${SERVER} exited (${signal ?? code}) before listening${stderr ? `: ${stderr.trim()}` : ""}`));
    });
  }).catch(async (err) => {
    await stop();
    throw err;
  });

  for (let attempt = 0; ; attempt++) {
    const ok = await fetch(`${url}/health`).then((res) => res.ok, () => false);
    if (ok) break;
    if (attempt === 50) {
      await stop();
      throw new Error(`${url}/health did not answer 200`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, child, exited, stop, stderr: () => stderr };
}

let failures = 0;
let stepNumber = 0;

/** Sends one request, prints it and its answer, and checks the status. */
async function step(title, { url, path, token, expect, note }) {
  stepNumber++;
  const res = await fetch(`${url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const body = await res.text();
  const ok = res.status === expect;
  if (!ok) failures++;

  say(`${bold(`${String(stepNumber).padStart(2)}. ${title}`)}`);
  say(`    ${cyan("GET")} ${path}${token ? dim(`   Authorization: Bearer ${short(token)}`) : dim("   (no Authorization header)")}`);
  const status = `${res.status} ${STATUS_CODES[res.status] ?? ""}`;
  say(`    ${ok ? green(`← ${status} ✓`) : red(`← ${status} ✗ expected ${expect}`)}`);
  for (const name of ["www-authenticate", "retry-after"]) {
    const value = res.headers.get(name);
    if (value !== null) say(`    ${yellow(`${name}:`)} ${value}`);
  }
  say(`    ${body}`);
  if (note) say(`    ${dim(note)}`);
  say();
}

async function main() {
  const issuer = await createTestIssuer();
  const cleanup = [() => issuer.close()];
  let closing = false;
  const closeAll = async () => {
    closing = true;
    while (cleanup.length > 0) await cleanup.pop()();
  };

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
    if (logged === undefined) failures++;
    say();
    await cold.stop();
    await coldIssuer.close();

    say(failures === 0 ? green(bold(`All ${stepNumber} answers were the expected ones.`)) : red(bold(`${failures} of ${stepNumber} answers were unexpected.`)));
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
    say();
    say(dim("# the Koa and plain Node examples against the same issuer (in another terminal):"));
    const env = `COGNITO_USER_POOL_ID=${issuer.userPoolId} COGNITO_CLIENT_ID=${issuer.clientId} COGNITO_ISSUER=${issuer.issuer}`;
    say(`PORT=3001 ${env} pnpm -C examples/koa start`);
    say(`PORT=3002 ${env} pnpm -C examples/node start`);
    say();
    say(dim("Press Ctrl-C to stop."));

    return await new Promise((resolve) => {
      const stop = async () => {
        say();
        say(dim("Stopping…"));
        await closeAll();
        resolve(0);
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      // Ctrl-C in a terminal reaches the example too: it stops cleanly (exit 0) on its own.
      app.exited.then(({ code, signal }) => {
        if (closing) return;
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
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
