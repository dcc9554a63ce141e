import type { Config } from "jest";

// Tests import the workspace packages from source, so `pnpm test` needs no
// build for the packages themselves; the examples' tests start real child
// processes and run on the built output (`pnpm test` builds first).
const workspace = ["bff", "cli", "client", "client-credentials", "core", "express", "fastify", "fetch", "koa", "lambda", "node", "otel", "redis", "testing"];

const shared: Config = {
  testEnvironment: "node",
  transform: {
    "^.+\\.ts$": ["ts-jest", { tsconfig: "<rootDir>/tsconfig.test.json" }],
  },
  moduleNameMapper: {
    "^@cognito-bearer/core/adapter$": "<rootDir>/packages/core/src/adapter/index.ts",
    "^@cognito-bearer/bff/(express|koa|node)$": "<rootDir>/packages/bff/src/mounts/$1.ts",
    "^@cognito-bearer/bff/next$": "<rootDir>/packages/bff/src/next/index.ts",
    "^@cognito-bearer/fetch/hono$": "<rootDir>/packages/fetch/src/hono.ts",
    [`^@cognito-bearer/(${workspace.join("|")})$`]: "<rootDir>/packages/$1/src/index.ts",
    // Core's runtime-specific module (its package.json "imports"): tests on Node get the Node one.
    "^#runtime$": "<rootDir>/packages/core/src/runtime/node.ts",
    // Sources use NodeNext-style `./x.js` specifiers; map them back to `./x.ts`.
    "^(\\.{1,2}/.*)\\.js$": "$1",
  },
};

const config: Config = {
  projects: [
    {
      ...shared,
      displayName: "unit",
      testMatch: ["<rootDir>/packages/*/test/**/*.test.ts", "<rootDir>/examples/*/test/**/*.test.ts", "<rootDir>/test/**/*.test.ts"],
    },
    {
      ...shared,
      displayName: "fuzz",
      testMatch: ["<rootDir>/packages/*/test/**/*.fuzz.ts", "<rootDir>/test/**/*.fuzz.ts"],
    },
  ],
};

export default config;
