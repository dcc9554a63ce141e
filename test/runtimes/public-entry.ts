// Everything an application can import from core and the fetch adapter, for
// web-bundle.test.ts: if any of it reached a Node built-in, the bundle would show it.
export * from "@cognito-bearer/core";
export * from "@cognito-bearer/core/adapter";
export * from "@cognito-bearer/fetch";
export * from "@cognito-bearer/fetch/hono";
