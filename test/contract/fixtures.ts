// The issuers and tokens the contract table (cases.ts) is run with, made in one
// place for every harness: the adapters in this process (contract.test.ts) and
// the apps on other runtimes (test/runtimes).
import type { VerifierOptions } from "@cognito-bearer/core";
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import { contractCases, resourceMetadataCases, RESOURCE_METADATA, type ContractCase, type MeBody, type Tokens } from "./cases.js";

/** The `audience` the third pool requires (RFC 8707). */
export const AUDIENCE = "https://orders.example.com";

export interface ContractFixtures {
  /** The healthy pool's issuer. */
  issuer: TestIssuer;
  /** The pool whose JWKS endpoint is down. */
  outageIssuer: TestIssuer;
  /** An issuer no app is configured with. */
  otherIssuer: TestIssuer;
  /** The pool configured with `audience`. */
  audienceIssuer: TestIssuer;
  tokens: Tokens;
  /** GET /me's body for a token of the table that answers 200 there. */
  me(token: string): MeBody;
  /** Every case: the default app's, then the RFC 9728 app's (`app: "resourceMetadata"`). */
  cases: ContractCase[];
  /** The default app's verifier options: the healthy pool, the one whose JWKS is down, the one that requires an audience. */
  options: VerifierOptions[];
  /** The RFC 9728 app's: the healthy pool with `resourceMetadata`, and the one whose JWKS is down. */
  metadataOptions: VerifierOptions[];
  close(): Promise<void>;
}

/** `healthyPool`: options added to the healthy pool of both apps (e.g. a JWKS cooldown of 0). */
export async function createContractFixtures(healthyPool: Partial<VerifierOptions> = {}): Promise<ContractFixtures> {
  const [issuer, outageIssuer, otherIssuer, audienceIssuer] = await Promise.all([createTestIssuer(), createTestIssuer(), createTestIssuer(), createTestIssuer()]);
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
    // The shape of the test issuer's client_credentials grant (a real Cognito M2M token), for this pool's client.
    machine: mint({ sub: issuer.clientId, username: undefined, origin_jti: undefined, event_id: undefined, scope: "orders-api/read" }),
    steppedUp: mint({ username: "carol", acr: "urn:example:mfa", amr: ["pwd", "otp"] }),
    staleStepUp: mint({ username: "carol", acr: "urn:example:mfa", amr: ["pwd", "otp"], auth_time: Math.floor(Date.now() / 1000) - 3600 }),
    audienceMatch: audienceIssuer.mintAccessToken({ username: "dave", aud: AUDIENCE }),
    audienceOther: audienceIssuer.mintAccessToken({ aud: "https://billing.example.com" }),
    audienceAbsent: audienceIssuer.mintAccessToken(),
  };
  const meBodies = new Map<string, MeBody>();
  for (const token of [tokens.valid, tokens.privileged, tokens.machine, tokens.audienceMatch]) {
    const claims = JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8"));
    meBodies.set(token, { sub: claims.sub, username: claims.username, clientId: claims.client_id, scopes: claims.scope.split(" "), groups: claims["cognito:groups"] ?? [] });
  }
  const me = (token: string) => meBodies.get(token)!;
  const healthy = { ...issuer.verifierOptions, ...healthyPool };
  return {
    issuer,
    outageIssuer,
    otherIssuer,
    audienceIssuer,
    tokens,
    me,
    cases: [...contractCases(me), ...resourceMetadataCases(me)],
    options: [healthy, outageIssuer.verifierOptions, { ...audienceIssuer.verifierOptions, audience: AUDIENCE }],
    metadataOptions: [{ ...healthy, resourceMetadata: RESOURCE_METADATA }, outageIssuer.verifierOptions],
    close: async () => {
      await Promise.all([issuer, outageIssuer, otherIssuer, audienceIssuer].map((i) => i.close()));
    },
  };
}
