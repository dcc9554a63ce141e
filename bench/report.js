// Turns the sections' results into the targets' verdicts, a Markdown report,
// an SVG bar chart (written by hand: no chart dependency), and, after a full
// run, the results block of bench/README.md.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { BENCH_DIR } from "./processes.js";
import { fmtInt, fmtMiB, fmtMs, fmtPct, fmtX, median, ratio } from "./stats.js";

const README_START = "<!-- bench:results:start -->";
const README_END = "<!-- bench:results:end -->";

/** Median of per-round ratios a[i] / b[i]: both measured within the same round. */
function paired(a, b) {
  if (!a || !b || a.length !== b.length || a.length === 0) return ratio(median(a ?? []), median(b ?? []));
  return median(a.map((x, i) => ratio(x, b[i])));
}

const ok = (pass) => (pass === undefined ? "–" : pass ? "✅" : "❌");

/** Ratios and target verdicts, from the raw results. */
export function analyze(results) {
  const analysis = { targets: [], raw: undefined, http: undefined, memory: undefined, jwks: undefined };
  const { raw, http, memory, jwks } = results;

  if (raw) {
    const by = Object.fromEntries(raw.results.map((r) => [r.id, r]));
    // Per-round ratios (every verifier runs once per round), then the median.
    const rel = (a, b, key) => (key === "opsPerCpuSecond" ? paired(by[a]?.rounds, by[b]?.rounds) : ratio(by[a]?.[key], by[b]?.[key]));
    analysis.raw = {
      rows: raw.results.map((r) => ({
        ...r,
        vsAws: { wall: rel(r.id, "aws", "opsPerSecond"), cpu: rel(r.id, "aws", "opsPerCpuSecond") },
        vsFloor: { wall: rel(r.id, "floor", "opsPerSecond"), cpu: rel(r.id, "floor", "opsPerCpuSecond") },
      })),
    };
    // The conservative hit figure: authenticate() with a new header string per call, as
    // in HTTP (verify() on one string object reuses that string's cached hash).
    const hit = { cpu: rel("coreAuthHit", "aws", "opsPerCpuSecond"), wall: rel("coreAuthHit", "aws", "opsPerSecond") };
    const hitSameString = rel("coreHit", "aws", "opsPerCpuSecond");
    const miss = { cpu: rel("coreMiss", "aws", "opsPerCpuSecond"), wall: rel("coreMiss", "aws", "opsPerSecond") };
    analysis.targets.push({
      target: "Cache hit ≥ 10× aws-jwt-verify `verify()`",
      measured: `${fmtX(hit.cpu, 1)} per CPU-s (${fmtX(hit.wall, 1)} wall) for \`authenticate(header)\`; ${fmtX(hitSameString, 0)} for \`verify()\` on one string`,
      pass: hit.cpu >= 10,
      agree: hit.cpu >= 10 === hit.wall >= 10,
    });
    analysis.targets.push({
      target: "Cache miss ≥ 0.95× aws-jwt-verify `verify()`",
      measured: `${fmtX(miss.cpu)} per CPU-s (${fmtX(miss.wall)} wall)`,
      pass: miss.cpu >= 0.95,
      agree: miss.cpu >= 0.95 === miss.wall >= 0.95,
    });
  }

  if (http) {
    const rows = http.results;
    const find = (framework, role) => rows.filter((r) => r.framework === framework && r.role === role);
    const frameworks = [...new Set(rows.map((r) => r.framework))];
    analysis.http = { rows: [], versus: [], cost: [] };
    for (const row of rows) {
      const bare = find(row.framework, "bare")[0];
      const out = { ...row };
      for (const mode of ["repeated", "fresh"]) {
        out[mode] = {
          ...row[mode],
          vsBare: paired(row[mode].rounds, bare?.[mode].rounds),
          // CPU-normalised: bare's CPU per request over this server's.
          vsBareCpu: paired(bare?.[mode].cpuRounds, row[mode].cpuRounds),
        };
      }
      analysis.http.rows.push(out);
    }
    for (const framework of frameworks) {
      const ours = find(framework, "ours")[0];
      const bare = find(framework, "bare")[0];
      if (ours && bare) {
        const wall = paired(ours.repeated.rounds, bare.repeated.rounds);
        const cpu = paired(bare.repeated.cpuRounds, ours.repeated.cpuRounds);
        analysis.targets.push({
          target: `HTTP repeated token ≥ 90% of bare: ${bare.label.replace(" (bare)", "")}`,
          measured: `${fmtPct(wall)} req/s (${fmtPct(cpu)} by server CPU per request)`,
          pass: wall >= 0.9,
          agree: wall >= 0.9 === cpu >= 0.9,
        });
      }
      const ceiling = find(framework, "ceiling")[0];
      if (ours && ceiling) {
        // What our layer adds over a middleware that does nothing, in µs of server CPU per request (median of per-round differences).
        const extra = (mode) => median(ours[mode].cpuRounds.map((x, i) => x - (ceiling[mode].cpuRounds[i] ?? NaN)).filter(Number.isFinite));
        const hit = extra("repeated");
        analysis.http.cost.push({ framework: ours.label.replace(" + cognito-bearer", ""), hit, miss: extra("fresh"), ceiling: median(ceiling.repeated.cpuRounds), ours: median(ours.repeated.cpuRounds) });
        analysis.targets.push({
          target: `Cache hit within 5 µs of server CPU per request of a no-op middleware: ${ours.label.replace(" + cognito-bearer", "")}`,
          measured: `+${hit.toFixed(1)} µs (ours ${median(ours.repeated.cpuRounds).toFixed(1)} µs, no-op ${median(ceiling.repeated.cpuRounds).toFixed(1)} µs)`,
          pass: hit <= 5,
          agree: true,
        });
      }
      const naive = rows.find((r) => r.framework === framework && r.kind === "express-aws-naive");
      if (ours && naive) {
        const missCpu = paired(ours.fresh.cpuRounds, naive.fresh.cpuRounds);
        analysis.targets.push({
          target: `Cache miss at or below the naive aws-jwt-verify middleware's server CPU per request (${framework})`,
          measured: `${fmtX(missCpu)} its CPU per request (${median(ours.fresh.cpuRounds).toFixed(0)} vs ${median(naive.fresh.cpuRounds).toFixed(0)} µs)`,
          pass: missCpu <= 1,
          agree: true,
        });
      }
      if (!ours) continue;
      for (const peer of find(framework, "peer")) {
        const fresh = paired(ours.fresh.rounds, peer.fresh.rounds);
        const freshCpu = paired(peer.fresh.cpuRounds, ours.fresh.cpuRounds);
        const repeated = paired(ours.repeated.rounds, peer.repeated.rounds);
        analysis.http.versus.push({ ours: ours.label, peer: peer.label, fresh, freshCpu, repeated });
        analysis.targets.push({
          target: `HTTP fresh token ahead of ${peer.label.replace(/^(Express 5|Koa 3) \+ /, "")}`,
          measured: `${fmtX(fresh)} req/s (${fmtX(freshCpu)} by server CPU per request)`,
          pass: fresh > 1,
          agree: fresh > 1 === freshCpu > 1,
        });
      }
    }
  }

  if (memory) {
    const points = memory.checkpoints;
    const limitsHeld = points.every((p) => !p.cache || (p.cache.size <= p.cache.maxEntries && p.cache.bytes <= p.cache.maxBytes));
    // The first checkpoint at which the cache was full (within a batch eviction of a limit), or the 10% one.
    const full = (p) => p.cache && (p.cache.size >= 0.85 * p.cache.maxEntries || p.cache.bytes >= 0.85 * p.cache.maxBytes);
    const fullAt = points.findIndex((p, i) => i > 0 && full(p));
    const from = points[fullAt > 0 ? fullAt : 1];
    const last = points.at(-1);
    const growth = last.heapUsed - from.heapUsed;
    const bounded = limitsHeld && growth <= Math.max(2 * 1048576, 0.1 * from.heapUsed);
    analysis.memory = { limitsHeld, from, last, growth, bounded };
    analysis.targets.push({
      target: `Memory bounded by the cache's limits after ${fmtInt(memory.n)} distinct tokens`,
      measured: `heapUsed ${fmtMiB(from.heapUsed)} at ${fmtInt(from.verified)} tokens → ${fmtMiB(last.heapUsed)} at ${fmtInt(last.verified)} (${growth >= 0 ? "+" : ""}${fmtMiB(growth)}); cache ${fmtInt(last.cache?.size)} entries, ${fmtMiB(last.cache?.bytes)}${memory.n < 1_000_000 ? `; N = ${fmtInt(memory.n)}, not 1,000,000 (time budget)` : ""}`,
      pass: bounded,
      agree: true,
    });
  }

  if (jwks) {
    const core = jwks.results.find((r) => r.id === "core");
    analysis.jwks = { core };
    if (core) {
      analysis.targets.push({
        target: "(contract) cold-start herd: one JWKS fetch",
        measured: `${core.herd.fetches} fetch for ${core.herd.concurrent} concurrent verifications`,
        pass: core.herd.fetches === 1 && core.herd.ok === core.herd.concurrent,
        agree: true,
      });
      analysis.targets.push({
        target: "(contract) unknown-kid flood: ≤ 1 refetch per cooldown, valid traffic unaffected",
        measured: `${core.flood.fetches} fetch(es) for ${fmtInt(core.flood.unknownSent)} unknown kids in ${core.flood.seconds.toFixed(1)} s (bound ${core.flood.bound}); ${core.flood.validFailed} of ${core.flood.validSent} valid refused`,
        pass: core.flood.fetches <= core.flood.bound && core.flood.validFailed === 0,
        agree: true,
      });
    }
  }
  return analysis;
}

