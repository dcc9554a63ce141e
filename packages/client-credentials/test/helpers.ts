// A test issuer with one machine client, and sources against it that the test
// closes afterwards.
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import { createClientCredentials, type ClientCredentialsOptions, type ClientCredentialsSource } from "@cognito-bearer/client-credentials";

export const CLIENT_ID = "orders-worker-client";
export const SECRET = "s3cr3t-machine-client-secret-value";

export interface Harness {
  issuer(options?: { lifetime?: number }): Promise<TestIssuer>;
  source(issuer: TestIssuer, options?: Partial<ClientCredentialsOptions>): ClientCredentialsSource;
}

/** Issuers and sources closed after each test. */
export function harness(): Harness {
  const issuers: TestIssuer[] = [];
  const sources: ClientCredentialsSource[] = [];
  afterEach(async () => {
    for (const source of sources.splice(0)) source.close();
    for (const issuer of issuers.splice(0)) await issuer.close();
  });
  return {
    async issuer({ lifetime } = {}) {
      const issuer = await createTestIssuer({
        oauth: {
          machineClients: [{ clientId: CLIENT_ID, clientSecret: SECRET, allowedScopes: ["orders/read", "orders/write"], accessTokenLifetimeSeconds: lifetime }],
        },
      });
      issuers.push(issuer);
      return issuer;
    },
    source(issuer, options = {}) {
      const source = createClientCredentials({
        tokenEndpoint: issuer.oauth!.tokenUrl,
        clientId: CLIENT_ID,
        clientSecret: SECRET,
        scopes: ["orders/read"],
        retry: { baseDelayMs: 5, maxDelayMs: 20 },
        ...options,
      });
      sources.push(source);
      return source;
    },
  };
}

export const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString()) as Record<string, unknown>;

/** Everything an error would show in a log: message, stack, causes, own properties. */
export function everythingIn(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    parts.push(String(current), (current as Error)?.stack ?? "", JSON.stringify(current, Object.getOwnPropertyNames(current ?? {})) ?? "");
    current = (current as Error)?.cause;
  }
  return parts.join("\n");
}

export async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
