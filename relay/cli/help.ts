import type { Command, CommandEntry, CommandGroup, OptionSpec } from "./command";

export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  help: { type: "boolean", short: "h", description: "Show help for the command" },
  version: { type: "boolean", description: "Print the version and exit" },
  "log-format": {
    type: "string",
    valueName: "human|json",
    description: "Log format on stderr (default: human on a terminal, JSON lines otherwise)",
  },
  "log-level": {
    type: "string",
    valueName: "debug|info|warn|error",
    description: "Least severe level logged (default: info)",
  },
  "env-file": {
    type: "string",
    valueName: "FILE",
    description:
      "Read settings from FILE (KEY=value lines; default: BBRELAY_ENV_FILE); variables set in the environment win",
  },
};

export function rootHelp(entries: readonly CommandEntry[], version: string): string {
  const width = Math.max(...entries.map((entry) => entry.name.length), 8);
  const lines = entries.map((entry) => `  ${entry.name.padEnd(width)}  ${entry.summary}`);
  return [
    `bbrelay ${version}: keeps a catalog (Port, or the embedded local catalog) in sync with Bitbucket Server / Data Center.`,
    "",
    "Usage: bbrelay <command> [options]",
    "",
    "Commands:",
    ...lines,
    "",
    "Global options:",
    ...formatOptions(GLOBAL_OPTIONS),
    "",
    "Run `bbrelay <command> --help` for a command's options. Exit codes: 0 ok, 1 failure, 2 usage or configuration error.",
    "",
  ].join("\n");
}

export function groupHelp(group: CommandGroup): string {
  const width = Math.max(...group.commands.map((command) => command.name.length));
  return [
    `bbrelay ${group.name}: ${group.summary}`,
    "",
    `Usage: bbrelay ${group.name} <${group.commands.map((command) => command.name).join(" | ")}> [options]`,
    "",
    "Commands:",
    ...group.commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    "",
  ].join("\n");
}

export function commandHelp(command: Command): string {
  const parts = [command.summary, "", `Usage: ${command.usage}`];
  if (command.positionals)
    parts.push("", "Arguments:", `  ${command.positionals.name}  ${command.positionals.description}`);
  const options = formatOptions(command.options);
  if (options.length > 0) parts.push("", "Options:", ...options);
  parts.push("", "Global options:", ...formatOptions(GLOBAL_OPTIONS));
  if (command.details) parts.push("", command.details.trim());
  parts.push("");
  return parts.join("\n");
}

function formatOptions(options: Record<string, OptionSpec>): string[] {
  const rows = Object.entries(options).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : "    "}--${name}${spec.type === "string" ? ` ${spec.valueName ?? "VALUE"}` : ""}`;
    return [flag, spec.description + (spec.multiple ? " (repeatable)" : "")] as const;
  });
  const width = Math.max(0, ...rows.map(([flag]) => flag.length));
  return rows.map(([flag, description]) => `  ${flag.padEnd(width)}  ${description}`);
}

export function findEntry(entries: readonly CommandEntry[], name: string): CommandEntry | undefined {
  return entries.find((entry) => entry.name === name);
}
