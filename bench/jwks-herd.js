// Section 3: how many JWKS fetches each library makes
// - cold-start herd: N concurrent verifications on a cold verifier (expect 1);
// - unknown-kid flood: tokens with random kids (validly signed, but by a key
//   the JWKS does not list) over a few seconds, mixed with valid traffic
//   (expect at most one refetch per cooldown window, and no valid token refused).
// Fetches are counted by the local issuer's JWKS server (issuer.jwksRequests).
import { randomBytes } from "node:crypto";
import { createVerifier } from "@cognito-bearer/core";
import { createTestIssuer } from "@cognito-bearer/testing";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { createAwsVerifier } from "./peers.js";
import { isMain, serveParent } from "./processes.js";
import { mintToken } from "./tokens.js";

const CORE_COOLDOWN_SECONDS = 10; // core's documented default
const SHORT_COOLDOWN_SECONDS = 0.5;

function libraries(cfg) {
  const joseOptions = { issuer: cfg.issuer, audience: cfg.clientId, algorithms: ["RS256"] };
  return [
    {
      id: "core",
      label: "cognito-bearer core (default JWKS policy, cooldown 10 s)",
      cooldownSeconds: CORE_COOLDOWN_SECONDS,
      create() {
        const verifier = createVerifier(cfg);
        return { verify: (token) => verifier.verify(token), close: () => verifier.close() };
      },
    },
    {
      id: "coreShort",
      label: `cognito-bearer core, \`jwks: { cooldownSeconds: ${SHORT_COOLDOWN_SECONDS} }\``,
      cooldownSeconds: SHORT_COOLDOWN_SECONDS,
      create() {
        const verifier = createVerifier({ ...cfg, jwks: { cooldownSeconds: SHORT_COOLDOWN_SECONDS } });
        return { verify: (token) => verifier.verify(token), close: () => verifier.close() };
      },
    },
    {
      id: "aws",
      label: "aws-jwt-verify alone (SimpleJwksCache, penalty box 10 s)",
      cooldownSeconds: 10,
      create() {
        const verifier = createAwsVerifier(cfg);
        return { verify: (token) => verifier.verify(token), close() {} };
      },
    },
    {
      id: "jose",
      label: "jose `createRemoteJWKSet` (defaults: cooldown 30 s)",
      cooldownSeconds: 30,
      create() {
        const jwks = createRemoteJWKSet(new URL(cfg.jwksUri));
        return { verify: (token) => jwtVerify(token, jwks, joseOptions), close() {} };
      },
    },
  ];
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function herd(issuer, library, tokens) {
  const verifier = library.create();
  issuer.resetCounters();
  const settled = await Promise.allSettled(tokens.map((token) => verifier.verify(token)));
  return {
    verifier,
    result: {
      concurrent: tokens.length,
      fetches: issuer.jwksRequests,
      ok: settled.filter((s) => s.status === "fulfilled").length,
    },
  };
}

async function flood(issuer, verifier, unknownKidTokens, validTokens, seconds) {
  const tickMs = 20;
  const ticks = Math.round((seconds * 1000) / tickMs);
  const perTick = Math.ceil(unknownKidTokens.length / ticks);
  const validPerTick = 2;
  issuer.resetCounters();
  const pending = [];
  const counts = { unknownSent: 0, unknownRefused: 0, validSent: 0, validOk: 0, validFailed: 0 };
  const started = performance.now();
  for (let tick = 0; tick < ticks; tick++) {
    for (let k = 0; k < perTick && counts.unknownSent < unknownKidTokens.length; k++) {
      const token = unknownKidTokens[counts.unknownSent++];
      pending.push(verifier.verify(token).then(() => {}, () => counts.unknownRefused++));
    }
    for (let k = 0; k < validPerTick; k++) {
      const token = validTokens[counts.validSent++ % validTokens.length];
      pending.push(verifier.verify(token).then(() => counts.validOk++, () => counts.validFailed++));
    }
    const due = started + (tick + 1) * tickMs;
    await sleep(Math.max(0, due - performance.now()));
  }
  await Promise.all(pending);
  return { seconds: (performance.now() - started) / 1000, fetches: issuer.jwksRequests, ...counts };
}

export async function runJwksHerd({ concurrent = 200, unknownKids = 1000, floodSeconds = 2 }) {
  const issuer = await createTestIssuer();
  try {
    const cfg = { ...issuer.verifierOptions };
    const herdTokens = Array.from({ length: concurrent }, () => mintToken(issuer));
    const validTokens = herdTokens.slice(0, 50);
    const unknownKidTokens = Array.from({ length: unknownKids }, () =>
      mintToken(issuer, {}, { header: { kid: randomBytes(12).toString("base64url") } }),
    );
    const results = [];
    for (const library of libraries(cfg)) {
      const { verifier, result: herdResult } = await herd(issuer, library, herdTokens);
      try {
        const floodResult = await flood(issuer, verifier, unknownKidTokens, validTokens, floodSeconds);
        const bound = Math.floor(floodResult.seconds / library.cooldownSeconds) + 1;
        results.push({ id: library.id, label: library.label, cooldownSeconds: library.cooldownSeconds, herd: herdResult, flood: { ...floodResult, bound } });
      } finally {
        verifier.close();
      }
    }
    return { results, concurrent, unknownKids, floodSeconds };
  } finally {
    await issuer.close();
  }
}

if (isMain(import.meta.url)) serveParent({ run: runJwksHerd });
