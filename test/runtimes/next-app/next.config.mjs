// The contract app on Next.js (App Router): route handlers only, on the Node
// runtime under /node and on the Edge runtime under /edge.
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));

/** @type {import("next").NextConfig} */
export default {
  poweredByHeader: false,
  // The app's own (empty) jsconfig for every file it bundles, our linked packages included: the monorepo root's
  // tsconfig `paths` point them at their TypeScript sources (for Jest and tsc), not at the built packages users install.
  typescript: { tsconfigPath: "jsconfig.json" },
  turbopack: {
    // The workspace root: pnpm links the packages from there (Turbopack reads nothing outside its root).
    root: path.resolve(here, "../../.."),
  },
};
