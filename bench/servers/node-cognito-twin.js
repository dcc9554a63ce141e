// A second node-cognito (the same code, another process): bench/telemetry.js
// measures it against node-cognito, an A/A control of its paired method (what
// two identical servers measured at once differ by).
export { create } from "./node-cognito.js";
