import { randomBytes } from "node:crypto";
const token = randomBytes(770).toString("base64url"); // ~1027 chars
const header = `Bearer ${token}`;
const N = 20000;
const fresh = () => Array.from({ length: N }, () => Buffer.from(header, "latin1").toString("latin1"));
const freshTok = () => Array.from({ length: N }, () => Buffer.from(token, "latin1").toString("latin1"));
const m = new Map([[token, 1]]);
const suffix = new Map([[token.slice(-22), { token }]]);
let sink;
function bench(name, fn, gen = fresh) {
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const list = gen();
    const c0 = process.cpuUsage(); for (let i = 0; i < N; i++) sink = fn(list[i]); const c = process.cpuUsage(c0);
    best = Math.min(best, (c.user + c.system) / N * 1000);
  }
  console.log(name.padEnd(48), best.toFixed(0), "ns/op");
}
bench("noop", (h) => h.length);
bench("h.slice(7) (sliced)", (h) => h.slice(7).length);
bench("Map.get(flat token string)", (t) => m.get(t), freshTok);
bench("Map.get(h.slice(7))", (h) => m.get(h.slice(7)));
bench("Map.get(h.slice(-22))", (h) => suffix.get(h.slice(-22)));
bench("=== full (flat token vs flat)", (t) => t === token, freshTok);
bench("h.slice(7) === token", (h) => h.slice(7) === token);
bench("h.endsWith(token)", (h) => h.endsWith(token));
bench("h.indexOf(token, 7) === 7", (h) => h.length === token.length + 7 && h.indexOf(token, 7) === 7);
