// What the numbers came from: machine, Node, and the exact library versions
// (read from the installed packages, including the peers' own dependencies).
import { execFileSync } from "node:child_process";
import { readFileSync, realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg, platform, release, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { BENCH_DIR, PINNING } from "./processes.js";

/** Direct dependencies of the bench, and the dependencies that do the peers' work. */
const LIBRARIES = [
  "@cognito-bearer/core",
  "@cognito-bearer/express",
  "@cognito-bearer/koa",
  "@cognito-bearer/node",
  "@cognito-bearer/testing",
  "aws-jwt-verify",
  "jose",
  "express",
  "koa",
  "express-jwt",
  "jwks-rsa",
  "express-oauth2-jwt-bearer",
  "koa-jwt",
  "autocannon",
];
const TRANSITIVE = [
  ["express-jwt", "jsonwebtoken"],
  ["jwks-rsa", "jose"],
  ["express-oauth2-jwt-bearer", "jose"],
  ["koa-jwt", "jsonwebtoken"],
  ["@cognito-bearer/core", "aws-jwt-verify"],
];

function packageDir(name, fromDir) {
  return realpathSync(join(fromDir, "node_modules", name));
}

function version(dir) {
  try {
    return JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).version;
  } catch {
    return "not installed";
  }
}

function tryDir(name, fromDir) {
  try {
    return packageDir(name, fromDir);
  } catch {
    // A dependency hoisted or nested differently: ask Node's resolver.
    try {
      const require = createRequire(join(fromDir, "package.json"));
      let dir = dirname(require.resolve(name));
      while (dir !== dirname(dir)) {
        try {
          if (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).name === name) return dir;
        } catch {}
        dir = dirname(dir);
      }
    } catch {}
    return undefined;
  }
}

function gitRevision() {
  try {
    const rev = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: BENCH_DIR, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", ".."], { cwd: BENCH_DIR, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    return dirty ? `${rev} (with uncommitted changes)` : rev;
  } catch {
    return "unknown";
  }
}

export function collectEnvironment() {
  const libraries = LIBRARIES.map((name) => {
    const dir = tryDir(name, BENCH_DIR);
    return { name, version: dir ? version(dir) : "not installed" };
  });
  for (const [parent, name] of TRANSITIVE) {
    const parentDir = tryDir(parent, BENCH_DIR);
    const dir = parentDir && tryDir(name, parentDir);
    libraries.push({ name: `${name} (used by ${parent})`, version: dir ? version(dir) : "not installed" });
  }
  const cpuList = cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    v8: process.versions.v8,
    openssl: process.versions.openssl,
    platform: `${platform()} ${release()}`,
    cpuModel: cpuList[0]?.model?.trim() ?? "unknown",
    cpuCount: cpuList.length,
    memoryGiB: totalmem() / 2 ** 30,
    pinning: PINNING.enabled ? `servers and in-process measurements on core ${PINNING.server}, load generator on core ${PINNING.load} (taskset)` : "none (taskset unavailable or a single core)",
    loadAverageAtStart: loadavg(),
    git: gitRevision(),
    libraries,
  };
}

export function loadAverage() {
  return loadavg();
}
