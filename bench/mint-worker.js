// A worker thread that owns a local issuer (its own key and JWKS server) and
// mints batches of distinct access tokens on request. RSA signing is ~30× the
// cost of verifying, so memory.js spreads minting over one worker per core.
import { parentPort } from "node:worker_threads";
import { createTestIssuer } from "@cognito-bearer/testing";
import { mintToken } from "./tokens.js";

const issuer = await createTestIssuer();
parentPort.on("message", async (msg) => {
  if (msg.type === "mint") {
    const tokens = new Array(msg.count);
    for (let i = 0; i < msg.count; i++) tokens[i] = mintToken(issuer);
    parentPort.postMessage({ type: "tokens", tokens });
  } else if (msg.type === "close") {
    await issuer.close();
    parentPort.close();
  }
});
parentPort.postMessage({ type: "ready", verifierOptions: issuer.verifierOptions });
