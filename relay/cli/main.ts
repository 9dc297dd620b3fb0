import type { Writable } from "node:stream";
import { parseArgs } from "node:util";
import { withEnvFile } from "../config/env-file";
import { SECRET_ENV_VARS } from "../config/environment";
import { type LogFormat, Logger, type LogLevel } from "../log/logger";
import { Redactor } from "../log/redact";
import { type Command, type CommandEntry, isGroup, type OptionSpec } from "./command";
import { ConfigError, exitCodeOf, UsageError } from "./errors";
import { commandHelp, findEntry, GLOBAL_OPTIONS, groupHelp, rootHelp } from "./help";

export interface CliIo {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  stdout: Writable;
  stderr: Writable;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  signal: AbortSignal;
  version: string;
}

/**
 * Runs one `bbrelay` invocation. Thin: it finds the command, parses its options, builds the logger and maps
 * errors to exit codes; the commands do the work. Nothing here calls `process.exit`.
 * @returns the exit code
 */
export async function runCli(entries: readonly CommandEntry[], io: CliIo): Promise<number> {
  const redactor = new Redactor().add(...SECRET_ENV_VARS.map((name) => io.env[name]));
  const words = commandWords(io.argv);
  const wantsHelp = io.argv.includes("--help") || io.argv.includes("-h");
  let log = makeLogger(io, redactor, undefined, undefined);
  try {
    if (io.argv.includes("--version") && words.length === 0) {
      io.stdout.write(`${io.version}\n`);
      return 0;
    }
    const [first, second] = words;
    if (first === undefined) {
      if (wantsHelp) {
        io.stdout.write(rootHelp(entries, io.version));
        return 0;
      }
      io.stderr.write(rootHelp(entries, io.version));
      throw new UsageError("no command given");
    }
    const entry = findEntry(entries, first);
    if (entry === undefined) throw new UsageError(`unknown command "${first}"; run \`bbrelay --help\` for the list`);
    let command: Command;
    let rest: string[];
    if (isGroup(entry)) {
      const sub = second === undefined ? undefined : entry.commands.find((candidate) => candidate.name === second);
      if (sub === undefined) {
        if (wantsHelp && second === undefined) {
          io.stdout.write(groupHelp(entry));
          return 0;
        }
        io.stderr.write(groupHelp(entry));
        throw new UsageError(
          second === undefined ? `"${entry.name}" needs a subcommand` : `unknown command "${entry.name} ${second}"`,
        );
      }
      command = sub;
      rest = withoutWords(io.argv, 2);
    } else {
      command = entry;
      rest = withoutWords(io.argv, 1);
    }
    if (wantsHelp) {
      io.stdout.write(commandHelp(command));
      return 0;
    }
    const parsed = parseCommandArgs(command, rest);
    log = makeLogger(io, redactor, parsed.values["log-format"], parsed.values["log-level"]);
    const envFile = parsed.values["env-file"];
    const env = withEnvFile(io.env, io.cwd, typeof envFile === "string" ? envFile : undefined);
    // The file's secrets are secrets too: never in a log line or an error.
    redactor.add(...SECRET_ENV_VARS.map((name) => env[name]));
    return await command.run({
      values: parsed.values,
      positionals: parsed.positionals,
      env,
      cwd: io.cwd,
      stdout: io.stdout,
      stderr: io.stderr,
      stdoutIsTTY: io.stdoutIsTTY,
      log,
      signal: io.signal,
      version: io.version,
    });
  } catch (error) {
    const code = exitCodeOf(error);
    if (code !== null && error instanceof Error) {
      const prefix = error instanceof ConfigError ? "" : `bbrelay: `;
      io.stderr.write(`${prefix}${redactor.redact(error.message)}\n`);
      return code;
    }
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    io.stderr.write(`bbrelay: unexpected error (a bug; please report it):\n${redactor.redact(text)}\n`);
    return 1;
  }
}

/** Indexes of the words that name the command: arguments before it may only be global options. */
function commandWordIndexes(argv: readonly string[]): number[] {
  const indexes: number[] = [];
  for (let i = 0; i < argv.length && indexes.length < 2; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--") break;
    if (arg.startsWith("-")) {
      const name = arg.replace(/^--?/, "");
      if (GLOBAL_OPTIONS[name]?.type === "string" && !arg.includes("=")) i++;
      continue;
    }
    indexes.push(i);
  }
  return indexes;
}

function commandWords(argv: readonly string[]): string[] {
  return commandWordIndexes(argv).map((index) => argv[index] ?? "");
}

function withoutWords(argv: readonly string[], count: number): string[] {
  const drop = new Set(commandWordIndexes(argv).slice(0, count));
  return argv.filter((_, index) => !drop.has(index));
}

function parseCommandArgs(command: Command, args: string[]) {
  const options: Record<string, OptionSpec> = { ...GLOBAL_OPTIONS, ...command.options };
  try {
    const parsed = parseArgs({
      args,
      options: Object.fromEntries(
        Object.entries(options).map(([name, spec]) => [
          name,
          {
            type: spec.type,
            ...(spec.short ? { short: spec.short } : {}),
            ...(spec.multiple ? { multiple: true } : {}),
          },
        ]),
      ),
      allowPositionals: command.positionals !== undefined,
      strict: true,
    });
    return {
      values: parsed.values as Record<string, string | boolean | string[] | boolean[] | undefined>,
      positionals: parsed.positionals,
    };
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new UsageError(`${message}; run \`${command.usage.split(" [")[0]} --help\` for the options`);
  }
}

function makeLogger(io: CliIo, redactor: Redactor, formatValue: unknown, levelValue: unknown): Logger {
  const format =
    parseChoice<LogFormat>("--log-format", formatValue, ["human", "json"]) ?? (io.stderrIsTTY ? "human" : "json");
  const level = parseChoice<LogLevel>("--log-level", levelValue, ["debug", "info", "warn", "error"]) ?? "info";
  return new Logger({ stream: io.stderr, format, level, redactor });
}

function parseChoice<T extends string>(flag: string, value: unknown, choices: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "string" && (choices as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} must be one of ${choices.join(", ")}`);
}
