// The contract app on Next.js (App Router): route handlers only, on the Node
// runtime under /node and on the Edge runtime under /edge.
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));

/** @type {import("next").NextConfig} */
export default {
  poweredByHeader: false,
  turbopack: {
    // The workspace root: pnpm links the packages from there (Turbopack reads nothing outside its root).
    root: path.resolve(here, "../../.."),
  },
};
