// The contract table (test/contract/cases.ts) against the contract app running
// on a real runtime other than Node: one runtime process per test file, every
// case against it, each answer compared with the contract and, byte for byte,
// with Express's answer to the same request. Plus what issue 18 asks of every
// runtime: a valid token is never 401 (the regression: workerd answered
// `malformed_token`), a cold start costs exactly one JWKS fetch, and a key
// rotation is picked up.
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import { express5App } from "../../packages/express/test/contract-app.js";
import type { ContractApp } from "../../packages/node/test/contract-app.js";
import { contractCases, type MeBody, type Tokens } from "../contract/cases.js";
import { serve, type RunningServer } from "../support/server.js";

/** A runtime serving the contract app (contract-routes.ts): its Hono app under /hono, its fetch handler under /fetch. */
export interface RunningRuntime {
  url: string;
  stop(): Promise<void>;
}

/** Starts the runtime with the verifier options (JSON) the app reads on its first request. */
export type StartRuntime = (optionsJson: string) => Promise<RunningRuntime>;

interface Answer {
  status: number;
  wwwAuthenticate: string | null;
  retryAfter: string | null;
  contentType: string | null;
  body: string;
}

const APPS = ["hono", "fetch"] as const;

async function ask(url: string, method: string, headers: Record<string, string>): Promise<{ answer: Answer; raw: string }> {
  const response = await fetch(url, { method, headers });
  const body = await response.text();
  const header = (name: string) => response.headers.get(name);
  return {
    answer: { status: response.status, wwwAuthenticate: header("www-authenticate"), retryAfter: header("retry-after"), contentType: header("content-type"), body },
    raw: `${JSON.stringify([...response.headers])}\n${body}`,
  };
}

