// The contract table (test/contract/cases.ts) run against a base URL served by a
// child process: any runtime, any app. The reference is Express 5 served by
// Jest itself, on the same issuers and tokens: every answer must carry the
// same bytes as Express's, and the JWKS must be fetched as often.
import type { RequestListener } from "node:http";
import { express5App } from "../../packages/express/test/contract-app.js";
import { serve, type RunningServer } from "../support/server.js";
import type { ContractCase, ExpectedAnswer } from "../contract/cases.js";
import { createContractFixtures, type ContractFixtures } from "../contract/fixtures.js";

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
export interface ContractWorld extends ContractFixtures {
  /** The reference (Express 5 in this process, both apps: the RFC 9728 one under METADATA_PREFIX). */
  referenceUrl: string;
  /** Express's answers to the table, on a cold verifier. */
  reference: CaseAnswer[];
}

/**
 * Where an app under test serves the second app, the one whose verifier has
 * `resourceMetadata` (RFC 9728): `${baseUrl}${METADATA_PREFIX}/…`, the prefix
 * removed before that app sees the path.
 */
export const METADATA_PREFIX = "/rfc9728";

export async function createContractWorld(): Promise<ContractWorld> {
  // No unknown-kid cooldown on the healthy pool: the key-rotation check comes right after the table's unknown-kid case.
  const fixtures = await createContractFixtures({ jwks: { cooldownSeconds: 0 } });
  const express = express5App(fixtures.options);
  const metadataExpress = express5App(fixtures.metadataOptions);
  const listener: RequestListener = (req, res) => {
    if (req.url?.startsWith(`${METADATA_PREFIX}/`)) {
      req.url = req.url.slice(METADATA_PREFIX.length);
      metadataExpress.listener(req, res);
    } else express.listener(req, res);
  };
  let server: RunningServer | undefined;
  const close = async () => {
    await server?.close();
    express.verifier.close();
    metadataExpress.verifier.close();
    await fixtures.close();
  };
  try {
    server = await serve(listener);
    const world: ContractWorld = { ...fixtures, referenceUrl: server.url, reference: [], close };
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

/** The URL a case is asked at, on the app under test at `baseUrl`. */
export const urlOf = (baseUrl: string, contractCase: Pick<ContractCase, "app" | "path">): string =>
  `${baseUrl}${contractCase.app === "resourceMetadata" ? METADATA_PREFIX : ""}${contractCase.path}`;

/**
 * Runs every case of the table, in order and one after the other, against
 * `baseUrl` (an app that has not answered a token yet: the first valid token is
 * its cold start; the RFC 9728 app under METADATA_PREFIX). The healthy issuer's JWKS counter is reset first.
 */
export async function runContractTable(baseUrl: string, world: Pick<ContractWorld, "issuer" | "tokens" | "cases">): Promise<CaseAnswer[]> {
  world.issuer.resetCounters();
  const answers: CaseAnswer[] = [];
  for (const contractCase of world.cases) {
    const { answer, raw, latencyMs } = await ask(urlOf(baseUrl, contractCase), contractCase.method, contractCase.headers(world.tokens));
    answers.push({ name: contractCase.name, answer, raw, latencyMs, jwksRequests: world.issuer.jwksRequests });
  }
  return answers;
}

/** The answer a case expects, in the shape of an Answer (the body parsed). */
export function parsed({ status, wwwAuthenticate, retryAfter, body }: Answer): ExpectedAnswer {
  return { status, wwwAuthenticate, retryAfter, body: body === "" ? undefined : JSON.parse(body) };
}