function table(header, rows) {
  const line = (cells) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

function targetsTable(analysis) {
  return table(
    ["target", "measured", ""],
    analysis.targets.map((t) => [t.target, t.measured, `${ok(t.pass)}${t.agree ? "" : " ⚠️"}`]),
  );
}

function httpTable(analysis) {
  return table(
    ["server", "token", "req/s", "p99", "server CPU/req", "vs bare (req/s)", "vs bare (CPU)"],
    analysis.http.rows.flatMap((row) =>
      ["repeated", "fresh"].map((mode) => {
        const m = row[mode];
        const name = row.role === "ours" ? `**${row.label}**` : row.label;
        return [
          mode === "repeated" ? name : "",
          mode,
          fmtInt(m.requestsPerSecond),
          fmtMs(m.p99, 0),
          `${m.cpuMicrosPerRequest.toFixed(0)} µs`,
          row.role === "bare" ? "–" : fmtPct(m.vsBare, 0),
          row.role === "bare" ? "–" : fmtPct(m.vsBareCpu, 0),
        ];
      }),
    ),
  );
}

export function renderMarkdown(results, analysis, svgName = "latest.svg") {
  const { env, config, raw, http, jwks, memory, timings, problems } = results;
  const out = [];
  out.push(`# cognito-bearer benchmark${config.quick ? " (quick)" : ""}`);
  out.push("");
  out.push(
    `${env.date} · ${env.cpuModel}, ${env.cpuCount} cores, ${env.memoryGiB.toFixed(0)} GiB · Node ${env.node} (V8 ${env.v8}, OpenSSL ${env.openssl}) · ${env.platform} · commit ${env.git}`,
  );
  out.push("");
  out.push(
    `Pinning: ${env.pinning}. Load average at start ${env.loadAverageAtStart.map((l) => l.toFixed(2)).join(" / ")}, at end ${results.loadAverageAtEnd.map((l) => l.toFixed(2)).join(" / ")} (1/5/15 min; above ~0.5 the machine was shared: compare the per-round figures in the JSON before trusting a close verdict). Mode: ${config.quick ? "quick" : "full"}: raw verification ${config.rawRounds} round(s) of ${config.rawMs} ms per verifier, HTTP ${config.httpRounds} round(s) of ${config.httpDuration} s per server and token mode; medians reported, ratios are medians of per-round ratios. Wall time ${timings.total.toFixed(0)} s.`,
  );
  out.push("");
  if (problems.length) {
    out.push("## Problems during the run");
    out.push("");
    for (const p of problems) out.push(`- ${p}`);
    out.push("");
  }
  out.push("## Targets (issue 4)");
  out.push("");
  out.push(targetsTable(analysis));
  out.push("");
  out.push(
    "Raw-verify verdicts use ops per CPU-second of the (single-threaded, pinned) measuring process; HTTP verdicts use req/s. The other measure is shown in brackets; ⚠️ marks a verdict the two measures disagree on (noise).",
  );
  out.push("");

  if (raw) {
    out.push("## 1. Raw verification (in-process, one at a time, warm JWKS, RS256 2048)");
    out.push("");
    out.push(
      table(
        ["verifier", "ops/CPU-s", "ops/s (wall)", "× aws-jwt-verify", "× floor", "rounds (ops/CPU-s)"],
        analysis.raw.rows.map((r) => [
          r.label,
          fmtInt(r.opsPerCpuSecond),
          fmtInt(r.opsPerSecond),
          fmtX(r.vsAws.cpu),
          fmtPct(r.vsFloor.cpu, 0),
          r.rounds.map(fmtInt).join(", "),
        ]),
      ),
    );
    out.push("");
    out.push(
      `Distinct tokens: a pool of ${fmtInt(raw.poolSize)} tokens replayed in order. Checked: its hit rate on a default-cache verifier is ${fmtPct(raw.poolHitRate)} (the default cache then holds ${fmtInt(raw.poolCache?.size)} entries, ${fmtMiB(raw.poolCache?.bytes)} of ${fmtMiB(raw.poolCache?.maxBytes, 0)}), so every core "miss" pays the full verification plus the cache insert and eviction. ${config.rawMs} ms per round per verifier.`,
    );
    out.push("");
  }

  if (http) {
    out.push(`## 2. HTTP (${http.connections} connections, ${http.duration} s per run, autocannon)`);
    out.push("");
    out.push(`![req/s per server](${svgName})`);
    out.push("");
    out.push(httpTable(analysis));
    out.push("");
    out.push(
      `"repeated": every request carries the same token. "fresh": each request carries the next of ${fmtInt(http.poolSize)} distinct tokens, in order across connections (all cache misses, see section 1). Bare servers get the same headers and ignore them. "server CPU/req" is the server process's CPU time over the requests it answered.`,
    );
    out.push("");
    if (analysis.http.cost.length > 0) {
      out.push("### What our adapter costs over a middleware that does nothing");
      out.push("");
      out.push(
        table(
          ["framework", "no-op middleware: CPU/req", "cognito-bearer, same token (cache hit)", "extra, cache hit", "extra, new token (signature check)"],
          analysis.http.cost.map((c) => [c.framework, `${c.ceiling.toFixed(1)} µs`, `${c.ours.toFixed(1)} µs`, `+${c.hit.toFixed(1)} µs`, `+${c.miss.toFixed(1)} µs`]),
        ),
      );
      out.push("");
      out.push("The no-op row is the framework with one middleware (Fastify: one onRequest hook) that only calls next: what any authentication layer costs at the least. Extras are medians of per-round differences in server CPU per request.");
      out.push("");
    }
    out.push("### cognito-bearer against each peer (same framework)");
    out.push("");
    out.push(
      table(
        ["ours", "peer", "fresh token: ours / peer (req/s)", "fresh (by CPU/req)", "repeated token: ours / peer"],
        analysis.http.versus.map((v) => [v.ours, v.peer, fmtX(v.fresh), fmtX(v.freshCpu), fmtX(v.repeated)]),
      ),
    );
    out.push("");
    out.push(
      "Peers are configured as their READMEs show, checking issuer, audience and expiry with RS256 only. jose (6, WebCrypto) and express-oauth2-jwt-bearer (jose 4, callback `crypto.verify`) check signatures on libuv's thread pool: on the one pinned core that buys no parallelism, but on a shared machine a process with two busy threads gets a bigger share of the core than a single-threaded one, which flatters their req/s; server CPU per request is not affected. The bench tokens carry `aud` = the client id for their sake (Cognito access tokens carry `client_id` and no `aud`); cognito-bearer and the naive aws-jwt-verify middleware check `client_id` and `token_use` instead.",
    );
    out.push("");
  }

  if (jwks) {
    out.push("## 3. JWKS fetches");
    out.push("");
    out.push(
      table(
        ["library", `cold herd (${jwks.concurrent} concurrent)`, `unknown-kid flood (${fmtInt(jwks.unknownKids)} kids over ${jwks.floodSeconds} s)`, "allowed by cooldown", "valid tokens refused during flood"],
        jwks.results.map((r) => [
          r.label,
          `${r.herd.fetches} fetch${r.herd.fetches === 1 ? "" : "es"} (${r.herd.ok}/${r.herd.concurrent} ok)`,
          `${r.flood.fetches} fetch${r.flood.fetches === 1 ? "" : "es"}`,
          `≤ ${r.flood.bound}`,
          `${r.flood.validFailed} of ${r.flood.validSent}`,
        ]),
      ),
    );
    out.push("");
    out.push(
      "Unknown-kid tokens are validly signed by the issuer's key but name a kid the JWKS does not list. Counts come from the local JWKS server. jose's default cooldown (30 s) covers the whole flood after the herd's fetch, hence no refetch.",
    );
    out.push("");
  }

  if (memory) {
    out.push(`## 4. Memory after ${fmtInt(memory.n)} distinct tokens (core, default cache)`);
    out.push("");
    out.push(
      table(
        ["tokens verified", "heapUsed", "RSS", "cache entries", "cache bytes (estimate)", "elapsed"],
        memory.checkpoints.map((p) => [
          fmtInt(p.verified),
          fmtMiB(p.heapUsed),
          fmtMiB(p.rss),
          fmtInt(p.cache?.size),
          fmtMiB(p.cache?.bytes),
          `${p.seconds.toFixed(0)} s`,
        ]),
      ),
    );
    out.push("");
    const c = memory.checkpoints.at(-1).cache;
    out.push(
      `Every token is a real RS256 token, minted by ${memory.workers} worker threads (one local issuer each) and verified one at a time by one verifier configured for those issuers: ${fmtInt(memory.mintPerSecond)} tokens/s end to end, ${memory.failures} failed. N was chosen from a calibration of that pipeline to fit the time budget${memory.n < 1_000_000 ? ` (1,000,000 would take about ${(1_000_000 / memory.mintPerSecond / 60).toFixed(1)} min here)` : ""}. Cache limits: ${fmtInt(c?.maxEntries)} entries, ${fmtMiB(c?.maxBytes, 0)}. heapUsed is the main isolate after two full GCs; RSS includes the minting workers. Heap growth after the cache filled: ${fmtMiB(analysis.memory.growth)}.`,
    );
    out.push("");
  }

  out.push("## Versions");
  out.push("");
  out.push(table(["package", "version"], env.libraries.map((l) => [l.name, l.version])));
  out.push("");
  out.push(
    `Section times: ${Object.entries(timings)
      .filter(([k]) => k !== "total")
      .map(([k, v]) => `${k} ${v.toFixed(0)} s`)
      .join(", ")}.`,
  );
  out.push("");
  return out.join("\n");
}

function escapeXml(text) {
  return String(text).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
}

/** A horizontal grouped bar chart: one group per server, a bar per token mode. */
export function renderSvg(results, analysis) {
  const rows = analysis.http.rows;
  const modes = [
    { key: "repeated", label: "repeated token", color: "#4e79a7" },
    { key: "fresh", label: "fresh token per request", color: "#f28e2b" },
  ];
  const labelWidth = 300;
  const chartWidth = 560;
  const barHeight = 13;
  const groupGap = 10;
  const top = 58;
  const groupHeight = modes.length * barHeight + groupGap;
  const height = top + rows.length * groupHeight + 40;
  const width = labelWidth + chartWidth + 110;
  const max = Math.max(...rows.flatMap((r) => modes.map((m) => r[m.key].requestsPerSecond).filter(Number.isFinite)), 1);
  const step = niceStep(max / 5);
  const axisMax = Math.ceil(max / step) * step;
  const x = (v) => labelWidth + (v / axisMax) * chartWidth;
  const parts = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  parts.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  const { env, http, config } = results;
  parts.push(
    `<text x="12" y="20" font-size="15" font-weight="bold">HTTP req/s at ${http.connections} connections (median of ${config.httpRounds} round${config.httpRounds > 1 ? "s" : ""}, higher is better)</text>`,
  );
  parts.push(`<text x="12" y="38" fill="#555">${escapeXml(`${env.cpuModel}, ${env.cpuCount} cores · Node ${env.node} · server pinned to one core · ${env.date.slice(0, 10)}${config.quick ? " · quick run" : ""}`)}</text>`);
  modes.forEach((m, i) => {
    const lx = labelWidth + i * 200;
    parts.push(`<rect x="${lx}" y="44" width="12" height="10" fill="${m.color}"/><text x="${lx + 16}" y="53">${m.label}</text>`);
  });
  for (let v = 0; v <= axisMax; v += step) {
    parts.push(`<line x1="${x(v)}" y1="${top - 4}" x2="${x(v)}" y2="${top + rows.length * groupHeight}" stroke="#e3e3e3"/>`);
    parts.push(`<text x="${x(v)}" y="${top + rows.length * groupHeight + 16}" text-anchor="middle" fill="#555">${v >= 1000 ? `${v / 1000}k` : v}</text>`);
  }
  rows.forEach((row, i) => {
    const y0 = top + i * groupHeight;
    const weight = row.role === "ours" ? ' font-weight="bold"' : "";
    parts.push(`<text x="${labelWidth - 8}" y="${y0 + barHeight + 4}" text-anchor="end"${weight}>${escapeXml(row.label)}</text>`);
    modes.forEach((m, j) => {
      const value = row[m.key].requestsPerSecond;
      const y = y0 + j * barHeight;
      const w = Number.isFinite(value) ? Math.max(1, x(value) - labelWidth) : 0;
      parts.push(`<rect x="${labelWidth}" y="${y}" width="${w.toFixed(1)}" height="${barHeight - 2}" fill="${m.color}"/>`);
      parts.push(`<text x="${(labelWidth + w + 4).toFixed(1)}" y="${y + barHeight - 3}" font-size="10" fill="#333">${fmtInt(value)}</text>`);
    });
  });
  parts.push(`<line x1="${labelWidth}" y1="${top - 4}" x2="${labelWidth}" y2="${top + rows.length * groupHeight}" stroke="#999"/>`);
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}

function niceStep(raw) {
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (raw <= m * power) return m * power;
  return 10 * power;
}

/** Replace the results block of bench/README.md (full runs only). */
function updateReadme(results, analysis) {
  const path = join(BENCH_DIR, "README.md");
  let text;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return false;
  }
  const start = text.indexOf(README_START);
  const end = text.indexOf(README_END);
  if (start < 0 || end < start) return false;
  const { env } = results;
  const block = [
    README_START,
    "",
    `Latest full run: ${env.date.slice(0, 10)} on ${env.cpuModel}, ${env.cpuCount} cores, Node ${env.node}, commit ${env.git} (load average at start ${env.loadAverageAtStart[0].toFixed(2)}). Full report: [results/latest.md](results/latest.md).`,
    "",
    targetsTable(analysis),
    "",
    ...(analysis.http ? ["![HTTP req/s per server](results/latest.svg)", "", httpTable(analysis), ""] : []),
    README_END,
  ].join("\n");
  writeFileSync(path, text.slice(0, start) + block + text.slice(end + README_END.length));
  return true;
}

export function writeReport(results, { outDir = join(BENCH_DIR, "results"), name = "latest", readme = false } = {}) {
  const analysis = analyze(results);
  mkdirSync(outDir, { recursive: true });
  const files = [];
  const md = join(outDir, `${name}.md`);
  writeFileSync(md, renderMarkdown(results, analysis, `${name}.svg`));
  files.push(md);
  if (analysis.http) {
    const svg = join(outDir, `${name}.svg`);
    writeFileSync(svg, renderSvg(results, analysis));
    files.push(svg);
  }
  writeFileSync(join(outDir, `${name}.json`), JSON.stringify({ ...results, analysis }, null, 2) + "\n");
  files.push(join(outDir, `${name}.json`));
  if (readme && updateReadme(results, analysis)) files.push(join(BENCH_DIR, "README.md"));
  return { analysis, files };
}
