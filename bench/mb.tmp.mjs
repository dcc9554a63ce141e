import { createTestIssuer } from "@cognito-bearer/testing";
import { createVerifier } from "@cognito-bearer/core";
const issuer = await createTestIssuer();
const token = issuer.mintAccessToken({ aud: issuer.clientId });
const v = createVerifier(issuer.verifierOptions); await v.verify(token);
const header = `Bearer ${token}`;
const N = 20000;
const fresh = () => Array.from({ length: N }, () => Buffer.from(header, "latin1").toString("latin1"));
const m = new Map([[token, 1]]);
const m3 = new Map([[token.slice(-22), { token }]]);
let sink;
function bench(name, fn) {
  for (let r = 0; r < 3; r++) {
    const list = fresh();
    const c0 = process.cpuUsage(); for (let i = 0; i < N; i++) sink = fn(list[i]); const c = process.cpuUsage(c0);
    if (r === 2) console.log(name.padEnd(40), ((c.user + c.system) / N * 1000).toFixed(0), "ns/op");
  }
}
bench("noop", (h) => h.length);
bench("Map.get(h.slice(7)) full token", (h) => m.get(h.slice(7)));
bench("Map.get(last 22) + full ===", (h) => { const e = m3.get(h.slice(-22)); return e !== undefined && e.token.length === h.length - 7 && h.endsWith(e.token); });
bench("authenticate hit", (h) => v.authenticate(h));
bench("authenticate hit (same string)", () => v.authenticate(header));
v.close(); await issuer.close();
