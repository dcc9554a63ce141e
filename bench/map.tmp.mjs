const N = 6563, OPS = 300000;
const keys = Array.from({ length: N + OPS }, (_, i) => "k" + i + "x".repeat(20));
for (const k of keys) k.length; // 
function run(name, evict) {
  const m = new Map(); let i = 0;
  for (; i < N; i++) m.set(keys[i], i);
  const c0 = process.cpuUsage();
  for (; i < N + OPS; i++) { m.set(keys[i], i); evict(m); }
  const c = process.cpuUsage(c0);
  console.log(name.padEnd(30), ((c.user + c.system) / OPS * 1000).toFixed(0), "ns per set+evict", m.size);
}
run("keys() iterator (current)", (m) => { for (const k of m.keys()) { if (m.size <= N) break; m.delete(k); } const o = m.entries().next(); });
run("keys().next() once", (m) => { if (m.size > N) m.delete(m.keys().next().value); });
{
  // FIFO queue of keys beside the map: evict from the head, O(1).
  const m = new Map(); const q = []; let head = 0; let i = 0;
  for (; i < N; i++) { m.set(keys[i], i); q.push(keys[i]); }
  const c0 = process.cpuUsage();
  for (; i < N + OPS; i++) {
    m.set(keys[i], i); q.push(keys[i]);
    while (m.size > N) { const k = q[head]; q[head++] = undefined; m.delete(k); }
    if (head > 4096 && head * 2 > q.length) { q.splice(0, head); head = 0; }
  }
  const c = process.cpuUsage(c0);
  console.log("queue beside map".padEnd(30), ((c.user + c.system) / OPS * 1000).toFixed(0), "ns per set+evict", m.size);
}
{
  // two generations
  let cur = new Map(), prev = new Map(); let i = 0; const half = Math.ceil(N / 2);
  const c0 = process.cpuUsage();
  for (; i < N + OPS; i++) { if (cur.size >= half) { prev = cur; cur = new Map(); } cur.set(keys[i], i); }
  const c = process.cpuUsage(c0);
  console.log("two generations".padEnd(30), ((c.user + c.system) / OPS * 1000).toFixed(0), "ns per set+evict", cur.size + prev.size);
}
{
  // persistent iterator over the map's keys (insertion order survives deletes/inserts)
  const m = new Map(); let i = 0;
  for (; i < N; i++) m.set(keys[i], i);
  let cursor = m.keys();
  const oldest = () => { let r = cursor.next(); if (r.done) { cursor = m.keys(); r = cursor.next(); } return r.value; };
  const c0 = process.cpuUsage();
  for (; i < N + OPS; i++) { m.set(keys[i], i); while (m.size > N) m.delete(oldest()); }
  const c = process.cpuUsage(c0);
  console.log("persistent iterator".padEnd(30), ((c.user + c.system) / OPS * 1000).toFixed(0), "ns per set+evict", m.size);
}
