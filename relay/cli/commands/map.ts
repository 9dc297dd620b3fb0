import { homedir } from "node:os";
import { resolve } from "node:path";
import { toPortJq } from "../../../shared/mapping-config/port-jq";
import { KINDS, type Kind } from "../../../shared/mapping-config/schema";
import { BitbucketClient, isBitbucketError } from "../../bitbucket/index";
import type { CatalogEntity } from "../../catalog/catalog";
import { DEFAULT_MAPPING_YAML } from "../../config/default-mapping";
import { type AgentEnvironment, loadEnvironment, requireBitbucket } from "../../config/environment";
import { loadMapping, mappersOfKind, mappingSourceOf } from "../../config/mapping-loader";
import { explainJq } from "../../mapping/compiled";
import { createMappingEngine } from "../../mapping/create-engine";
import { formatEntitiesForTerminal } from "../../mapping/format-entities";
import { fileItemSource, type ItemSource } from "../../mapping/item-source";
import { liveItemSource } from "../../mapping/live-item-source";
import { addCounts, emptyCounts, type MappingCounts, type MappingWarning } from "../../mapping/mapping-result";
import type { ResourceMapper } from "../../mapping/resource-mapper";
import type { Command, CommandContext } from "../command";
import { parseKind, wantsJson } from "../common-options";
import { CommandFailed, ConfigError, UsageError } from "../errors";

/**
 * `bbrelay map`: Port's jq playground from the terminal. Runs the mapping of one kind on sample items and
 * prints the entities Port would receive, with every warning, so a mapping can be checked before a resync.
 */
export const mapCommand: Command = {
  name: "map",
  summary: "Run the mapping on sample items and print the entities it gives",
  usage: "bbrelay map --kind K [--config FILE] (--input FILE | --live N) [--json]",
  details: `
Maps each item with every resource of kind K in the mapping (a kind may appear several times), exactly as a
resync would: selector first, then every field; only a field's first output counts; a jq error in a field gives
null and a warning; an entity whose identifier or blueprint is null or empty is skipped with a warning.

Output: the entities on stdout, as a JSON array of { blueprint, identifier, title, team, icon, properties,
relations } when --json is given or stdout is not a terminal, else in a readable form. Fields the mapping does
not define are left out, as Port receives them. Warnings and a summary go to stderr.

--input: one item (a JSON object as Bitbucket's REST API returns it) or an array of them. Repository items are
mapped as given: add __readme / __latestCommit yourself to try a mapping that uses them.
--explain: no mapping; for each field of each resource of kind K, which jq engine serves it (compiled, or
jq-wasm) and why (the construct outside the compiled subset).
--live N: the first N items of each resource of kind K, read from Bitbucket as a resync reads them (the
resource's projects, regex, states and archived selectors applied; README and latest commit fetched when the
mapping uses them).

Exit codes: 0 mapped (warnings included), 1 the selector or itemsToParse failed for an item (an error for the
kind: a resync would not delete anything) or Bitbucket could not be read, 2 a usage or configuration problem
(every problem is listed).

Environment: BBRELAY_CONFIG (the mapping file when --config is not given; the built-in mapping otherwise);
with --live, BITBUCKET_URL and BITBUCKET_TOKEN (or BITBUCKET_USERNAME and BITBUCKET_PASSWORD).

Examples:
  bbrelay map --kind pull-request --input pr.json
  bbrelay map --kind repository --config mapping.yaml --input repos.json --json | jq '.[].identifier'
  bbrelay map --kind pull-request --live 5
  bbrelay map --print-default > mapping.yaml`,
  options: {
    kind: { type: "string", valueName: "K", description: `The kind to map: ${KINDS.join(", ")}` },
    config: {
      type: "string",
      valueName: "FILE",
      description: "The mapping file (port-app-config YAML); overrides BBRELAY_CONFIG",
    },
    input: { type: "string", valueName: "FILE", description: "A JSON file with one item or an array of items" },
    live: {
      type: "string",
      valueName: "N",
      description: "Map the first N items of each resource, read live from Bitbucket",
    },
    json: { type: "boolean", description: "Print the entities as a JSON array even on a terminal" },
    "print-default": { type: "boolean", description: "Print the built-in mapping (YAML) and exit" },
    explain: { type: "boolean", description: "Show which jq engine serves each field, and why, instead of mapping" },
  },
  async run(context) {
    if (context.values["print-default"] === true) {
      context.stdout.write(DEFAULT_MAPPING_YAML);
      return 0;
    }
    const kind = kindOf(context.values.kind);
    const environment = loadEnvironment({ env: context.env, cwd: context.cwd, homeDir: context.env.HOME ?? homedir() });
    const source = context.values.explain === true ? null : itemSourceOf(context, environment);
    const configFlag = stringValue(context.values.config);
    const engine = createMappingEngine({ logger: context.log, jqTimeoutMs: environment.jqTimeoutMs });
    try {
      const mapping = await loadMapping({
        source: mappingSourceOf(
          configFlag === undefined ? undefined : resolve(context.cwd, configFlag),
          environment.mappingPath,
        ),
        engine,
        mapperOptions: { jqEnv: environment.jqEnv },
      });
      const mappers = mappersOfKind(mapping, kind);
      if (mappers.length === 0) {
        throw new ConfigError(
          "mapping",
          [
            `resources: has no resource of kind ${kind}; the kinds it maps: ${[...new Set(mapping.mappers.map((mapper) => mapper.kind))].join(", ")}`,
          ],
          mapping.origin,
        );
      }
      if (source === null) {
        writeExplanations(context, mappers);
        return 0;
      }
      const { entities, counts } = await mapAll(mappers, source, context);
      writeEntities(context, entities);
      context.log.info({ kind, ...counts, source: source.description }, "mapping summary");
      return counts.errors > 0 ? 1 : 0;
    } catch (error) {
      if (isBitbucketError(error)) throw new CommandFailed(`reading Bitbucket failed: ${error.message}`);
      throw error;
    } finally {
      await engine.close();
    }
  },
};

