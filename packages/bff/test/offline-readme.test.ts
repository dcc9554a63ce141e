// The README's "Offline, against a local Cognito" program, run as it is
// written there: its code block is read from README.md, its imports are bound
// to the workspace packages, and only its port is changed (to a free one).
// Then a browser-like client signs in through /auth/login → the issuer's
// /oauth2/authorize → /auth/callback and gets an access token from
// POST /auth/token. If the README's code stops working, this test fails.
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import express from "express";
import * as core from "@cognito-bearer/core";
import * as bff from "@cognito-bearer/bff";
import * as bffExpress from "@cognito-bearer/bff/express";
import * as testing from "@cognito-bearer/testing";
import { Browser, claimsOf } from "./support";

jest.setTimeout(30_000);

const README = readFileSync(path.join(__dirname, "..", "README.md"), "utf8");

/** The first ```js block after the heading. */
function codeBlockAfter(heading: string): string {
  const start = README.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README.md has no heading "${heading}"`);
  const block = /```js\n([\s\S]*?)\n```/.exec(README.slice(start));
  if (block === null) throw new Error(`README.md has no js code block after "${heading}"`);
  return block[1];
}

const SNIPPET = codeBlockAfter("## Offline, against a local Cognito");

/** What the snippet may import: the module each specifier names, as a reader's install would give it. */
const MODULES: Record<string, Record<string, unknown>> = {
  express: { default: express },
  "@cognito-bearer/core": core,
  "@cognito-bearer/bff": bff,
  "@cognito-bearer/bff/express": bffExpress,
  "@cognito-bearer/testing": testing,
};

const IMPORT = /^import\s+(?:(\w+)|\{([^}]*)\})\s+from\s+"([^"]+)";$/;

interface Program {
  issuer: testing.TestIssuer;
  tokens: bff.TokenHandler;
  server: Server;
  logged: string[];
}

/** Runs `code` (the snippet, maybe edited) with its imports bound to MODULES and `const port` set to `port`. */
async function run(code: string, port: number): Promise<Program> {
  const names: string[] = [];
  const values: unknown[] = [];
  const body: string[] = [];
  for (const line of code.split("\n")) {
    const match = IMPORT.exec(line.trim());
    if (match === null) {
      if (/^\s*import\b/.test(line)) throw new Error(`an import this test cannot bind: ${line}`);
      body.push(line);
      continue;
    }
    const [, defaultName, named, specifier] = match;
    const module = MODULES[specifier];
    if (module === undefined) throw new Error(`the snippet imports ${specifier}, which this test does not provide`);
    if (defaultName !== undefined) {
      names.push(defaultName);
      values.push(module.default);
    } else {
      for (const name of named.split(",").map((item) => item.trim()).filter(Boolean)) {
        if (!(name in module)) throw new Error(`${specifier} exports no ${name}`);
        names.push(name);
        values.push(module[name]);
      }
    }
  }
  let source = body.join("\n");
  if (!/^const port = 3000;$/m.test(source)) throw new Error("the snippet no longer says `const port = 3000;`");
  source = source.replace(/^const port = 3000;$/m, `const port = ${port};`);
  const logged: string[] = [];
  const quietConsole = { log: (...args: unknown[]) => logged.push(args.join(" ")) };
  const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => (...values: unknown[]) => Promise<Omit<Program, "logged">>;
  const program = new AsyncFunction(...names, "console", `${source}\nreturn { issuer, tokens, server };`);
  const started = await program(...values, quietConsole);
  if (!started.server.listening) await new Promise((resolve) => started.server.once("listening", resolve));
  return { ...started, logged };
}

async function stop({ issuer, tokens, server }: Program): Promise<void> {
  await tokens.close();
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  await issuer.close();
}

/** A port free a moment ago (the program listens on a fixed port, as the README's does). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe("packages/bff/README.md: the offline program", () => {
  it("shows the options a new user needs, the secret as a comment only", () => {
    expect(SNIPPET).toContain('import { createTestIssuer } from "@cognito-bearer/testing";');
    expect(SNIPPET).toContain('import { tokenHandlerMiddleware } from "@cognito-bearer/bff/express";');
    expect(SNIPPET).toMatch(/^ {4}redirectUris: \[redirectUri\],/m);
    expect(SNIPPET).toMatch(/^ {4}allowedScopes: scopes,/m);
    expect(SNIPPET).toMatch(/^ {4}users: \[\{ username: "alice"/m);
    expect(SNIPPET).toContain("cognito: { domain: issuer.url, clientId: issuer.clientId, redirectUri, scopes },");
    expect(SNIPPET).toMatch(/^ {2}verifier: issuer\.verifierOptions,/m);
    expect(SNIPPET).toMatch(/^ {2}\/\/ secret: /m);
    expect(SNIPPET).toContain("app.use(tokenHandlerMiddleware(tokens));");
  });

  it("runs as written: sign in as alice, then POST /auth/token answers an access token with the custom scope", async () => {
    const port = await freePort();
    const program = await run(SNIPPET, port);
    try {
      expect(program.logged).toEqual([`open http://localhost:${port}/auth/login`]);
      const browser = new Browser(`http://localhost:${port}`);
      const callback = await browser.signIn();
      expect(callback.status).toBe(200);

      const res = await browser.post("/auth/token", { "x-csrf": "1", origin: `http://localhost:${port}` });
      expect(res.status).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({ token_type: "Bearer", expires_in: expect.any(Number) });
      expect(claimsOf(body.access_token)).toMatchObject({ username: "alice", token_use: "access", client_id: program.issuer.clientId, "cognito:groups": ["admin"] });
      expect(claimsOf(body.access_token).scope.split(" ")).toEqual(expect.arrayContaining(["openid", "orders/read"]));

      // The token is one the API's verifier (same pool) accepts.
      const verifier = core.createVerifier(program.issuer.verifierOptions);
      try {
        expect((await verifier.verify(body.access_token)).username).toBe("alice");
      } finally {
        verifier.close();
      }
      expect((await browser.request("/auth/session")).json()).toMatchObject({ authenticated: true, username: "alice" });
    } finally {
      await stop(program);
    }
  });

  it("needs its allowedScopes line: without it, the custom scope ends the sign-in with invalid_scope", async () => {
    const withoutAllowedScopes = SNIPPET.replace(/^ {4}allowedScopes: scopes,.*\n/m, "");
    expect(withoutAllowedScopes).not.toBe(SNIPPET);
    const port = await freePort();
    const program = await run(withoutAllowedScopes, port);
    try {
      const browser = new Browser(`http://localhost:${port}`);
      const callback = await browser.signIn();
      expect(callback.status).toBe(400);
      expect(callback.text).toContain("invalid_scope");
      expect((await browser.post("/auth/token", { "x-csrf": "1", origin: `http://localhost:${port}` })).status).toBe(401);
    } finally {
      await stop(program);
    }
  });
});
