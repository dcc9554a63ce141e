// Test harness for the examples: starts an example's server.js as a real child
// process (on the built packages, so run `pnpm build` first) on a free port,
// and one table of route cases that every example must answer identically.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { AuthError, errorResponse, extractBearerToken, requireGroups, requireScopes, type CognitoAuth, type RejectReason } from "@cognito-bearer/core";
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";

export const ROOT = path.resolve(__dirname, "../..");
export const EXAMPLES = ["express", "koa", "node"] as const;
export type ExampleName = (typeof EXAMPLES)[number] | "bff" | "fastify" | "hono" | "lambda" | "deno" | "bun" | "mcp";

/**
 * How an example is started when it is not `node server.js`: as its start
 * script says, with the runtime pinned in its devDependencies (the binary
 * itself, so that signals reach it), in its folder.
 */
const RUNTIME_COMMANDS: Partial<Record<ExampleName, { binary: string[]; args: string[] }>> = {
  deno: { binary: ["deno", "deno"], args: ["run", "--allow-net", "--allow-env", "--allow-read", "server.js"] },
  bun: { binary: ["bun", "bin", "bun.exe"], args: ["server.js"] },
};

function commandOf(name: ExampleName): { command: string; args: string[]; cwd: string } {
  const runtime = RUNTIME_COMMANDS[name];
  if (runtime === undefined) return { command: process.execPath, args: [path.join("examples", name, "server.js")], cwd: ROOT };
  const cwd = path.join(ROOT, "examples", name);
  return { command: path.join(cwd, "node_modules", ...runtime.binary), args: runtime.args, cwd };
}

/** The body of GET /orders, the same in every example. */
export const ORDERS = [
  { id: "ord_1001", item: "Coffee beans, 1 kg", quantity: 2 },
  { id: "ord_1002", item: "Paper filters", quantity: 100 },
];

export const JSON_TYPE = "application/json; charset=utf-8";

/** The environment of a child: ours, minus anything that would configure the example. */
function childEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(base)) if (name === "PORT" || name === "HOST" || name.startsWith("COGNITO_")) delete base[name];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete base[name];
    else base[name] = value;
  }
  return base;
}