export function describeContractOnRuntime(start: StartRuntime): void {
  let issuer: TestIssuer;
  let outageIssuer: TestIssuer;
  let otherIssuer: TestIssuer;
  let tokens: Tokens;
  let runtime: RunningRuntime | undefined;
  let reference: { app: ContractApp; server: RunningServer } | undefined;
  const meBodies = new Map<string, MeBody>();

  beforeAll(async () => {
    [issuer, outageIssuer, otherIssuer] = await Promise.all([createTestIssuer(), createTestIssuer(), createTestIssuer()]);
    outageIssuer.setFault({ mode: "down" });
    const mint = (claims: Record<string, unknown>) => issuer.mintAccessToken(claims);
    tokens = {
      valid: mint({ username: "alice", scope: "openid profile" }),
      privileged: mint({ username: "bob", scope: "openid orders/read", "cognito:groups": ["admin", "staff"] }),
      expired: issuer.mintAccessToken({}, { expiresInSeconds: -60 }),
      wrongClient: mint({ client_id: "another-app-client" }),
      idToken: issuer.mintIdToken(),
      otherIssuer: otherIssuer.mintAccessToken({ client_id: issuer.clientId }),
      unknownKid: issuer.mintAccessToken({}, { header: { kid: "no-such-key" } }),
      outage: outageIssuer.mintAccessToken(),
    };
    for (const token of [tokens.valid, tokens.privileged]) {
      const claims = JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8"));
      meBodies.set(token, { sub: claims.sub, username: claims.username, clientId: claims.client_id, scopes: claims.scope.split(" "), groups: claims["cognito:groups"] ?? [] });
    }
    // No cooldown, so that the rotation test's new kid is fetched right after the table's unknown kid.
    const options = [{ ...issuer.verifierOptions, jwks: { cooldownSeconds: 0 } }, outageIssuer.verifierOptions];
    const app = express5App(options);
    reference = { app, server: await serve(app.listener) };
    issuer.resetCounters();
    runtime = await start(JSON.stringify(options));
  });

  afterAll(async () => {
    await runtime?.stop();
    if (reference !== undefined) {
      await reference.server.close();
      reference.app.verifier.close();
    }
    await Promise.all([issuer, outageIssuer, otherIssuer].filter(Boolean).map((i) => i.close()));
  });

  test("cold start: a valid token is answered 200 (never 401) after exactly one JWKS fetch per verifier", async () => {
    expect(issuer.jwksRequests).toBe(0);
    for (const [index, app] of APPS.entries()) {
      const { answer } = await ask(`${runtime!.url}/${app}/me`, "GET", { Authorization: `Bearer ${tokens.valid}` });
      expect({ app, status: answer.status, body: JSON.parse(answer.body) }).toEqual({ app, status: 200, body: meBodies.get(tokens.valid) });
      expect({ app, jwksFetches: issuer.jwksRequests }).toEqual({ app, jwksFetches: index + 1 });
    }
    // Warm: the same and a new token of the same key need no fetch.
    for (const app of APPS) {
      for (const token of [tokens.valid, issuer.mintAccessToken()]) {
        expect((await ask(`${runtime!.url}/${app}/me`, "GET", { Authorization: `Bearer ${token}` })).answer.status).toBe(200);
      }
    }
    expect(issuer.jwksRequests).toBe(APPS.length);
  });

  describe.each(contractCases((token) => meBodies.get(token)!))("$name", (contractCase) => {
    const answers: Array<{ name: string; answer: Answer; raw: string }> = [];
    let express: Answer;

    beforeAll(async () => {
      const headers = contractCase.headers(tokens);
      express = (await ask(`${reference!.server.url}${contractCase.path}`, contractCase.method, headers)).answer;
      for (const app of APPS) answers.push({ name: app, ...(await ask(`${runtime!.url}/${app}${contractCase.path}`, contractCase.method, headers)) });
    });

    test("answers per the contract, with the same bytes as Express", () => {
      const expected = contractCase.expected(tokens);
      for (const { name, answer } of answers) {
        expect({ app: name, status: answer.status, wwwAuthenticate: answer.wwwAuthenticate, retryAfter: answer.retryAfter, body: answer.body === "" ? undefined : JSON.parse(answer.body) }).toEqual({
          app: name,
          ...expected,
        });
        expect({ app: name, ...answer }).toEqual({ app: name, ...express });
      }
      expect(answers).toHaveLength(APPS.length);
    });

    test("never echoes a token in a header or the body", () => {
      const sent = Object.values(contractCase.headers(tokens)).join(" ");
      const fragments = Object.values(tokens)
        .filter((token) => sent.includes(token))
        .flatMap((token) => [token, token.split(".")[2]]);
      for (const { name, raw } of answers) for (const fragment of fragments) expect({ app: name, leaks: raw.includes(fragment) }).toEqual({ app: name, leaks: false });
    });
  });

  test("explain() checks the signature on this runtime: valid for the issuer's token, not for a tampered one", async () => {
    const report = async (token: string) => {
      const response = await fetch(`${runtime!.url}/__explain`, { method: "POST", body: token });
      const { verdict, reason, checks } = (await response.json()) as { verdict: string; reason?: string; checks: Array<{ check: string; outcome: string }> };
      return { verdict, reason, signature: checks.find((check) => check.check === "signature")?.outcome };
    };
    const [header, payload, signature] = issuer.mintAccessToken().split(".");
    const tampered = `${header}.${payload}.${signature.slice(0, 10)}${signature[10] === "A" ? "B" : "A"}${signature.slice(11)}`;
    expect(await report(`${header}.${payload}.${signature}`)).toEqual({ verdict: "valid", reason: undefined, signature: "pass" });
    expect(await report(tampered)).toEqual({ verdict: "refused", reason: "invalid_signature", signature: "fail" });
  });

  test("key rotation: a token signed by a newly published key is accepted after one JWKS fetch per verifier", async () => {
    const kid = issuer.rotateKey();
    const token = issuer.mintAccessToken({ username: "carol", scope: "openid" }, { kid });
    const before = issuer.jwksRequests;
    for (const app of APPS) {
      const { answer } = await ask(`${runtime!.url}/${app}/me`, "GET", { Authorization: `Bearer ${token}` });
      expect({ app, status: answer.status }).toEqual({ app, status: 200 });
    }
    expect(issuer.jwksRequests - before).toBe(APPS.length);
  });
}
