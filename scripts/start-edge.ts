import { createServer } from "node:net";
import { UsageError } from "../relay/cli/errors";
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
  // Checked before workerd starts, so that a busy port is one line (workerd would print its stack trace first).
  if (options.port !== 0 && !(await portIsFree(options.host ?? "127.0.0.1", options.port)))
    throw portInUse(options.port);
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
    if (/EADDRINUSE|address already in use/i.test(message)) throw portInUse(options.port, error);
    throw error;
  }
}

/** Exit 2: the user can fix it by choosing another port (or stopping what holds this one). */
function portInUse(port: number, cause?: unknown): UsageError {
  return new UsageError(
    `port ${port} is in use: stop what holds it, or run \`npm start -- --port 0\` (any free port)`,
    cause === undefined ? undefined : { cause },
  );
}

function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    // Only a port in use is this check's to report; anything else (a host not of this machine) is workerd's.
    probe.once("error", (error: NodeJS.ErrnoException) => resolve(error.code !== "EADDRINUSE"));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}
