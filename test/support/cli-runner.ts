import { Writable } from "node:stream";
import { COMMANDS } from "../../relay/cli/commands/index";
import { runCli } from "../../relay/cli/main";

/** Runs `bbrelay` in-process with injected streams and environment: what the CLI tests drive. */

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  env?: Record<string, string>;
  /** Pretend stdout and stderr are a terminal (human output). */
  tty?: boolean;
  cwd?: string;
  signal?: AbortSignal;
  /** Sees stdout and stderr as they are written (a running agent's log lines). */
  onOutput?: (chunk: string) => void;
}

export function collector(onOutput?: (chunk: string) => void): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(String(chunk));
      onOutput?.(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join("") };
}

export async function bbrelay(argv: string[], options: CliRunOptions = {}): Promise<CliRun> {
  const stdout = collector(options.onOutput);
  const stderr = collector(options.onOutput);
  const code = await runCli(COMMANDS, {
    argv,
    env: { HOME: "/home/tester", ...options.env },
    cwd: options.cwd ?? "/",
    stdout: stdout.stream,
    stderr: stderr.stream,
    stdoutIsTTY: options.tty ?? false,
    stderrIsTTY: options.tty ?? false,
    signal: options.signal ?? new AbortController().signal,
    version: "0.0.0-test",
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/**
 * The environment of an agent talking to a fake Bitbucket Server as its administrator, with its local catalog and
 * state in `dir`.
 */
export function fakeBitbucketEnv(
  fakeUrl: string,
  dir: string,
  admin: { username: string; password: string },
): Record<string, string> {
  return {
    BITBUCKET_URL: fakeUrl,
    BITBUCKET_USERNAME: admin.username,
    BITBUCKET_PASSWORD: admin.password,
    CATALOG_PATH: `${dir}/catalog.sqlite`,
    BBRELAY_STATE_DIR: `${dir}/state`,
  };
}
