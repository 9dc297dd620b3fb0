import { createWriteStream, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { Writable } from "node:stream";
import { COMMANDS } from "../relay/cli/commands/index";
import { runCli } from "../relay/cli/main";

/**
 * `bbrelay run`, exactly as the CLI runs it (the same command, flags, environment validation and exit codes), but
 * in this process: `npm start` owns one process that Ctrl-C stops as a whole, and it follows the agent's JSON log
 * lines as they are written. Every line also goes to a log file. `stop()` is SIGTERM's equivalent: the agent stops
 * leasing, finishes what is in flight and exits 0.
 */

export interface InProcessAgentOptions {
  /** The agent's whole environment (nothing is read from `process.env`). */
  env: Record<string, string>;
  cwd: string;
  /** The agent's version (it becomes part of the catalog's datasource). */
  version: string;
  /** Flags after `run`. */
  args?: readonly string[];
  /** Every line the agent writes, truncated at each start. */
  logFile: string;
  /** Each line, after the agent wrote it (called on a later tick, never inside the agent's own call). */
  onLine: (line: string) => void;
}

export interface InProcessAgent {
  /** The exit code, once the agent has stopped (by `stop()`, or by itself on a fatal error). */
  readonly exited: Promise<number>;
  /** Stops the agent (SIGTERM's equivalent) and waits for its exit code. */
  stop(): Promise<number>;
}

export function startInProcessAgent(options: InProcessAgentOptions): InProcessAgent {
  mkdirSync(dirname(options.logFile), { recursive: true });
  const file = createWriteStream(options.logFile, { flags: "w" });
  const controller = new AbortController();
  const output = lineWriter((line) => {
    file.write(`${line}\n`);
    setImmediate(() => options.onLine(line));
  });
  const exited = runCli(COMMANDS, {
    argv: ["run", "--log-format", "json", ...(options.args ?? [])],
    env: options.env,
    cwd: options.cwd,
    stdout: output.stream,
    stderr: output.stream,
    stdoutIsTTY: false,
    stderrIsTTY: false,
    signal: controller.signal,
    version: options.version,
  }).finally(async () => {
    output.flush();
    await new Promise<void>((resolve) => file.end(() => resolve()));
  });
  return {
    exited,
    stop() {
      controller.abort(new Error("npm start is stopping"));
      return exited;
    },
  };
}

/** A stream that hands over whole lines (the logger writes one per call, the CLI's error text may span several). */
function lineWriter(onLine: (line: string) => void): { stream: Writable; flush(): void } {
  let pending = "";
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      pending += String(chunk);
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) if (line !== "") onLine(line);
      done();
    },
  });
  return {
    stream,
    flush() {
      if (pending !== "") onLine(pending);
      pending = "";
    },
  };
}
