#!/usr/bin/env node
// The agent is TypeScript bundled into dist/ by `npm install` (the prepare script); Node 20 cannot run .ts.
import { existsSync } from "node:fs";

const bundle = new URL("../dist/bbrelay.mjs", import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write("bbrelay: the agent is not built yet; run `npm install` (or `npm run build:agent`) first\n");
  process.exit(1);
}
await import(bundle.href);
