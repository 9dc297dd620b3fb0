import type { CommandEntry } from "../command";
import { mapCommand } from "./map";

/** Every `bbrelay` command, in the order `--help` lists them. */
export const COMMANDS: readonly CommandEntry[] = [mapCommand];
