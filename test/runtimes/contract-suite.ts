// The Jest side of the runtime tests: one contract world per test file
// (issuers, tokens, Express's reference answers), and the checks made on each
// app a runtime serves.
import type { ContractEnv } from "./contract-routes.js";
import { ask, createContractWorld, parsed, runContractTable, type CaseAnswer, type ContractWorld } from "./contract-run.js";

/** Creates the world before the file's tests and closes it after; returns its getter. */
export function useContractWorld(): () => ContractWorld {
  let world: ContractWorld | undefined;
  beforeAll(async () => {
    world = await createContractWorld();
  });
  afterAll(async () => {
    await world?.close();
  });
  return () => world!;
}

/** The environment an app under test reads its verifier options from (apps/contract-fetch.mjs, contract-routes.ts): the default app's and the RFC 9728 app's. */
export const contractEnv = (world: ContractWorld): ContractEnv => ({ CONTRACT_OPTIONS: JSON.stringify(world.options), CONTRACT_METADATA_OPTIONS: JSON.stringify(world.metadataOptions) });

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/**
 * The contract on one app, at `baseUrl()` (resolved in beforeAll, after the
 * process serving it started): every case with Express's bytes, no token
 * echoed, one JWKS fetch on a cold start, key rotation, and a JWKS outage
 * with cached keys.
 */
export function describeContractOn(name: string, world: () => ContractWorld, baseUrl: () => string): void {
  describe(name, () => {
    let answers: CaseAnswer[] = [];

    beforeAll(async () => {
      answers = await runContractTable(baseUrl(), world());
    });

    test("answers every case of the contract table with Express's bytes (a valid token is never 401)", () => {
      const { cases, tokens, reference } = world();
      expect(answers.map((a) => a.name)).toEqual(cases.map((c) => c.name));
      cases.forEach((contractCase, i) => {
        const { answer } = answers[i];
        expect({ case: contractCase.name, ...parsed(answer) }).toEqual({ case: contractCase.name, ...contractCase.expected(tokens) });
        expect({ case: contractCase.name, ...answer }).toEqual({ case: contractCase.name, ...reference[i].answer });
      });
    });

    test("a JWKS outage on a cold cache is 503 with Retry-After, never 401", () => {
      const outage = answers.find((a) => a.name === "JWKS down on a cold cache")!;
      expect(outage.answer.status).toBe(503);
      expect(outage.answer.retryAfter).toBe("5");
    });

    test("never echoes a token in a header or the body", () => {
      const { cases, tokens } = world();
      cases.forEach((contractCase, i) => {
        const sent = Object.values(contractCase.headers(tokens)).join(" ");
        const fragments = Object.values(tokens)
          .filter((token) => sent.includes(token))
          .flatMap((token) => [token, token.split(".")[2]]);
        for (const fragment of fragments) expect({ case: contractCase.name, leaks: answers[i].raw.includes(fragment) }).toEqual({ case: contractCase.name, leaks: false });
      });
    });

    test("cold start: the first requests cost one JWKS fetch, and the table fetches the JWKS as often as Express", () => {
      const firstValid = answers.findIndex((a) => a.answer.status === 200);
      expect(answers[firstValid].name).toBe("lowercase bearer scheme with a valid token");
      expect(answers[firstValid].jwksRequests).toBe(1);
      expect(answers[firstValid + 1].jwksRequests).toBe(1); // the cache hit
      expect(answers.map((a) => [a.name, a.jwksRequests])).toEqual(world().reference.map((a) => [a.name, a.jwksRequests]));
    });

    test("key rotation: a token signed by a newly published key is verified after one JWKS fetch, with Express's bytes", async () => {
      const { issuer, referenceUrl } = world();
      issuer.resetCounters();
      issuer.rotateKey();
      const token = issuer.mintAccessToken({ username: "carol", scope: "openid" });
      const rotated = await ask(`${baseUrl()}/me`, "GET", bearer(token));
      expect(rotated.answer.status).toBe(200);
      expect(issuer.jwksRequests).toBe(1);
      const again = await ask(`${baseUrl()}/me`, "GET", bearer(token));
      expect(issuer.jwksRequests).toBe(1);
      expect(again.answer).toEqual(rotated.answer);
      expect(rotated.answer).toEqual((await ask(`${referenceUrl}/me`, "GET", bearer(token))).answer);
    });

    test("a JWKS outage with the keys cached: a valid token is still 200", async () => {
      const { issuer } = world();
      issuer.setFault({ mode: "down" });
      try {
        const token = issuer.mintAccessToken({ username: "dave", scope: "openid" });
        const answer = await ask(`${baseUrl()}/me`, "GET", bearer(token));
        expect(answer.answer.status).toBe(200);
        expect(JSON.parse(answer.answer.body).username).toBe("dave");
      } finally {
        issuer.setFault(null);
      }
    });
  });
}

/** A web runtime serving contract-routes.ts (its Hono app under /hono, its fetch handler under /fetch), started with contractEnv(). */
export type StartWebRuntime = (env: ContractEnv) => Promise<{ url: string; stop(): Promise<void> }>;

/**
 * The contract on both apps of a web runtime (workerd, edge-runtime), and
 * explain() there: its signature check runs on the runtime's Web Crypto.
 */
export function describeContractOnWebRuntime(start: StartWebRuntime): void {
  const world = useContractWorld();
  let runtime: Awaited<ReturnType<StartWebRuntime>> | undefined;
  beforeAll(async () => {
    runtime = await start(contractEnv(world()));
  });
  afterAll(async () => {
    await runtime?.stop();
  });

  describeContractOn("Hono (@cognito-bearer/fetch/hono)", world, () => `${runtime!.url}/hono`);
  describeContractOn("fetch handler (@cognito-bearer/fetch)", world, () => `${runtime!.url}/fetch`);

  test("explain() checks the signature on this runtime: valid for the issuer's token, not for a tampered one", async () => {
    const report = async (token: string) => {
      const response = await fetch(`${runtime!.url}/__explain`, { method: "POST", body: token });
      const { verdict, reason, checks } = (await response.json()) as { verdict: string; reason?: string; checks: Array<{ check: string; outcome: string }> };
      return { verdict, reason, signature: checks.find((check) => check.check === "signature")?.outcome };
    };
    const [header, payload, signature] = world().issuer.mintAccessToken().split(".");
    const tampered = `${header}.${payload}.${signature.slice(0, 10)}${signature[10] === "A" ? "B" : "A"}${signature.slice(11)}`;
    expect(await report(`${header}.${payload}.${signature}`)).toEqual({ verdict: "valid", reason: undefined, signature: "pass" });
    expect(await report(tampered)).toEqual({ verdict: "refused", reason: "invalid_signature", signature: "fail" });
  });
}
