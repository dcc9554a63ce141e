import { createTestIssuer } from "@cognito-bearer/testing";
import { createVerifier } from "@cognito-bearer/core";
import { createVerifier as createPatched } from "/tmp/core-patched/dist/esm/index.js";
const issuer = await createTestIssuer();
const token = issuer.mintAccessToken({ aud: issuer.clientId });
const header = `Bearer ${token}`;
const N = 20000;
const fresh = () => Array.from({ length: N }, () => Buffer.from(header, "latin1").toString("latin1"));
for (const [name, create] of [["current", createVerifier], ["suffix-index", createPatched], ["current", createVerifier], ["suffix-index", createPatched]]) {
  const v = create(issuer.verifierOptions); await v.verify(token);
  let best = Infinity;
  for (let r = 0; r < 8; r++) { const list = fresh(); const c0 = process.cpuUsage(); for (let i = 0; i < N; i++) if (v.authenticate(list[i]).sub === undefined) throw 1; const c = process.cpuUsage(c0); best = Math.min(best, (c.user + c.system) / N * 1000); }
  console.log(name.padEnd(14), "authenticate hit", best.toFixed(0), "ns");
  v.close();
}
await issuer.close();