/** The environment pointing an example at a test issuer. */
export function issuerEnv(issuer: TestIssuer): Record<string, string> {
  return {
    PORT: "0",
    HOST: "127.0.0.1",
    COGNITO_USER_POOL_ID: issuer.userPoolId,
    // Several client ids, with spaces: the list is trimmed.
    COGNITO_CLIENT_ID: `other-app-client, ${issuer.clientId}`,
    COGNITO_ISSUER: issuer.issuer,
    COGNITO_JWKS_URI: issuer.jwksUri,
  };
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Running {
  name: ExampleName;
  url: string;
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<Exit>;
  /** Sends `signal` (default SIGTERM) and resolves with the exit; SIGKILL after 5 s. */
  stop: (signal?: NodeJS.Signals) => Promise<Exit>;
}

const children = new Set<ChildProcess>();

function spawnExample(name: ExampleName, env: Record<string, string | undefined>) {
  const { command, args, cwd } = commandOf(name);
  const child = spawn(command, args, {
    cwd,
    env: childEnv(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  // "close" (not "exit"): the pipes are drained too.
  const exited = new Promise<Exit>((resolve) =>
    child.once("close", (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

async function stopChild(child: ChildProcess, exited: Promise<Exit>, signal: NodeJS.Signals = "SIGTERM"): Promise<Exit> {
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Starts examples/<name>/server.js and resolves once it logged its URL and /health answers. */
export async function startExample(name: ExampleName, env: Record<string, string | undefined>): Promise<Running> {
  const { child, exited, stdout, stderr } = spawnExample(name, env);
  const running: Running = { name, url: "", child, stdout, stderr, exited, stop: (signal) => stopChild(child, exited, signal) };
  const deadline = Date.now() + 15_000;
  let exit: Exit | undefined;
  void exited.then((result) => (exit = result));
  while (!running.url) {
    const match = /^listening on (http:\/\/\S+)$/m.exec(stdout());
    if (match) running.url = match[1];
    else if (exit || Date.now() > deadline) {
      await running.stop("SIGKILL");
      throw new Error(`${name} example did not start (${exit ? `exit ${exit.signal ?? exit.code}` : "timeout"}): ${stderr().trim()}`);
    } else await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const health = await fetch(`${running.url}/health`);
  await health.arrayBuffer();
  if (health.status !== 200) throw new Error(`${name}: /health answered ${health.status}`);
  return running;
}

/** Runs an example expected to exit by itself (a bad configuration); SIGKILL after `timeoutMs`. */
export async function runToExit(name: ExampleName, env: Record<string, string | undefined>, timeoutMs = 10_000) {
  const { child, exited, stdout, stderr } = spawnExample(name, env);
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const exit = await exited;
  clearTimeout(timer);
  return { ...exit, stdout: stdout(), stderr: stderr() };
}

/** Kills every example process still running (afterAll). */
export async function stopAllExamples(): Promise<void> {
  await Promise.all(
    [...children].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once("close", () => resolve());
          child.kill("SIGKILL");
        }),
    ),
  );
}

/** What a response is compared on: everything an API client can observe of the auth decision. */
export interface Answer {
  status: number;
  contentType: string | null;
  wwwAuthenticate: string | null;
  retryAfter: string | null;
  body: string;
}

export async function request(url: string, pathname: string, { method = "GET", authorization }: { method?: string; authorization?: string } = {}): Promise<Answer> {
  const res = await fetch(`${url}${pathname}`, { method, headers: authorization === undefined ? {} : { authorization } });
  return {
    status: res.status,
    contentType: res.headers.get("content-type"),
    wwwAuthenticate: res.headers.get("www-authenticate"),
    retryAfter: res.headers.get("retry-after"),
    body: await res.text(),
  };
}

function ok(body: unknown, status = 200): Answer {
  return { status, contentType: JSON_TYPE, wwwAuthenticate: null, retryAfter: null, body: JSON.stringify(body) };
}

/** core's own answer for an AuthError: the examples must send exactly that. */
function refused(err: AuthError): Answer {
  const { status, headers, body } = errorResponse(err);
  return { status, contentType: JSON_TYPE, wwwAuthenticate: headers["WWW-Authenticate"] ?? null, retryAfter: headers["Retry-After"] ?? null, body };
}
const reject = (reason: RejectReason) => refused(new AuthError(reason));
function thrownBy(check: () => void): Answer {
  try {
    check();
  } catch (err) {
    if (err instanceof AuthError) return refused(err);
    throw err;
  }
  throw new Error("expected an AuthError");
}
const anonymousLacking = { scopes: [], groups: [] } as unknown as CognitoAuth;

export interface RouteCase {
  name: string;
  method?: string;
  path: string;
  authorization?: string;
  expected: Answer;
}

const ALICE_SUB = "8c1e5f2a-6b1d-4f0e-9a55-2f3c1d7e9b10";

/** The shared table: every route with valid, missing, invalid and insufficient credentials. */
export function routeCases(issuer: TestIssuer): RouteCase[] {
  const alice = { sub: ALICE_SUB, username: "alice", scope: "openid email profile" };
  const bearer = (claims: Record<string, unknown> = {}, options?: Parameters<TestIssuer["mintAccessToken"]>[1]) =>
    `Bearer ${issuer.mintAccessToken({ ...alice, ...claims }, options)}`;
  const valid = bearer();
  const expired = bearer({}, { expiresInSeconds: -60 });
  const me = { sub: ALICE_SUB, username: "alice", clientId: issuer.clientId, scopes: ["openid", "email", "profile"], groups: [] };
  const missingScope = thrownBy(() => requireScopes("orders/read")(anonymousLacking));
  const missingGroup = thrownBy(() => requireGroups("admin")(anonymousLacking));

  return [
    { name: "/health without a token", path: "/health", expected: ok({ status: "ok" }) },
    { name: "/health ignores credentials", path: "/health", authorization: "Bearer not-a-token", expected: ok({ status: "ok" }) },

    { name: "/me with a valid token", path: "/me", authorization: valid, expected: ok(me) },
    { name: "/me with a query string", path: "/me?verbose=1", authorization: valid, expected: ok(me) },
    {
      name: "/me with a token of the second client id",
      path: "/me",
      // A user's token of that client: since the merge of requireUser/requireClient (caller kinds), a token with no username
      // must be a client-credentials one (sub = client_id), else 401; the username-less case is the contract's M2M token.
      authorization: bearer({ client_id: "other-app-client", scope: undefined }),
      expected: ok({ sub: ALICE_SUB, username: "alice", clientId: "other-app-client", scopes: [], groups: [] }),
    },
    {
      name: "/me lists scopes and groups",
      path: "/me",
      authorization: bearer({ scope: "orders/read", "cognito:groups": ["admin", "staff"] }),
      expected: ok({ ...me, scopes: ["orders/read"], groups: ["admin", "staff"] }),
    },
    { name: "/me without a token", path: "/me", expected: reject("missing_credentials") },
    { name: "/me with Basic credentials", path: "/me", authorization: "Basic YWxpY2U6c2VjcmV0", expected: reject("missing_credentials") },
    { name: "/me with an empty Bearer token", path: "/me", authorization: "Bearer ", expected: thrownBy(() => extractBearerToken("Bearer ")) },
    { name: "/me with a garbage token", path: "/me", authorization: "Bearer not.a.jwt", expected: reject("malformed_token") },
    { name: "/me with an expired token", path: "/me", authorization: expired, expected: reject("expired") },
    { name: "/me with an ID token", path: "/me", authorization: `Bearer ${issuer.mintIdToken()}`, expected: reject("wrong_token_use") },
    { name: "/me with another app client's token", path: "/me", authorization: bearer({ client_id: "someone-else" }), expected: reject("client_not_accepted") },

    { name: "/orders with the scope", path: "/orders", authorization: bearer({ scope: "openid orders/read" }), expected: ok({ orders: ORDERS }) },
    { name: "/orders without the scope", path: "/orders", authorization: valid, expected: missingScope },
    { name: "/orders without a token", path: "/orders", expected: reject("missing_credentials") },
    { name: "/orders with an expired token", path: "/orders", authorization: bearer({ scope: "orders/read" }, { expiresInSeconds: -60 }), expected: reject("expired") },

    { name: "/admin in the group", path: "/admin", authorization: bearer({ "cognito:groups": ["staff", "admin"] }), expected: ok({ admin: true }) },
    { name: "/admin in another group", path: "/admin", authorization: bearer({ "cognito:groups": ["staff"] }), expected: missingGroup },
    { name: "/admin in no group", path: "/admin", authorization: valid, expected: missingGroup },
    { name: "/admin without a token", path: "/admin", expected: reject("missing_credentials") },

    { name: "/public anonymous", path: "/public", expected: ok({ authenticated: false }) },
    { name: "/public with a valid token", path: "/public", authorization: valid, expected: ok({ authenticated: true, sub: ALICE_SUB }) },
    { name: "/public with an expired token", path: "/public", authorization: expired, expected: reject("expired") },
    { name: "/public with malformed credentials", path: "/public", authorization: "Bearer a b", expected: thrownBy(() => extractBearerToken("Bearer a b")) },

    { name: "an unknown path", path: "/nope", expected: ok({ error: "not_found" }, 404) },
    { name: "an unknown path with a token", path: "/orders/42", authorization: valid, expected: ok({ error: "not_found" }, 404) },
    { name: "POST on a GET route", method: "POST", path: "/health", expected: ok({ error: "not_found" }, 404) },
  ];
}

/** The answer when the JWKS cannot be fetched and nothing is cached. */
export const JWKS_DOWN = reject("jwks_unavailable");

/**
 * The tests of one example, run by examples/<name>/test/server.test.ts: the
 * route table, a JWKS outage with and without cached keys, bad configuration,
 * and shutdown.
 */
export function describeExample(name: ExampleName): void {
  jest.setTimeout(30_000);

  let issuer: TestIssuer;
  let app: Running;

  beforeAll(async () => {
    issuer = await createTestIssuer();
    app = await startExample(name, issuerEnv(issuer));
  });

  afterAll(async () => {
    await stopAllExamples();
    await issuer?.close();
  });

  describe(`${name} example: routes`, () => {
    it("logs one line when listening", () => {
      expect(app.stdout()).toBe(`listening on ${app.url}\n`);
      expect(app.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    });

    it("answers every case of the shared table exactly", async () => {
      for (const { name: caseName, method, path: pathname, authorization, expected } of routeCases(issuer)) {
        const answer = await request(app.url, pathname, { method, authorization });
        expect({ case: caseName, ...answer }).toEqual({ case: caseName, ...expected });
      }
    });

    it("keeps answering from cached keys while the JWKS is down", async () => {
      await request(app.url, "/me", { authorization: `Bearer ${issuer.mintAccessToken()}` });
      issuer.setFault({ mode: "down" });
      try {
        const answer = await request(app.url, "/me", { authorization: `Bearer ${issuer.mintAccessToken({ username: "bob" })}` });
        expect(answer.status).toBe(200);
        expect(JSON.parse(answer.body).username).toBe("bob");
      } finally {
        issuer.setFault(null);
      }
    });

    it("answers 503 with Retry-After, never 401, when the JWKS is down and nothing is cached", async () => {
      const down = await createTestIssuer();
      try {
        down.setFault({ mode: "down" });
        const cold = await startExample(name, issuerEnv(down));
        const token = `Bearer ${down.mintAccessToken({ scope: "orders/read" })}`;
        expect(await request(cold.url, "/me", { authorization: token })).toEqual(JWKS_DOWN);
        expect(await request(cold.url, "/public", { authorization: token })).toEqual(JWKS_DOWN);
        // Routes without auth are unaffected.
        expect((await request(cold.url, "/health")).status).toBe(200);
        expect(await cold.stop()).toEqual({ code: 0, signal: null });
      } finally {
        await down.close();
      }
    });
  });

  describe(`${name} example: configuration`, () => {
    const badConfigs: [string, Record<string, string | undefined>, RegExp][] = [
      ["COGNITO_USER_POOL_ID is missing", { COGNITO_USER_POOL_ID: undefined }, /^COGNITO_USER_POOL_ID is required/],
      ["COGNITO_USER_POOL_ID is empty", { COGNITO_USER_POOL_ID: " " }, /^COGNITO_USER_POOL_ID is required/],
      ["COGNITO_CLIENT_ID is missing", { COGNITO_CLIENT_ID: undefined }, /^COGNITO_CLIENT_ID is required/],
      ["COGNITO_CLIENT_ID is only commas", { COGNITO_CLIENT_ID: ", ," }, /^COGNITO_CLIENT_ID is required/],
      ["PORT is not a number", { PORT: "http" }, /^PORT must be an integer/],
      ["PORT is out of range", { PORT: "70000" }, /^PORT must be an integer/],
      ["COGNITO_ISSUER is not a URL", { COGNITO_ISSUER: "not a url" }, /^COGNITO_ISSUER must be an absolute http\(s\) URL/],
      ["COGNITO_ISSUER is not http(s)", { COGNITO_ISSUER: "ftp://127.0.0.1/pool" }, /^COGNITO_ISSUER must be an http\(s\) URL/],
      ["COGNITO_JWKS_URI is not a URL", { COGNITO_JWKS_URI: "jwks.json" }, /^COGNITO_JWKS_URI must be an absolute http\(s\) URL/],
      [
        "COGNITO_USER_POOL_ID is not a Cognito pool id (and no issuer override)",
        { COGNITO_USER_POOL_ID: "local_AbCd1234", COGNITO_ISSUER: undefined, COGNITO_JWKS_URI: undefined },
        /^COGNITO_USER_POOL_ID "local_AbCd1234" is not a Cognito user pool id.*set COGNITO_ISSUER/,
      ],
    ];

    it.each(badConfigs)("exits 1 with one line on stderr when %s", async (_label, overrides, message) => {
      const result = await runToExit(name, { ...issuerEnv(issuer), ...overrides });
      expect(result.code).toBe(1);
      expect(result.stdout).toBe("");
      expect(result.stderr).toMatch(/^[^\n]+\n$/);
      expect(result.stderr).toMatch(message);
    });

    it("exits 1 with one line on stderr when the port is taken", async () => {
      const result = await runToExit(name, { ...issuerEnv(issuer), PORT: String(issuer.port) });
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(`PORT ${issuer.port} is already in use on 127.0.0.1\n`);
    });

    it("exits 1 with one line on stderr when HOST is not a local address", async () => {
      const result = await runToExit(name, { ...issuerEnv(issuer), HOST: "192.0.2.1" });
      expect(result.code).toBe(1);
      expect(result.stderr).toBe("HOST 192.0.2.1 cannot be listened on: EADDRNOTAVAIL\n");
    });

    it("accepts a cognito-local style pool id when COGNITO_ISSUER is set", async () => {
      const local = await startExample(name, { ...issuerEnv(issuer), COGNITO_USER_POOL_ID: "local_AbCd1234" });
      expect((await request(local.url, "/health")).status).toBe(200);
      await local.stop();
    });
  });

  describe(`${name} example: shutdown`, () => {
    it.each(["SIGTERM", "SIGINT"] as const)("exits 0 on %s, also with an idle keep-alive connection", async (signal) => {
      const running = await startExample(name, issuerEnv(issuer));
      expect((await request(running.url, "/me", { authorization: `Bearer ${issuer.mintAccessToken()}` })).status).toBe(200);
      const started = Date.now();
      expect(await running.stop(signal)).toEqual({ code: 0, signal: null });
      expect(Date.now() - started).toBeLessThan(1500);
    });
  });
}
