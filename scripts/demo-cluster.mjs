// `pnpm demo:cluster`: two API instances on one Redis. A sign-out on one is
// refused on the other at the next request. Needs `redis-server` on the PATH
// (apt-get install redis-server, brew install redis); started here on a free
// port of 127.0.0.1, without persistence, and stopped at the end.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { createTestIssuer } from "@cognito-bearer/testing";
import { bold, dim, green, red, say, startExample, step, tally } from "./demo-kit.mjs";

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startRedis() {
  const port = await freePort();
  const child = spawn(process.env.REDIS_SERVER ?? "redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  await new Promise((resolve, reject) => {
    let out = "";
    child.once("error", () => reject(new Error("redis-server is not installed (apt-get install redis-server, or brew install redis)")));
    child.once("exit", (code) => reject(new Error(`redis-server exited (${code})`)));
    child.stdout.setEncoding("utf8").on("data", (chunk) => {
      out += chunk;
      if (out.includes("Ready to accept connections")) resolve();
    });
  });
  child.removeAllListeners("exit");
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill("SIGKILL") };
}

async function main() {
  const redis = await startRedis();
  const issuer = await createTestIssuer();
  const cleanup = [() => redis.stop(), () => issuer.close()];
  try {
    const env = { COGNITO_REDIS_URL: redis.url };
    const a = await startExample(issuer, "0", { server: "examples/express/server.js", env });
    cleanup.push(a.stop);
    const b = await startExample(issuer, "0", { server: "examples/koa/server.js", env });
    cleanup.push(b.stop);
    say(bold("cognito-bearer: two instances, one revocation list in Redis"));
    say(dim(`Redis ${redis.url} · instance A (Express) ${a.url} · instance B (Koa) ${b.url}`));
    say();
    const token = issuer.mintAccessToken({ username: "dave" });
    await step("Instance B accepts Dave's token", { url: b.url, path: "/me", token, expect: 200 });
    await step("Dave signs out on instance A", { url: a.url, path: "/logout", method: "POST", token, expect: 204 });
    const started = performance.now();
    await step("Instance B refuses the same token at its next request", { url: b.url, path: "/me", token, expect: 401 });
    say(dim(`    (revoked on A, refused on B ${(performance.now() - started).toFixed(1)} ms later, including that request)`));
    const { failures, steps } = tally();
    say(failures === 0 ? green(bold(`All ${steps} answers were the expected ones.`)) : red(bold(`${failures} of ${steps} answers were unexpected.`)));
    return failures === 0 ? 0 : 1;
  } finally {
    while (cleanup.length > 0) await cleanup.pop()();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`demo:cluster failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
