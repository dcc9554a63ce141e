// The app's Next.js settings. Only `turbopack.root` is about this monorepo.
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));

/** @type {import("next").NextConfig} */
export default {
  poweredByHeader: false,
  // In this monorepo only: the packages are linked from the workspace root (an app of your own does not need this).
  turbopack: { root: path.resolve(here, "../..") },
};
