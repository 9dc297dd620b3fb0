import { limitHeapGrowth } from "../agent/heap-growth";
import { COMMANDS } from "./commands/index";
import { runCli } from "./main";

declare const BBRELAY_VERSION: string;

/**
 * The `bbrelay` process entry: wires the real process into runCli. SIGINT/SIGTERM abort the shared signal once
 * (long-running commands stop intake and finish in-flight work); a second signal exits at once.
 */
async function main(): Promise<void> {
  limitHeapGrowth();
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) process.exit(130);
    controller.abort(new Error(`received ${signal}`));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.exitCode = await runCli(COMMANDS, {
    argv: process.argv.slice(2),
    env: process.env,
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    signal: controller.signal,
    version: typeof BBRELAY_VERSION === "string" ? BBRELAY_VERSION : "0.0.0-dev",
  });
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  // The command is over and has said so: nothing left may keep the process alive (a call that ignored its abort, a
  // timer of a library). An unref'd timer leaves a process that ends by itself alone, and ends one that would not.
  setTimeout(() => process.exit(), LINGER_MS).unref();
}

/** How long the process may linger after the command returned (stdout and the log file flush well within it). */
const LINGER_MS = 2_000;

void main().catch((error: unknown) => {
  process.stderr.write(`bbrelay: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
