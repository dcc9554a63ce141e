// Many tenants (resolveIssuer) at 1,000 pools: memory held per pool and the
// cost of a verified-token cache hit through the pool lookup, against one
// pool without resolveIssuer. Run: `pnpm build && node --expose-gc bench/tenants.js`.
import { createVerifier } from "@cognito-bearer/core";
import { createTestIssuer } from "@cognito-bearer/testing";

const POOLS = Number(process.env.POOLS ?? 1000);
const HITS = Number(process.env.HITS ?? 200_000);
const gc = globalThis.gc ?? (() => {});
const heap = () => (gc(), gc(), process.memoryUsage().heapUsed);

const issuer = await createTestIssuer();
const tenantIssuer = (i) => `${issuer.issuer}/tenant-${i}`;
const options = (i) => ({ userPoolId: `tenant-${i}`, clientId: issuer.clientId, issuer: tenantIssuer(i), jwksUri: issuer.jwksUri });
const tokens = Array.from({ length: POOLS }, (_, i) => issuer.mintAccessToken({ iss: tenantIssuer(i), username: `user-${i}` }));

const before = heap();
const verifier = createVerifier({ resolveIssuer: (iss) => options(Number(/tenant-(\d+)$/.exec(iss)[1])), maxPools: POOLS });
for (const token of tokens) await verifier.verify(token);
const held = heap() - before;

async function hitCost(v, list) {
  for (const token of list) v.authenticate(`Bearer ${token}`);
  const start = process.hrtime.bigint();
  for (let n = 0; n < HITS; n++) {
    const result = v.authenticate(`Bearer ${list[n % list.length]}`);
    if (result instanceof Promise) await result;
  }
  return Number(process.hrtime.bigint() - start) / HITS;
}
const tenantNs = await hitCost(verifier, tokens);
const single = createVerifier(options(0));
await single.verify(tokens[0]);
const singleNs = await hitCost(single, [tokens[0]]);

console.log(`pools: ${POOLS} (one cached token each), node ${process.version}`);
console.log(`heap held: ${(held / 1024 / 1024).toFixed(1)} MiB, ${(held / POOLS / 1024).toFixed(1)} KiB per pool${globalThis.gc ? "" : " (run with --expose-gc for exact figures)"}`);
console.log(`cache hit through resolveIssuer (${POOLS} pools, round robin): ${tenantNs.toFixed(0)} ns`);
console.log(`cache hit, one pool without resolveIssuer: ${singleNs.toFixed(0)} ns`);
verifier.close();
single.close();
await issuer.close();
