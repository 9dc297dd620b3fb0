import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { describeLocalEdge } from "./local-edge";
import { startEdgeFor } from "./start-edge";
import { parseStartOptions, START_USAGE } from "./start-options";
import { startPipeline } from "./start-pipeline";

/** For start.mjs: a usage or configuration error exits 2, as the agent's CLI decides. */
export { exitCodeOf } from "../relay/cli/errors";

/**
 * `npm start` (run by scripts/start.mjs from the repository root): the whole pipeline on this machine, or the edge
 * alone with `--edge-only`; `npm start -- --help` lists the options. Runs until SIGINT/SIGTERM, then stops
 * everything and exits 0; a second signal exits at once.
 * @returns the exit code
 */
export async function main(argv: string[]): Promise<number> {
  const root = process.cwd();
  const options = parseStartOptions(argv, process.env, root);
  if (options === null) {
    process.stdout.write(START_USAGE);
    return 0;
  }
  const print = (line: string) => void process.stdout.write(`${line}\n`);
  const stopSignal = onStopSignal();
  try {
    if (options.mode === "edge-only") {
      const edge = await stopSignal.guard(() =>
        startEdgeFor(options, {
          overrides: { WEBHOOK_SECRET: process.env.WEBHOOK_SECRET, AGENT_TOKEN: process.env.AGENT_TOKEN },
          output: "inherit",
        }),
      );
      print(describeLocalEdge(edge, root));
      await stopSignal.received;
      await edge.stop();
      return 0;
    }
    const pipelineOptions = { ...options, mode: options.mode };
    const pipeline = await stopSignal.guard(() =>
      startPipeline({ options: pipelineOptions, env: process.env, version: versionOf(root), print }),
    );
    const ended = await Promise.race([
      stopSignal.received.then(() => "signal" as const),
      pipeline.agentExited.then(() => "agent" as const),
    ]);
    print(
      ended === "signal"
        ? "\nStopping: the agent finishes what it holds, then the servers stop…"
        : `The agent stopped by itself (see ${pipeline.agentLogFile}); stopping the rest…`,
    );
    const code = await pipeline.stop();
    print(code === 0 ? "Stopped." : `Stopped; the agent exited with ${code}.`);
    return code;
  } finally {
    stopSignal.dispose();
  }
}

interface StopSignal {
  /** Resolves on the first SIGINT or SIGTERM. */
  received: Promise<void>;
  /**
   * Runs a start-up that creates Miniflare instances and takes back the signals: Miniflare adds SIGINT/SIGTERM
   * handlers that exit the process at once (130/143), which would cut the agent off mid-batch and make Ctrl-C exit
   * non-zero. Its `exit` hook, which stops workerd should the process exit anyway, is left in place.
   */
  guard<T>(start: () => Promise<T>): Promise<T>;
  dispose(): void;
}

function onStopSignal(): StopSignal {
  let signals = 0;
  let resolve: () => void = () => undefined;
  const received = new Promise<void>((done) => (resolve = done));
  const handler = () => {
    signals++;
    if (signals > 1) process.exit(130);
    resolve();
  };
  const names = ["SIGINT", "SIGTERM"] as const;
  for (const name of names) process.on(name, handler);
  return {
    received,
    async guard(start) {
      const before = new Map(names.map((name) => [name, new Set(process.listeners(name))]));
      try {
        return await start();
      } finally {
        for (const name of names) {
          for (const listener of process.listeners(name))
            if (before.get(name)?.has(listener) !== true) process.removeListener(name, listener);
        }
      }
    },
    dispose() {
      for (const name of names) process.removeListener(name, handler);
    },
  };
}

const PackageJson = z.looseObject({ version: z.string() });

function versionOf(root: string): string {
  const parsed = PackageJson.safeParse(JSON.parse(readFileSync(join(root, "package.json"), "utf8")));
  return parsed.success ? parsed.data.version : "0.0.0-dev";
}
