import { once } from "node:events";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, resolve } from "node:path";
import type { Writable } from "node:stream";
import type { StoredEntity } from "../../catalog/catalog";
import { entityFields } from "../../catalog/entity-fields";
import { LocalCatalog } from "../../catalog/local/local-catalog";
import { loadEnvironment } from "../../config/environment";
import { messageOf } from "../../log/message-of";
import type { Command } from "../command";
import { CommandFailed } from "../errors";

/**
 * `bbrelay catalog export`: the local catalog on stdout as one JSON array of entities, in (blueprint, identifier)
 * order, one entity per line. Streamed page by page with backpressure, so 100,000 entities never become one string
 * and a slow reader (a pipe to `jq`) does not make the agent buffer the catalog.
 */
export const catalogExportCommand: Command = {
  name: "export",
  summary: "Print the local catalog as a JSON array of entities",
  usage: "bbrelay catalog export [--blueprint B] [--catalog PATH]",
  details: `
Each entity: blueprint, identifier, title, icon, team, properties, relations, datasource, createdAt, updatedAt.
The catalog file is --catalog, else CATALOG_PATH, else $XDG_DATA_HOME/bbrelay/catalog.sqlite
(~/.local/share/bbrelay/catalog.sqlite). The file is opened read-only: exporting while a resync runs is safe.

Examples:
  bbrelay catalog export > catalog.json
  bbrelay catalog export --blueprint bitbucketRepository | jq length`,
  options: {
    blueprint: { type: "string", multiple: true, valueName: "B", description: "Only entities of this blueprint" },
    catalog: { type: "string", valueName: "PATH", description: "The local catalog file (default: CATALOG_PATH)" },
  },
  async run(context) {
    const path = catalogPathOf(context.values.catalog, context.env, context.cwd);
    if (!existsSync(path)) {
      throw new CommandFailed(
        `there is no local catalog at ${path}: run \`bbrelay resync\` first, or point CATALOG_PATH or --catalog at the file`,
      );
    }
    let catalog: LocalCatalog;
    try {
      catalog = LocalCatalog.open({ path, readonly: true });
    } catch (error) {
      throw new CommandFailed(`cannot read the local catalog at ${path}: ${messageOf(error)}`);
    }
    try {
      const requested = stringsOf(context.values.blueprint);
      const known = new Set(catalog.blueprints().map((blueprint) => blueprint.identifier));
      for (const blueprint of requested.filter((identifier) => !known.has(identifier))) {
        context.log.warn({ blueprint, known: [...known].sort() }, "No such blueprint in the local catalog");
      }
      const filters = requested.length === 0 ? [{}] : requested.map((blueprint) => ({ blueprint }));
      let count = 0;
      await write(context.stdout, "[");
      for (const filter of filters) {
        for (const page of catalog.pages(filter)) {
          const text = page
            .map((entity) => `${count++ === 0 ? "\n" : ",\n"}${JSON.stringify(exported(entity))}`)
            .join("");
          await write(context.stdout, text);
        }
      }
      await write(context.stdout, count === 0 ? "]\n" : "\n]\n");
      context.log.debug({ path, entities: count }, "Local catalog exported");
      return 0;
    } finally {
      await catalog.close();
    }
  },
};

/** The catalog file: `--catalog`, else `CATALOG_PATH` (through the validated environment), else the default. */
function catalogPathOf(flag: unknown, env: Readonly<Record<string, string | undefined>>, cwd: string): string {
  if (typeof flag === "string" && flag !== "") return isAbsolute(flag) ? flag : resolve(cwd, flag);
  return loadEnvironment({ env, cwd, homeDir: env.HOME ?? homedir() }).catalogPath;
}

function exported(entity: StoredEntity) {
  return {
    blueprint: entity.blueprint,
    ...entityFields(entity),
    datasource: entity.datasource,
    createdAt: entity.createdAt,
    updatedAt: entity.updatedAt,
  };
}

function stringsOf(value: unknown): string[] {
  if (typeof value === "string") return [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

/** Writes and, when the stream's buffer is full, waits for it to drain. */
async function write(stream: Writable, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, "drain");
}
