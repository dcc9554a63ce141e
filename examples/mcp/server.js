// An MCP server over Streamable HTTP, protected by cognito-bearer:
// `pnpm -C examples/mcp start` (environment: see README.md). MCP at /mcp; the
// Protected Resource Metadata (RFC 9728), which MCP clients read to find the
// user pool, at /.well-known/oauth-protected-resource (plus the resource's path).
import { createServer } from "node:http";
import express from "express";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { cognitoAuth, createVerifier, requireScopes } from "@cognito-bearer/express";
import { configFromEnv, fail, listen, orExit } from "../shared/config.mjs";

const config = configFromEnv();
/** MCP_SCOPE: the scope a token needs to use the tools (a scope of a Cognito resource server). */
const scope = process.env.MCP_SCOPE?.trim() || "mcp/tools";
if (/[\s"\\]/.test(scope)) fail(`MCP_SCOPE must be one scope without spaces or quotes, got "${scope}"`);

const server = createServer();
// The resource identifier: MCP_RESOURCE, else this server's own origin (known once listening, for PORT=0).
server.once("listening", () => {
  const address = server.address();
  const origin = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${typeof address === "object" && address ? address.port : config.port}`;
  const resource = process.env.MCP_RESOURCE?.trim() || origin;
  const verifier = orExit(() => createVerifier({ ...config.cognito, resourceMetadata: { resource, scopesSupported: [scope] } }));
  server.on("request", app(verifier));
});
listen(server, config);

/** @param {import("@cognito-bearer/express").Verifier} verifier */
function app(verifier) {
  const auth = cognitoAuth(verifier); // also serves the metadata document; 401 with resource_metadata="…" otherwise
  const app = express();
  app.disable("x-powered-by");
  app.get("/health", (_req, res) => {
    res.json({ status: "ok" });
  });
  app.use(auth);
  // Stateless Streamable HTTP: one MCP server per request, for this caller.
  app.post("/mcp", requireScopes(scope), express.json({ limit: "1mb" }), async (req, res) => {
    const { sub } = /** @type {import("@cognito-bearer/express").CognitoAuth} */ (req.auth);
    const mcp = new McpServer({ name: "cognito-bearer-example", version: "0.0.0" });
    mcp.registerTool("whoami", { description: "The verified caller's Cognito sub" }, async () => ({
      content: [{ type: "text", text: JSON.stringify({ sub }) }],
      structuredContent: { sub },
    }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on("close", () => {
      void transport.close();
      void mcp.close();
    });
    await mcp.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });
  // No sessions, no server-initiated stream.
  app.all("/mcp", (_req, res) => {
    res.status(405).set("Allow", "POST").json({ jsonrpc: "2.0", error: { code: -32000, message: "Method not allowed" }, id: null });
  });
  app.use((_req, res) => {
    res.status(404).json({ error: "not_found" });
  });
  return app;
}