/** `--explain`: each field's engine and the reason (explainJq), as JSON lines off a terminal, aligned text on one. */
function writeExplanations(context: CommandContext, mappers: readonly ResourceMapper[]): void {
  const rows = mappers.flatMap((mapper) =>
    mapper.fields.map((field) => {
      const explanation = explainJq(toPortJq(field.source));
      return {
        resource: `resources[${mapper.index}]`,
        path: field.path,
        engine: field.engine,
        reason: explanation.reason,
        source: field.source,
      };
    }),
  );
  if (wantsJson(context)) {
    context.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  const width = Math.max(...rows.map((row) => `${row.resource}.${row.path}`.length));
  for (const row of rows) {
    context.stdout.write(
      `${`${row.resource}.${row.path}`.padEnd(width)}  ${row.engine.padEnd(8)}  ${row.reason}\n    ${row.source}\n`,
    );
  }
}

async function mapAll(
  mappers: readonly ResourceMapper[],
  source: ItemSource,
  context: CommandContext,
): Promise<{ entities: CatalogEntity[]; counts: MappingCounts }> {
  const entities: CatalogEntity[] = [];
  const counts = emptyCounts();
  for (const mapper of mappers) {
    const log = context.log.child({ resource: `resources[${mapper.index}]` });
    const nullFields = new Map<string, number>();
    let item = 0;
    for await (const raw of source.items(mapper, context.signal)) {
      const result = await mapper.mapItem(raw);
      entities.push(...result.entities);
      addCounts(counts, result.counts);
      for (const warning of result.warnings) {
        log.warn(
          { item, element: warning.element, path: warning.path, reason: warning.message },
          warningMessage(warning.code),
        );
      }
      for (const error of result.errors) {
        log.error(
          { item, element: error.element, path: error.path, reason: error.message },
          "selector or itemsToParse failed: an error for the kind",
        );
      }
      for (const path of result.nullFields) nullFields.set(path, (nullFields.get(path) ?? 0) + 1);
      item++;
    }
    if (nullFields.size > 0)
      log.info({ fields: Object.fromEntries(nullFields) }, "fields that came out null (count of entities)");
  }
  return { entities, counts };
}

function warningMessage(code: MappingWarning["code"]): string {
  switch (code) {
    case "relation-target-invalid":
      return "relation target Port would refuse";
    case "field-error":
      return "jq error in a field: set to null";
    case "entity-dropped":
      return "entity skipped";
    case "items-to-parse-empty":
      return "itemsToParse gave no list";
  }
}

function writeEntities(context: CommandContext, entities: readonly CatalogEntity[]): void {
  if (wantsJson(context)) {
    context.stdout.write(`${JSON.stringify(entities, null, 2)}\n`);
    return;
  }
  context.stdout.write(entities.length === 0 ? "(no entities)\n" : formatEntitiesForTerminal(entities));
}

function kindOf(value: unknown): Kind {
  if (value === undefined) throw new UsageError(`--kind is required: one of ${KINDS.join(", ")}`);
  return parseKind(value);
}

function itemSourceOf(context: CommandContext, environment: AgentEnvironment): ItemSource {
  const input = stringValue(context.values.input);
  const live = stringValue(context.values.live);
  if (input !== undefined && live !== undefined) throw new UsageError("give either --input FILE or --live N, not both");
  if (input !== undefined) return fileItemSource(resolve(context.cwd, input));
  if (live === undefined) throw new UsageError("--input FILE or --live N is required: the items to map");
  const count = /^\d+$/.test(live) ? Number(live) : Number.NaN;
  if (!Number.isSafeInteger(count) || count < 1 || count > 10_000)
    throw new UsageError(`--live must be a number of items from 1 to 10000, got ${JSON.stringify(live)}`);
  const settings = requireBitbucket(environment);
  const client = BitbucketClient.fromConfig(
    { baseUrl: settings.baseUrl, auth: settings.auth, limits: { maxConcurrency: environment.bitbucketConcurrency } },
    { logger: context.log, signal: context.signal },
  );
  return liveItemSource(client, count, context.log);
}

function stringValue(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}
