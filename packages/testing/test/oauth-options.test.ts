// createTestIssuer's options as documented: every option of TestIssuerOptions
// and of `oauth` (OAuthOptions) has a row in README.md, the source comments
// name only options that exist, `allowedScopes` behaves as the README says,
// and an option refused at creation leaves no server listening.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";

const PACKAGE = path.join(__dirname, "..");
const README = readFileSync(path.join(PACKAGE, "README.md"), "utf8");
const read = (file: string) => readFileSync(path.join(PACKAGE, "src", file), "utf8");

/** The text of `export interface <name> { … }` in `source`. */
function interfaceBlock(source: string, name: string): string {
  const start = source.indexOf(`export interface ${name} {`);
  if (start < 0) throw new Error(`no interface ${name}`);
  return source.slice(start, source.indexOf("\n}", start) + 2);
}

/** The interface's own (top-level) members. */
const membersOf = (block: string) => [...block.matchAll(/^ {2}(\w+)\??:/gm)].map((match) => match[1]);

/** The option names in the first column of the first table after `heading`. */
function documentedOptions(heading: string): string[] {
  const start = README.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README.md has no heading "${heading}"`);
  const table = /(?:^\|.*\n)+/m.exec(README.slice(start + heading.length + 2))?.[0] ?? "";
  return [...table.matchAll(/^\| `(\w+)` \|/gm)].map((match) => match[1]);
}

describe("README.md documents every option", () => {
  it("of createTestIssuer()", () => {
    const options = membersOf(interfaceBlock(read("issuer.ts"), "TestIssuerOptions"));
    expect(options).toContain("oauth");
    expect(documentedOptions("### `TestIssuerOptions`").sort()).toEqual([...options].sort());
  });

  it("of `oauth`", () => {
    const options = membersOf(interfaceBlock(read("oauth/options.ts"), "OAuthOptions"));
    expect(options).toEqual(expect.arrayContaining(["redirectUris", "allowedScopes", "users", "accessTokenLifetimeSeconds", "refreshTokenRotation"]));
    expect(documentedOptions("### `oauth` options").sort()).toEqual([...options].sort());
  });
});

test("the comments of OAuthOptions name only options that exist", () => {
  const source = read("oauth/options.ts");
  const block = interfaceBlock(source, "OAuthOptions");
  // Every name declared in the file's code (not its comments): the options, the users' fields, retryGraceSeconds.
  const code = source.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
  const declared = new Set([...code.matchAll(/\b(\w+)\??:/g)].map((match) => match[1]));
  const comments = (block.match(/\/\*[\s\S]*?\*\//g) ?? []).join("\n");
  const named = [...comments.matchAll(/`([A-Za-z]+)`/g)].map((match) => match[1]);
  expect(named.filter((name) => !declared.has(name))).toEqual([]);
});

describe("allowedScopes, as the README says", () => {
  const CALLBACK = "https://app.example/auth/callback";
  let issuer: TestIssuer | undefined;
  afterEach(async () => {
    await issuer?.close();
    issuer = undefined;
  });

  async function authorize(scope: string): Promise<string | null> {
    const url = new URL(issuer!.oauth!.authorizeUrl);
    url.search = new URLSearchParams({ response_type: "code", client_id: issuer!.clientId, redirect_uri: CALLBACK, state: "s", scope }).toString();
    const res = await fetch(url, { redirect: "manual" });
    await res.arrayBuffer();
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get("location")!);
    return location.searchParams.get("error") ?? (location.searchParams.has("code") ? "code" : null);
  }

  it("by default: Cognito's standard scopes only, a custom scope is invalid_scope", async () => {
    issuer = await createTestIssuer({ oauth: { redirectUris: [CALLBACK] } });
    expect(await authorize("openid email profile phone aws.cognito.signin.user.admin")).toBe("code");
    expect(await authorize("openid orders/read")).toBe("invalid_scope");
  });

  it("a list of its own: the custom scope is allowed, and the list replaces the default", async () => {
    issuer = await createTestIssuer({ oauth: { redirectUris: [CALLBACK], allowedScopes: ["openid", "orders/read"] } });
    expect(await authorize("openid orders/read")).toBe("code");
    expect(await authorize("openid email")).toBe("invalid_scope");
  });
});

test("a refused `oauth` option rejects before the server listens: the port stays free", async () => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));

  await expect(createTestIssuer({ port, oauth: { redirectUris: [] } })).rejects.toThrow("oauth.redirectUris must be a non-empty array of URLs");
  await expect(createTestIssuer({ port, oauth: { redirectUris: ["https://app.example/cb"], accessTokenLifetimeSeconds: -1 } })).rejects.toThrow(RangeError);
  const issuer = await createTestIssuer({ port });
  expect(issuer.port).toBe(port);
  await issuer.close();
});
