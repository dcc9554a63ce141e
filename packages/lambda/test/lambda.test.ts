// The Lambda adapter's authorizers, payload versions and JWT-authorizer reader
// (the proxy wrapper runs the shared contract table in test/contract).
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import { authFromJwtAuthorizer, httpApiAuthorizer, requestAuthorizer, stageWildcard, tokenAuthorizer, withCognitoAuth } from "../src/index.js";

let issuer: TestIssuer;
let down: TestIssuer;
beforeAll(async () => {
  [issuer, down] = await Promise.all([createTestIssuer(), createTestIssuer()]);
  down.setFault({ mode: "down" });
});
afterAll(async () => {
  await issuer.close();
  await down.close();
});

const METHOD_ARN = "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/GET/orders/42";

describe("REST TOKEN authorizer", () => {
  const authorize = () => tokenAuthorizer({ ...issuer.verifierOptions, groups: "admin" });

  test("a valid token: Allow for the whole stage (it survives the authorizer cache), the claims as strings", async () => {
    const handler = authorize();
    const result = await handler({ type: "TOKEN", authorizationToken: `Bearer ${issuer.mintAccessToken({ sub: "alice", username: "alice", scope: "a b", "cognito:groups": ["admin", "staff"] })}`, methodArn: METHOD_ARN });
    expect(result).toEqual({
      principalId: "alice",
      policyDocument: { Version: "2012-10-17", Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/*" }] },
      context: { sub: "alice", username: "alice", clientId: issuer.clientId, scopes: "a b", groups: "admin,staff", issuer: issuer.issuer },
    });
    for (const value of Object.values(result.context!)) expect(typeof value).toBe("string");
    handler.verifier.close();
  });

  test('not in the group: Deny (403); a bad or missing token: the "Unauthorized" error (401); JWKS down: another error (500, never 401)', async () => {
    const handler = authorize();
    const denied = await handler({ authorizationToken: `Bearer ${issuer.mintAccessToken()}`, methodArn: METHOD_ARN });
    expect(denied.policyDocument.Statement[0].Effect).toBe("Deny");
    await expect(handler({ authorizationToken: "Bearer x.y.z", methodArn: METHOD_ARN })).rejects.toThrow(/^Unauthorized$/);
    await expect(handler({ authorizationToken: undefined, methodArn: METHOD_ARN })).rejects.toThrow(/^Unauthorized$/);
    const outage = tokenAuthorizer({ ...down.verifierOptions, onEvent: () => undefined });
    const error = await outage({ authorizationToken: `Bearer ${down.mintAccessToken()}`, methodArn: METHOD_ARN }).catch((err: Error) => err);
    expect((error as Error).message).not.toBe("Unauthorized");
    expect((error as Error).message).toMatch(/temporarily unavailable/);
    handler.verifier.close();
    outage.verifier.close();
  });
});

test("REST REQUEST authorizer reads the header in any case; HTTP API authorizer answers simple responses", async () => {
  const request = requestAuthorizer(issuer.verifierOptions);
  const allowed = await request({ headers: { AUTHORIZATION: `Bearer ${issuer.mintAccessToken()}` }, methodArn: METHOD_ARN });
  expect(allowed.policyDocument.Statement[0].Effect).toBe("Allow");
  const httpApi = httpApiAuthorizer(issuer.verifierOptions);
  expect(await httpApi({ version: "2.0", headers: { authorization: `Bearer ${issuer.mintAccessToken({ sub: "s" })}` } })).toMatchObject({ isAuthorized: true, context: { sub: "s" } });
  expect(await httpApi({ version: "2.0", headers: { authorization: "Bearer x.y.z" } })).toEqual({ isAuthorized: false });
  request.verifier.close();
  httpApi.verifier.close();
});

test("REST v1 proxy events: several Authorization values are malformed (400); the header's case does not matter", async () => {
  const handler = withCognitoAuth(issuer.verifierOptions, async (_event, _context, auth) => ({ statusCode: 200, body: JSON.stringify({ sub: auth?.sub }) }));
  const token = issuer.mintAccessToken({ sub: "dave" });
  const ok = await handler({ httpMethod: "GET", headers: { Authorization: `Bearer ${token}` } }, {});
  expect([ok.statusCode, ok.body]).toEqual([200, '{"sub":"dave"}']);
  const twice = await handler({ httpMethod: "GET", headers: { Authorization: `Bearer ${token}` }, multiValueHeaders: { Authorization: [`Bearer ${token}`, `Bearer ${token}`] } }, {});
  expect(twice.statusCode).toBe(400);
  handler.verifier.close();
});

test("claims an HTTP API JWT authorizer verified: arrays read back, groups and scopes checked here", () => {
  const event = { requestContext: { authorizer: { jwt: { claims: { sub: "erin", username: "erin", client_id: "c", token_use: "access", scope: "openid orders/read", "cognito:groups": "[admin staff]" } } } } };
  expect(authFromJwtAuthorizer(event, { groups: "admin", scopes: "orders/read" })).toMatchObject({ sub: "erin", groups: ["admin", "staff"], scopes: ["openid", "orders/read"] });
  expect(() => authFromJwtAuthorizer(event, { groups: "finance" })).toThrow(expect.objectContaining({ status: 403, reason: "insufficient_group" }));
  expect(() => authFromJwtAuthorizer({ requestContext: {} })).toThrow(expect.objectContaining({ status: 401 }));
  expect(stageWildcard("arn:aws:execute-api:eu-west-1:1:api/stage/GET/x")).toBe("arn:aws:execute-api:eu-west-1:1:api/stage/*");
});
