// RFC 9728: where the document is served (path insertion, §3.1), what it says,
// and the options refused at createVerifier().
import { createVerifier, OptionsError } from "../src/index.js";
import { resourceMetadataAnswer } from "../src/adapter/index.js";

const pool = { userPoolId: "eu-west-1_AbCdEf123", clientId: "client" };

describe("resourceMetadata", () => {
  test("a resource without a path: the document is at the well-known path, naming the pool's issuer", () => {
    const verifier = createVerifier({ ...pool, resourceMetadata: { resource: "https://api.example.com" } });
    expect(verifier.resourceMetadata?.url).toBe("https://api.example.com/.well-known/oauth-protected-resource");
    const answer = resourceMetadataAnswer(verifier, "GET", "/.well-known/oauth-protected-resource?x=1");
    expect(answer?.status).toBe(200);
    expect(JSON.parse(answer!.body)).toEqual({
      resource: "https://api.example.com",
      authorization_servers: ["https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123"],
      bearer_methods_supported: ["header"],
    });
    expect(answer?.headers["Content-Type"]).toBe("application/json; charset=utf-8");
    verifier.close();
  });

  test("a resource with a path: the path goes after the well-known suffix (RFC 9728 §3.1)", () => {
    const verifier = createVerifier({ ...pool, resourceMetadata: { resource: "https://api.example.com/tenant/mcp", scopesSupported: ["mcp/tools"] } });
    expect(verifier.resourceMetadata?.path).toBe("/.well-known/oauth-protected-resource/tenant/mcp");
    expect(resourceMetadataAnswer(verifier, "GET", "/.well-known/oauth-protected-resource")).toBeUndefined();
    expect(resourceMetadataAnswer(verifier, "POST", "/.well-known/oauth-protected-resource/tenant/mcp")).toBeUndefined();
    expect(JSON.parse(resourceMetadataAnswer(verifier, "HEAD", "/.well-known/oauth-protected-resource/tenant/mcp")!.body).scopes_supported).toEqual(["mcp/tools"]);
    verifier.close();
  });

  test("challenges carry resource_metadata; a verifier without the option answers nothing", async () => {
    const verifier = createVerifier({ ...pool, resourceMetadata: { resource: "https://api.example.com/mcp" } });
    await expect(verifier.verify("not.a.jwt")).rejects.toMatchObject({
      headers: {
        "WWW-Authenticate": `Bearer realm="api", error="invalid_token", error_description="The access token is malformed", resource_metadata="https://api.example.com/.well-known/oauth-protected-resource/mcp"`,
      },
    });
    const plain = createVerifier(pool);
    expect(resourceMetadataAnswer(plain, "GET", "/.well-known/oauth-protected-resource")).toBeUndefined();
    verifier.close();
    plain.close();
  });

  test.each([
    [{ resource: "api.example.com" }, /absolute URL/],
    [{ resource: "ftp://api.example.com" }, /http\(s\)/],
    [{ resource: "https://api.example.com/?a=1" }, /no query or fragment/],
    [{ resource: "https://api.example.com/#x" }, /no query or fragment/],
    [{ resource: "https://api.example.com", scopesSupported: ["a b"] }, /scopesSupported/],
    [{ resource: "https://api.example.com", scope: ["a"] }, /scope/],
  ])("refuses %j", (resourceMetadata, message) => {
    expect(() => createVerifier({ ...pool, resourceMetadata: resourceMetadata as never })).toThrow(OptionsError);
    expect(() => createVerifier({ ...pool, resourceMetadata: resourceMetadata as never })).toThrow(message);
  });
});
