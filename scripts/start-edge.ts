import { messageOf } from "../relay/log/message-of";
import { type LocalEdge, type LocalEdgeOptions, startLocalEdge } from "./local-edge";
import type { StartOptions } from "./start-options";

/**
 * The local edge with `npm start`'s options, and a start failure told in `npm start`'s terms (a port in use is
 * the usual one: another `npm start` or `wrangler dev`).
 */
export async function startEdgeFor(
  options: StartOptions,
  extra: { defaultStateDir?: string; overrides: LocalEdgeOptions["overrides"]; output: "inherit" | "discard" },
): Promise<LocalEdge> {
  const stateDir = options.stateDir ?? extra.defaultStateDir;
  try {
    return await startLocalEdge({
      root: options.root,
      port: options.port,
      ...(options.host === undefined ? {} : { host: options.host }),
      ...(stateDir === undefined ? {} : { stateDir }),
      ...(options.secretsFile === undefined ? {} : { secretsFile: options.secretsFile }),
      ...(options.bundleDir === undefined ? {} : { bundleDir: options.bundleDir }),
      overrides: extra.overrides,
      output: extra.output,
    });
  } catch (error) {
    const message = messageOf(error);
    if (/EADDRINUSE|address already in use/i.test(message)) {
      throw new Error(
        `port ${options.port} is in use: stop what holds it, or run \`npm start -- --port 0\` (any free port)`,
        { cause: error },
      );
    }
    throw error;
  }
}
