import type { Writable } from "node:stream";
import type { Logger } from "../log/logger";

/** One option of a command, in `node:util` parseArgs form plus what `--help` prints. */
export interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
  /** Shown in `--help`, e.g. `FILE`. */
  valueName?: string;
  description: string;
}

export type OptionValues = Record<string, string | boolean | string[] | boolean[] | undefined>;

/** What a command gets: parsed arguments and injected I/O (the test seam: no globals). */
export interface CommandContext {
  values: OptionValues;
  positionals: string[];
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  stdout: Writable;
  stderr: Writable;
  /** Whether stdout is a terminal: human output there, JSON otherwise. */
  stdoutIsTTY: boolean;
  log: Logger;
  /** Aborted on SIGINT/SIGTERM: long-running commands stop intake and finish what is in flight. */
  signal: AbortSignal;
  /** bbrelay's version (it names the writer in the catalog's datasource). */
  version: string;
}

export interface Command {
  /** `resync`, or `sync` inside the `webhooks` group. */
  name: string;
  summary: string;
  /** The synopsis line, e.g. `bbrelay resync [--kind K] [--dry-run] [--config FILE]`. */
  usage: string;
  /** Extra paragraphs for `--help` (environment variables used, examples). */
  details?: string;
  options: Record<string, OptionSpec>;
  /** Whether positionals are accepted (most commands take none). */
  positionals?: { name: string; description: string };
  /** @returns the exit code (0 ok, 1 failure); throw UsageError/ConfigError for exit 2 */
  run(context: CommandContext): Promise<number>;
}

export interface CommandGroup {
  name: string;
  summary: string;
  commands: Command[];
}

export type CommandEntry = Command | CommandGroup;

export function isGroup(entry: CommandEntry): entry is CommandGroup {
  return "commands" in entry;
}
