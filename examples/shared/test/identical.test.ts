// The three examples answer byte-identically: same status, same auth headers,
// same body, for every request of the shared table and for a JWKS outage.
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import { EXAMPLES, issuerEnv, request, routeCases, startExample, stopAllExamples, type Running } from "../harness";

jest.setTimeout(30_000);

let issuer: TestIssuer;
let down: TestIssuer;
const apps: Running[] = [];
const coldApps: Running[] = [];

beforeAll(async () => {
  issuer = await createTestIssuer();
  down = await createTestIssuer();
  down.setFault({ mode: "down" });
  for (const name of EXAMPLES) {
    apps.push(await startExample(name, issuerEnv(issuer)));
    coldApps.push(await startExample(name, issuerEnv(down)));
  }
});

afterAll(async () => {
  await stopAllExamples();
  await issuer?.close();
  await down?.close();
});

/** The raw answers of all three examples to one request: status, every header but Date, body. */
async function answersOf(targets: Running[], pathname: string, options: { method?: string; authorization?: string }) {
  const answers: Record<string, { status: number; headers: Record<string, string>; body: string }> = {};
  for (const app of targets) {
    const res = await fetch(`${app.url}${pathname}`, {
      method: options.method,
      headers: options.authorization === undefined ? {} : { authorization: options.authorization },
    });
    const headers = Object.fromEntries(res.headers);
    delete headers.date;
    answers[app.name] = { status: res.status, headers, body: await res.text() };
  }
  return answers;
}

it("answers every case of the route table identically", async () => {
  for (const { name, method, path: pathname, authorization } of routeCases(issuer)) {
    const answers = await answersOf(apps, pathname, { method, authorization });
    for (const example of EXAMPLES.slice(1)) expect({ name, example, ...answers[example] }).toEqual({ name, example, ...answers.express });
  }
});

it("answers odd requests identically", async () => {
  const token = issuer.mintAccessToken({ scope: "orders/read", "cognito:groups": ["admin"] });
  const odd: [string, { method?: string; authorization?: string }][] = [
    ["/me", { authorization: `bearer ${token}` }],
    ["/me", { authorization: `Bearer ${token}, Bearer ${token}` }],
    ["/me", { authorization: `Bearer ${token}x` }],
    ["/me", { authorization: `Bearer ${issuer.sign({ alg: "none" }, { sub: "x", token_use: "access" })}` }],
    ["/orders", { authorization: `Bearer ${token}` }],
    ["/orders?all=1", { authorization: `Bearer ${token}` }],
    ["/admin", { method: "DELETE", authorization: `Bearer ${token}` }],
    ["/", {}],
    ["/health/", {}],
    ["/HEALTH", {}],
    ["/public?x=%", {}],
    ["/Me/", { authorization: `Bearer ${token}` }],
    ["/health//", {}],
    ["/health", { method: "HEAD" }],
    ["/me", { method: "HEAD", authorization: `Bearer ${token}` }],
    ["/me", { method: "OPTIONS" }],
  ];
  for (const [pathname, options] of odd) {
    const answers = await answersOf(apps, pathname, options);
    for (const example of EXAMPLES.slice(1)) {
      expect({ pathname, example, ...answers[example] }).toEqual({ pathname, example, ...answers.express });
    }
  }
});

it("answers a JWKS outage on a cold cache identically: 503 with Retry-After", async () => {
  const answers = await answersOf(coldApps, "/me", { authorization: `Bearer ${down.mintAccessToken()}` });
  expect(answers.express.status).toBe(503);
  expect(answers.express.headers["retry-after"]).toMatch(/^\d+$/);
  for (const example of EXAMPLES.slice(1)) expect(answers[example]).toEqual(answers.express);
});
