// `cognito-bearer explain`: the token from an argument or standard input, the
// pool and client from flags or the examples' environment variables, a report
// for people (or --json for machines). Exit 0 valid, 1 refused, 2 usage,
// 3 JWKS unreachable. It prints the decoded claims, never the whole token or
// its signature, and sends the token nowhere: the only request is the JWKS fetch.
import { parseArgs } from "node:util";
import { createVerifier, type ExplainReport, type VerifierOptions } from "@cognito-bearer/core";
import { closestKey } from "@cognito-bearer/core/adapter";

export interface CommandIo {
  args: string[];
  env: Record<string, string | undefined>;
  readStdin(): Promise<string>;
  stdinIsTty: boolean;
  out(text: string): void;
  err(text: string): void;
}

export const USAGE = `usage: cognito-bearer explain [token | -] [options]
       npx @cognito-bearer/cli explain [token | -] [options]   (without installing it)

  token                  the access token; "-" or none reads it from standard input
  --pool <id>            user pool id          (or COGNITO_USER_POOL_ID)
  --client <id[,id]>     app client id(s)      (or COGNITO_CLIENT_ID)
  --issuer <url>         issuer override       (or COGNITO_ISSUER)
  --jwks-uri <url>       JWKS override         (or COGNITO_JWKS_URI)
  --replica-regions <r,r>  Regions the pool is replicated to
  --scopes <s,s>         scopes every token must carry
  --groups <g,g>         groups, any of which the user must be in
  --json                 the report as JSON

exit status: 0 valid, 1 refused, 2 usage, 3 the signing keys could not be fetched`;

const OPTIONS = {
  pool: { type: "string" },
  client: { type: "string" },
  issuer: { type: "string" },
  "jwks-uri": { type: "string" },
  "replica-regions": { type: "string" },
  scopes: { type: "string" },
  groups: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** The line after a usage error: where the options are, rather than all of them. */
export const HELP_HINT = "Run cognito-bearer explain --help for the options.";

/**
 * The first flag of `args` that is not an option, said as the library's own
 * option errors say it: `unknown option --isuer (did you mean --issuer?)`.
 * Node's parseArgs message for it suggests quoting it after `--` instead.
 */
export function unknownOption(args: readonly string[]): string | undefined {
  const { tokens } = parseArgs({ args: [...args], allowPositionals: true, strict: false, tokens: true, options: OPTIONS });
  for (const token of tokens) {
    if (token.kind !== "option" || Object.hasOwn(OPTIONS, token.name)) continue;
    const meant = token.rawName.startsWith("--") ? closestKey(token.name, Object.keys(OPTIONS)) : undefined;
    return `unknown option ${token.rawName}${meant === undefined ? "" : ` (did you mean --${meant}?)`}`;
  }
  return undefined;
}

export async function explainCommand(io: CommandIo): Promise<number> {
  const unknown = unknownOption(io.args);
  if (unknown !== undefined) {
    io.err(`${unknown}\n${HELP_HINT}\n`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: io.args, allowPositionals: true, options: OPTIONS });
  } catch (err) {
    // A flag without its value, or a value given to --json: node's own message, on one line.
    io.err(`${(err as Error).message}\n${HELP_HINT}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  if (positionals[0] !== "explain" || positionals.length > 2) {
    io.err(`${USAGE}\n`);
    return 2;
  }
  const list = (text: string | undefined) => text?.split(",").map((item) => item.trim()).filter(Boolean);
  const get = (flag: string | undefined, name: string) => flag ?? (io.env[name]?.trim() || undefined);
  const userPoolId = get(values.pool, "COGNITO_USER_POOL_ID");
  const clientId = list(get(values.client, "COGNITO_CLIENT_ID"));
  if (userPoolId === undefined || clientId === undefined || clientId.length === 0) {
    io.err(`the user pool and the app client are needed: --pool and --client (or COGNITO_USER_POOL_ID and COGNITO_CLIENT_ID)\n${USAGE}\n`);
    return 2;
  }
  let token = positionals[1];
  if (token === undefined || token === "-") {
    if (token === undefined && io.stdinIsTty) {
      io.err(`no token: pass it as an argument, or pipe it in\n${USAGE}\n`);
      return 2;
    }
    token = (await io.readStdin()).trim();
  }
  if (token === "") {
    io.err("the token is empty\n");
    return 2;
  }
  // A pasted header value is fine too.
  token = token.replace(/^Bearer\s+/i, "");

  const options: VerifierOptions = {
    userPoolId,
    clientId,
    issuer: get(values.issuer, "COGNITO_ISSUER"),
    jwksUri: get(values["jwks-uri"], "COGNITO_JWKS_URI"),
    replicaRegions: list(values["replica-regions"]),
    scopes: list(values.scopes),
    groups: list(values.groups),
    cache: false,
    onEvent: () => undefined, // the report says it; no process warning on top
  };
  for (const key of Object.keys(options) as (keyof VerifierOptions)[]) if (options[key] === undefined) delete options[key];
  let verifier;
  try {
    verifier = createVerifier(options);
  } catch (err) {
    io.err(`${(err as Error).message.replace(/^cognito-bearer: /, "")}\n`);
    return 2;
  }
  try {
    const report = await verifier.explain(token);
    io.out(values.json ? `${JSON.stringify(report, null, 2)}\n` : format(report));
    return report.verdict === "valid" ? 0 : report.verdict === "unavailable" ? 3 : 1;
  } finally {
    verifier.close();
  }
}

const MARK = { pass: "✓", fail: "✗", unknown: "?", skipped: "-" } as const;

/** The report for people. */
export function format(report: ExplainReport): string {
  const lines: string[] = [];
  const verdict = report.verdict === "valid" ? "valid (200)" : `${report.verdict} (${report.status} ${report.reason}): ${report.description}`;
  lines.push(`verdict   ${verdict}`);
  if (report.issuer) {
    const { iss, form, region, userPoolId, accepted } = report.issuer;
    const where = form === "other" ? "" : ` (${form} form, ${region}, pool ${userPoolId})`;
    lines.push(`issuer    ${String(iss)}${where}${accepted ? "" : ", not accepted here"}`);
  }
  if (report.header) lines.push(`header    ${JSON.stringify(report.header)}`);
  if (report.claims) lines.push(`claims    ${JSON.stringify(report.claims)}`);
  lines.push(`clock     now ${report.clock.now} (${new Date(report.clock.now * 1000).toISOString()}), skew tolerated ${report.clock.graceSeconds} s`);
  lines.push("checks");
  for (const check of report.checks) {
    const parts = [`  ${MARK[check.outcome]} ${check.check.padEnd(11)}`];
    if (check.expected !== undefined) parts.push(`expected ${show(check.expected)}`);
    if (check.found !== undefined) parts.push(`found ${show(check.found)}`);
    if (check.detail !== undefined) parts.push(`(${check.detail})`);
    lines.push(parts.join("  ").trimEnd());
  }
  return `${lines.join("\n")}\n`;
}

function show(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}
