import { KINDS, type Kind } from "../../shared/mapping-config/schema";
import type { CommandContext, OptionSpec } from "./command";
import { UsageError } from "./errors";

/** `--config FILE`, as every command that loads the mapping takes it. */
export const CONFIG_OPTION: OptionSpec = {
  type: "string",
  valueName: "FILE",
  description: "The mapping file (default: BBRELAY_CONFIG, else the built-in mapping)",
};

/** `--config`, in the shape openAgentContext takes. */
export function configFlag(context: CommandContext): { configFlag?: string } {
  const value = context.values.config;
  return typeof value === "string" ? { configFlag: value } : {};
}

/** JSON with `--json`, and whenever stdout is not a terminal (a pipe, a file, a CI log). */
export function wantsJson(context: CommandContext): boolean {
  return context.values.json === true || !context.stdoutIsTTY;
}

/** @throws UsageError naming the kinds when the value is not one */
export function parseKind(value: unknown): Kind {
  const kind = KINDS.find((candidate) => candidate === value);
  if (kind === undefined)
    throw new UsageError(`--kind must be one of ${KINDS.join(", ")}, got ${JSON.stringify(value)}`);
  return kind;
}
