import type { CommandEntry } from "../command";

/** Every `bbrelay` command, in the order `--help` lists them. */
export const COMMANDS: readonly CommandEntry[] = [];
