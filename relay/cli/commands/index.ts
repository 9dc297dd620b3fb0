import type { CommandEntry } from "../command";
import { catalogExportCommand } from "./catalog-export";
import { deadLettersGroup } from "./dead-letters";
import { doctorCommand } from "./doctor";
import { mapCommand } from "./map";
import { resyncCommand } from "./resync";
import { runCommand } from "./run";
import { statusCommand } from "./status";
import { webhooksGroup } from "./webhooks";

/** Every `bbrelay` command, in the order `--help` lists them. */
export const COMMANDS: readonly CommandEntry[] = [
  runCommand,
  resyncCommand,
  webhooksGroup,
  mapCommand,
  doctorCommand,
  statusCommand,
  deadLettersGroup,
  { name: "catalog", summary: "Read the embedded local catalog (export it as JSON)", commands: [catalogExportCommand] },
];
