// @cognito-bearer/cli: the `cognito-bearer` command, and its pieces for tools of your own.
export { explainCommand, format, USAGE } from "./explain-command.js";
export type { CommandIo } from "./explain-command.js";
