import { accessSync, constants, existsSync, statSync } from "node:fs";
import { dirname } from "node:path";

/**
 * What doctor can say of a file the agent would create, without creating it (doctor only looks): whether it
 * exists, and otherwise whether the agent could create it (the nearest existing folder is writable).
 */
export type FileOutlook =
  | { kind: "exists" }
  | { kind: "creatable"; folder: string }
  | { kind: "blocked"; reason: string };

export function fileOutlook(path: string): FileOutlook {
  if (existsSync(path)) return { kind: "exists" };
  let folder = dirname(path);
  while (!existsSync(folder) && dirname(folder) !== folder) folder = dirname(folder);
  try {
    if (!statSync(folder).isDirectory()) return { kind: "blocked", reason: `${folder} is not a folder` };
    accessSync(folder, constants.W_OK);
    return { kind: "creatable", folder };
  } catch {
    return { kind: "blocked", reason: `${folder} is not writable` };
  }
}
