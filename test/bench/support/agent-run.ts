import { bbrelay, type CliRun } from "../../support/cli-runner";

/**
 * `bbrelay run` in-process through the real CLI, stopped as SIGTERM would stop it (the CLI's abort signal). Its
 * output is kept in memory and shown only if it exits with an error.
 */
export class AgentRun {
  readonly #controller = new AbortController();
  readonly done: Promise<CliRun>;

  constructor(env: Record<string, string>, argv: string[]) {
    this.done = bbrelay(["run", ...argv], { env, signal: this.#controller.signal }).catch(
      (error: unknown): CliRun => ({
        code: -1,
        stdout: "",
        stderr: error instanceof Error ? (error.stack ?? error.message) : String(error),
      }),
    );
  }

  /** Settles with `until`, or rejects if the agent exits first (a configuration error would otherwise look like a hang). */
  whileRunning<T>(until: Promise<T>): Promise<T> {
    return Promise.race([
      until,
      this.done.then((run) => Promise.reject(new Error(`bbrelay run exited ${run.code}:\n${tail(run)}`))),
    ]);
  }

  async stop(): Promise<void> {
    this.#controller.abort();
    const run = await this.done;
    if (run.code !== 0) console.error(`bbrelay run exited ${run.code}:\n${tail(run)}`);
  }
}

function tail(run: CliRun): string {
  return `${run.stderr}${run.stdout}`.slice(-2000);
}
