// Route handlers only (no pages): the examples' routes on the Node.js runtime at /, and on the Edge runtime under /edge.
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));

/** @type {import("next").NextConfig} */
export default {
  poweredByHeader: false,
  // This app's own (empty) jsconfig for every file it bundles: the monorepo root's tsconfig `paths` point our packages
  // at their TypeScript sources, for Jest and tsc (an app of your own does not need this line either).
  typescript: { tsconfigPath: "jsconfig.json" },
  // In this monorepo only: the packages are linked from the workspace root (an app of your own does not need this).
  turbopack: { root: path.resolve(here, "../..") },
};
