// Everything an application can import from core and the fetch adapter, for
// web-bundle.test.ts: if any of it reached a Node built-in, the bundle would show it.
export * as core from "@cognito-bearer/core";
export * as adapter from "@cognito-bearer/core/adapter";
export * as fetchAdapter from "@cognito-bearer/fetch";
export * as hono from "@cognito-bearer/fetch/hono";
