// One table of cases (cases.ts), run against the same app built with every
// adapter, on real servers and a real JWKS endpoint. Each answer must match the
// contract, and all adapters must answer with the same bytes.
import request from "supertest";
import { express4App, express5App } from "../../packages/express/test/contract-app.js";
import { koa2App, koa3App } from "../../packages/koa/test/contract-app.js";
import { nodeApp } from "../../packages/node/test/contract-app.js";
import { fastify4App, fastify5App } from "../../packages/fastify/test/contract-app.js";
import { fetchApp, honoApp } from "../../packages/fetch/test/contract-app.js";
import { lambdaApp } from "../../packages/lambda/test/contract-app.js";
import type { ContractApp } from "../../packages/node/test/contract-app.js";
import { serve, type RunningServer } from "../support/server.js";
import { contractCases, resourceMetadataCases } from "./cases.js";
import { createContractFixtures, type ContractFixtures } from "./fixtures.js";

const ADAPTERS: ReadonlyArray<[name: string, build: (options: Parameters<typeof nodeApp>[0]) => ContractApp]> = [
  ["Express 5", express5App],
  ["Express 4", express4App],
  ["Koa 3", koa3App],
  ["Koa 2", koa2App],
  ["node:http", nodeApp],
  ["Fastify 5", fastify5App],
  ["Fastify 4", fastify4App],
  ["fetch (Request/Response)", fetchApp],
  ["Hono", honoApp],
  ["Lambda (API Gateway v2 proxy)", lambdaApp],
];

interface RunningApp {
  name: string;
  server: RunningServer;
  app: ContractApp;
}

/** What must be byte-identical across adapters. */
interface Answer {
  status: number;
  wwwAuthenticate: string | null;
  retryAfter: string | null;
  contentType: string | null;
  body: string;
}

let fixtures: ContractFixtures | undefined;
const apps: RunningApp[] = [];
/** The same apps, their verifier configured with `resourceMetadata` (RFC 9728). */
const metadataApps: RunningApp[] = [];

beforeAll(async () => {
  fixtures = await createContractFixtures();
  // One verifier per app, each configured with three pools: the healthy one, the one whose JWKS is down, and one that requires an audience (RFC 8707).
  for (const [name, build] of ADAPTERS) {
    const app = build(fixtures.options);
    apps.push({ name, app, server: await serve(app.listener) });
    const withMetadata = build(fixtures.metadataOptions);
    metadataApps.push({ name, app: withMetadata, server: await serve(withMetadata.listener) });
  }
});

afterAll(async () => {
  await Promise.all([...apps, ...metadataApps].map(({ server }) => server.close()));
  for (const { app } of [...apps, ...metadataApps]) app.verifier.close();
  await fixtures?.close();
});

// Listed before the fixtures exist (describe.each needs them now): a case reads the tokens and /me's bodies when it runs.
const me = (token: string) => fixtures!.me(token);
const cases = [...contractCases(me), ...resourceMetadataCases(me)];

describe.each(cases)("$name", (contractCase) => {
  let answers: Array<{ name: string; answer: Answer; raw: string }>;

  beforeAll(async () => {
    answers = [];
    const headers = contractCase.headers(fixtures!.tokens);
    // One adapter after the other, so that "first sight" and "cache hit" cases mean the same for all.
    for (const { name, server: { url } } of contractCase.app === "resourceMetadata" ? metadataApps : apps) {
      const call = contractCase.method === "GET" ? request(url).get(contractCase.path) : request(url).options(contractCase.path);
      const response = await call.set(headers);
      const header = (key: string): string | null => (response.headers[key] as string | undefined) ?? null;
      answers.push({
        name,
        answer: {
          status: response.status,
          wwwAuthenticate: header("www-authenticate"),
          retryAfter: header("retry-after"),
          contentType: header("content-type"),
          body: response.text,
        },
        raw: `${JSON.stringify(response.headers)}\n${response.text}`,
      });
    }
  });

  test("answers per the contract on every adapter", () => {
    const expected = contractCase.expected(fixtures!.tokens);
    for (const { name, answer } of answers) {
      expect({
        adapter: name,
        status: answer.status,
        wwwAuthenticate: answer.wwwAuthenticate,
        retryAfter: answer.retryAfter,
        body: answer.body === "" ? undefined : JSON.parse(answer.body),
      }).toEqual({ adapter: name, ...expected });
      if (expected.body !== undefined) expect({ adapter: name, contentType: answer.contentType }).toEqual({ adapter: name, contentType: "application/json; charset=utf-8" });
    }
  });

  test("answers with the same bytes on every adapter", () => {
    const [reference, ...others] = answers;
    for (const { name, answer } of others) {
      expect({ adapter: name, ...answer }).toEqual({ adapter: name, ...reference.answer });
    }
    expect(answers).toHaveLength(ADAPTERS.length);
  });

  test("never echoes a token in a header or the body", () => {
    const sent = Object.values(contractCase.headers(fixtures!.tokens)).join(" ");
    const secrets = Object.values(fixtures!.tokens).filter((token) => sent.includes(token));
    // The signature alone is the secret part of a JWT: it must not appear either.
    const fragments = secrets.flatMap((token) => [token, token.split(".")[2]]);
    for (const { name, raw } of answers) {
      for (const fragment of fragments) expect({ adapter: name, leaks: raw.includes(fragment) }).toEqual({ adapter: name, leaks: false });
    }
  });
});
