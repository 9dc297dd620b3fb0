import type { CommandEntry } from "../command";
import { catalogExportCommand } from "./catalog-export";
import { mapCommand } from "./map";

/** Every `bbrelay` command, in the order `--help` lists them. */
export const COMMANDS: readonly CommandEntry[] = [
  mapCommand,
  { name: "catalog", summary: "Read the embedded local catalog (export it as JSON)", commands: [catalogExportCommand] },
];
