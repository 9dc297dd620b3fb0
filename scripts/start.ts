import { parseArgs } from "node:util";
import { DEFAULT_EDGE_PORT, describeLocalEdge, startLocalEdge } from "./local-edge";

/**
 * `npm start`: runs the edge locally and prints what is needed to use it at once. Options: `--port N` (0: any
 * free port), `--host H`, `--state-dir DIR`, `--secrets-file FILE`,
 * `--bundle-dir DIR` (where the Worker is bundled; default .tmp/worker-dist). WEBHOOK_SECRET and AGENT_TOKEN in the
 * environment win over the secrets file.
 */
export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      "state-dir": { type: "string" },
      "secrets-file": { type: "string" },
      "bundle-dir": { type: "string" },
    },
  });
  const port = values.port === undefined ? Number(process.env["EDGE_PORT"] ?? DEFAULT_EDGE_PORT) : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`--port must be a port number (0 for any free port), not "${values.port ?? process.env["EDGE_PORT"] ?? ""}"`);
  }
  const root = process.cwd();
  const local = await startLocalEdge({
    root,
    port,
    ...(values.host === undefined ? {} : { host: values.host }),
    ...(values["state-dir"] === undefined ? {} : { stateDir: values["state-dir"] }),
    ...(values["secrets-file"] === undefined ? {} : { secretsFile: values["secrets-file"] }),
    ...(values["bundle-dir"] === undefined ? {} : { bundleDir: values["bundle-dir"] }),
    overrides: { WEBHOOK_SECRET: process.env["WEBHOOK_SECRET"], AGENT_TOKEN: process.env["AGENT_TOKEN"] },
  }).catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    if (/EADDRINUSE|address already in use/i.test(message)) {
      throw new Error(`port ${port} is in use: stop what holds it, or run \`npm start -- --port 0\``);
    }
    throw error;
  });
  console.log(describeLocalEdge(local, root));

  // Miniflare's own exit hook stops workerd on SIGINT/SIGTERM; this only keeps `main` pending until then, and
  // stops the edge itself should the signal be handled without exiting.
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await local.stop();
}
