// The contract table (test/contract/cases.ts) run against a base URL served by a
// child process: any runtime, any app. The reference is Express 5 served by
// Jest itself, on the same issuers and tokens: every answer must carry the
// same bytes as Express's, and the JWKS must be fetched as often.
import type { VerifierOptions } from "@cognito-bearer/core";
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import { express5App } from "../../packages/express/test/contract-app.js";
import { serve, type RunningServer } from "../support/server.js";
import { contractCases, type ContractCase, type ExpectedAnswer, type MeBody, type Tokens } from "../contract/cases.js";

/** What must be byte-identical across runtimes. */
export interface Answer {
  status: number;
  wwwAuthenticate: string | null;
  retryAfter: string | null;
  contentType: string | null;
  body: string;
}

export interface CaseAnswer {
  name: string;
  answer: Answer;
  /** Every header and the body, to look for a leaked token. */
  raw: string;
  /** The healthy issuer's JWKS requests so far (since the run started). */
  jwksRequests: number;
  /** How long the answer took, in ms (the first one is the cold start). */
  latencyMs: number;
}

/** The issuers, tokens and Express's answers that every runtime is compared with. */
export interface ContractWorld {
  issuer: TestIssuer;
  outageIssuer: TestIssuer;
  /** The verifier options of the app under test: the healthy pool and the one whose JWKS is down. */
  options: VerifierOptions[];
  tokens: Tokens;
  cases: ContractCase[];
  /** The reference (Express 5 in this process). */
  referenceUrl: string;
  /** Express's answers to the table, on a cold verifier. */
  reference: CaseAnswer[];
  close(): Promise<void>;
}

export async function createContractWorld(): Promise<ContractWorld> {
  const [issuer, outageIssuer, otherIssuer] = await Promise.all([createTestIssuer(), createTestIssuer(), createTestIssuer()]);
  outageIssuer.setFault({ mode: "down" });
  const mint = (claims: Record<string, unknown>) => issuer.mintAccessToken(claims);
  const tokens: Tokens = {
    valid: mint({ username: "alice", scope: "openid profile" }),
    privileged: mint({ username: "bob", scope: "openid orders/read", "cognito:groups": ["admin", "staff"] }),
    expired: issuer.mintAccessToken({}, { expiresInSeconds: -60 }),
    wrongClient: mint({ client_id: "another-app-client" }),
    idToken: issuer.mintIdToken(),
    otherIssuer: otherIssuer.mintAccessToken({ client_id: issuer.clientId }),
    unknownKid: issuer.mintAccessToken({}, { header: { kid: "no-such-key" } }),
    outage: outageIssuer.mintAccessToken(),
  };
  const meBodies = new Map<string, MeBody>();
  for (const token of [tokens.valid, tokens.privileged]) {
    const claims = JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8"));
    meBodies.set(token, { sub: claims.sub, username: claims.username, clientId: claims.client_id, scopes: claims.scope.split(" "), groups: claims["cognito:groups"] ?? [] });
  }
  // No unknown-kid cooldown on the healthy pool: the key-rotation check comes right after the table's unknown-kid case.
  const options: VerifierOptions[] = [{ ...issuer.verifierOptions, jwks: { cooldownSeconds: 0 } }, outageIssuer.verifierOptions];
  const express = express5App(options);
  let server: RunningServer | undefined;
  const close = async () => {
    await server?.close();
    express.verifier.close();
    await Promise.all([issuer, outageIssuer, otherIssuer].map((i) => i.close()));
  };
  try {
    server = await serve(express.listener);
    const cases = contractCases((token) => meBodies.get(token)!);
    const world: ContractWorld = { issuer, outageIssuer, options, tokens, cases, referenceUrl: server.url, reference: [], close };
    world.reference = await runContractTable(server.url, world);
    return world;
  } catch (err) {
    await close();
    throw err;
  }
}

/** One request, as the contract compares it. */
export async function ask(url: string, method: string, headers: Record<string, string>): Promise<{ answer: Answer; raw: string; latencyMs: number }> {
  const started = performance.now();
  const response = await fetch(url, { method, headers });
  const body = await response.text();
  const latencyMs = performance.now() - started;
  const header = (name: string) => response.headers.get(name);
  return {
    answer: { status: response.status, wwwAuthenticate: header("www-authenticate"), retryAfter: header("retry-after"), contentType: header("content-type"), body },
    raw: `${JSON.stringify([...response.headers])}\n${body}`,
    latencyMs,
  };
}

/**
 * Runs every case of the table, in order and one after the other, against
 * `baseUrl` (an app that has not answered a token yet: the first valid token is
 * its cold start). The healthy issuer's JWKS counter is reset first.
 */
export async function runContractTable(baseUrl: string, world: Pick<ContractWorld, "issuer" | "tokens" | "cases">): Promise<CaseAnswer[]> {
  world.issuer.resetCounters();
  const answers: CaseAnswer[] = [];
  for (const contractCase of world.cases) {
    const { answer, raw, latencyMs } = await ask(`${baseUrl}${contractCase.path}`, contractCase.method, contractCase.headers(world.tokens));
    answers.push({ name: contractCase.name, answer, raw, latencyMs, jwksRequests: world.issuer.jwksRequests });
  }
  return answers;
}

/** The answer a case expects, in the shape of an Answer (the body parsed). */
export function parsed({ status, wwwAuthenticate, retryAfter, body }: Answer): ExpectedAnswer {
  return { status, wwwAuthenticate, retryAfter, body: body === "" ? undefined : JSON.parse(body) };
}
