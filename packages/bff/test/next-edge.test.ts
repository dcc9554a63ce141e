// What the README says of the Edge runtime, checked: @cognito-bearer/bff/next
// needs Node.js. Bundled as Vercel's Edge tooling bundles (esbuild, platform
// neutral, the edge-light conditions; Next's own modules left to Next), it
// does not build: the token handler imports node:crypto (sealed sign-in
// cookies, session ids) and node:http/node:https (the proxy's agents), which
// the Edge runtime does not have.
import path from "node:path";
import { bundleForWeb, EDGE_CONDITIONS } from "../../../test/runtimes/bundle";

jest.setTimeout(60_000);

test("@cognito-bearer/bff/next does not bundle for the Edge runtime: it needs node:crypto and node:http", async () => {
  const entry = path.join(__dirname, "..", "src", "next", "index.ts");
  const failure = await bundleForWeb(entry, EDGE_CONDITIONS, "esm", ["next/*", "react"]).then(
    () => undefined,
    (err: { errors?: { text: string }[] }) => (err.errors ?? []).map((error) => error.text),
  );
  expect(failure).toBeDefined();
  const unresolved = new Set(failure!.map((text) => /Could not resolve "([^"]+)"/.exec(text)?.[1]).filter(Boolean));
  for (const builtin of ["node:crypto", "node:http", "node:https"]) expect({ builtin, unresolved: unresolved.has(builtin) }).toEqual({ builtin, unresolved: true });
  // And nothing else stands in the way: with Node's built-ins provided, it bundles.
  await expect(bundleForWeb(entry, EDGE_CONDITIONS, "esm", ["next/*", "react", "node:*"])).resolves.toContain("createNextTokenHandler");
});
