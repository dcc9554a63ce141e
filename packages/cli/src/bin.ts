#!/usr/bin/env node
// The `cognito-bearer` command. Subcommands: explain.
import { explainCommand } from "./explain-command.js";

const readStdin = async (): Promise<string> => {
  let text = "";
  for await (const chunk of process.stdin) text += String(chunk);
  return text;
};

explainCommand({
  args: process.argv.slice(2),
  env: process.env,
  readStdin,
  stdinIsTty: Boolean(process.stdin.isTTY),
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`cognito-bearer: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
