// A real Prometheus scrapes the node example's /metrics (COGNITO_METRICS=1)
// while it answers valid and refused tokens; its HTTP API then answers the
// refusal counter by reason. Without COGNITO_METRICS there is no /metrics.
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import { issuerEnv, startExample, stopAllExamples, type Running } from "../../examples/shared/harness";
import { startPrometheus, type RunningPrometheus } from "../support/prometheus";

let issuer: TestIssuer;
let example: Running | undefined;
let prometheus: RunningPrometheus | undefined;

beforeEach(async () => {
  issuer = await createTestIssuer();
});
afterEach(async () => {
  await prometheus?.stop();
  prometheus = undefined;
  await example?.stop();
  example = undefined;
  await stopAllExamples();
  await issuer.close();
});

const get = (url: string, authorization?: string) =>
  fetch(url, { headers: authorization === undefined ? {} : { authorization } }).then(async (res) => {
    await res.arrayBuffer();
    return res.status;
  });

test("Prometheus scrapes /metrics and answers the refusal counter by reason", async () => {
  example = await startExample("node", { ...issuerEnv(issuer), COGNITO_METRICS: "1" });
  const valid = issuer.mintAccessToken();
  const [header, payload, signature] = valid.split(".");
  const forged = `${header}.${payload}.${signature.slice(0, -2)}${signature.at(-2) === "A" ? "B" : "A"}${signature.at(-1)}`;
  for (let i = 0; i < 3; i++) expect(await get(`${example.url}/me`, `Bearer ${valid}`)).toBe(200);
  for (let i = 0; i < 4; i++) expect(await get(`${example.url}/me`, `Bearer ${forged}`)).toBe(401);
  for (let i = 0; i < 2; i++) expect(await get(`${example.url}/me`, `Bearer ${issuer.mintAccessToken({}, { expiresInSeconds: -600 })}`)).toBe(401);

  const scrape = await fetch(`${example.url}/metrics`);
  expect(scrape.status).toBe(200);
  expect(scrape.headers.get("content-type")).toMatch(/^text\/plain/);
  const text = await scrape.text();
  expect(text).toMatch(/^cognito_bearer_verification_refusals_total\{error_type="invalid_signature",http_response_status_code="401",[^}]*\} 4$/m);
  expect(text).not.toContain(signature);

  prometheus = await startPrometheus([new URL(example.url).host]);
  const refusals = await prometheus.waitFor("sum by (error_type) (cognito_bearer_verification_refusals_total)", (result) => result.length === 2);
  expect(Object.fromEntries(refusals.map((sample) => [sample.metric.error_type, Number(sample.value[1])]))).toEqual({ invalid_signature: 4, expired: 2 });
  const verified = await prometheus.query('sum by (cognito_bearer_cached) (cognito_bearer_verification_duration_count{cognito_bearer_outcome="success"})');
  // The default (cacheHits: "counted"): the cold verification is a histogram point, the two cache hits are counted.
  expect(Object.fromEntries(verified.map((sample) => [sample.metric.cognito_bearer_cached, Number(sample.value[1])]))).toEqual({ false: 1 });
  const cacheHits = await prometheus.query("sum(cognito_bearer_verification_cache_hits_total)");
  expect(cacheHits.map((sample) => Number(sample.value[1]))).toEqual([2]);
  const entries = await prometheus.query("cognito_bearer_token_cache_entries");
  expect(entries.map((sample) => Number(sample.value[1]))).toEqual([1]);
}, 60_000);

test("without COGNITO_METRICS, /metrics is the app's 404", async () => {
  example = await startExample("node", issuerEnv(issuer));
  expect(await get(`${example.url}/metrics`)).toBe(404);
});
