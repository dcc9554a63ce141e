// What the demos share: starting an example as a child process against a
// test issuer, and printing each request of the walkthrough with its answer.
import { spawn } from "node:child_process";
import { STATUS_CODES } from "node:http";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

export const ROOT_DIR = ROOT;
const useColor = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
const paint = (code) => (text) => (useColor ? `\x1b[${code}m${text}\x1b[0m` : String(text));
export const [bold, dim, red, green, yellow, cyan] = [1, 2, 31, 32, 33, 36].map(paint);
export const say = (line = "") => process.stdout.write(`${line}\n`);
const short = (token) => `${token.slice(0, 12)}…`;

/** Starts an example (default: Express) against `issuer` and resolves once /health answers. */
export async function startExample(issuer, port = "0", { server: SERVER = "examples/express/server.js", env = {} } = {}) {
  const child = spawn(process.execPath, [SERVER], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      PORT: port,
      HOST: "127.0.0.1",
      COGNITO_USER_POOL_ID: issuer.userPoolId,
      COGNITO_CLIENT_ID: issuer.clientId,
      COGNITO_ISSUER: issuer.issuer,
      COGNITO_JWKS_URI: issuer.jwksUri,
      ...env,
    },
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk) => (stderr += chunk));
  // However the demo ends (Ctrl-C while this example was starting included), no example outlives it.
  const killOnExit = () => child.kill("SIGTERM");
  process.once("exit", killOnExit);
  const exited = new Promise((resolve) =>
    child.once("exit", (code, signal) => {
      process.off("exit", killOnExit);
      resolve({ code, signal });
    }),
  );
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    return exited;
  };

  const url = await new Promise((resolve, reject) => {
    let stdout = "";
    const timer = setTimeout(() => reject(new Error(`${SERVER} did not start within 15 s`)), 15_000);
    child.stdout.setEncoding("utf8").on("data", (chunk) => {
      stdout += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${SERVER} exited (${signal ?? code}) before listening${stderr ? `: ${stderr.trim()}` : ""}`));
    });
  }).catch(async (err) => {
    await stop();
    throw err;
  });

  for (let attempt = 0; ; attempt++) {
    const ok = await fetch(`${url}/health`).then((res) => res.ok, () => false);
    if (ok) break;
    if (attempt === 50) {
      await stop();
      throw new Error(`${url}/health did not answer 200`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, child, exited, stop, stderr: () => stderr };
}

let failures = 0;
let stepNumber = 0;
/** How many answers were not the expected ones, and how many steps ran. */
export const tally = () => ({ failures, steps: stepNumber });
export const countFailure = () => void failures++;

/** Sends one request, prints it and its answer, and checks the status. */
export async function step(title, { url, path, token, expect, note, method = "GET" }) {
  stepNumber++;
  const res = await fetch(`${url}${path}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });
  const body = await res.text();
  const ok = res.status === expect;
  if (!ok) failures++;

  say(`${bold(`${String(stepNumber).padStart(2)}. ${title}`)}`);
  say(`    ${cyan(method)} ${path}${token ? dim(`   Authorization: Bearer ${short(token)}`) : dim("   (no Authorization header)")}`);
  const status = `${res.status} ${STATUS_CODES[res.status] ?? ""}`;
  say(`    ${ok ? green(`← ${status} ✓`) : red(`← ${status} ✗ expected ${expect}`)}`);
  for (const name of ["www-authenticate", "retry-after"]) {
    const value = res.headers.get(name);
    if (value !== null) say(`    ${yellow(`${name}:`)} ${value}`);
  }
  say(`    ${body.length > 160 ? `${body.slice(0, 160).replace(/\s+/g, " ")}…` : body}`);
  if (note) say(`    ${dim(note)}`);
  say();
}

