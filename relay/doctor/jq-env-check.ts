import { formatDotPath } from "../../shared/mapping-config/dot-path";
import type { LoadedMapping } from "../config/mapping-loader";
import { envNamesRead, type JqEnv } from "../mapping/jq-env";
import { type CheckResult, ok, warn } from "./check-result";

/**
 * Whether the variables the mapping reads through `env` / `$ENV` are the ones `BBRELAY_JQ_ENV` lets through: a
 * missing one maps null without any error, which a Port user used to Ocean's open environment would not expect.
 * @returns null when the mapping reads no variable by name
 */
export function checkJqEnvironment(mapping: LoadedMapping, jqEnv: JqEnv): CheckResult | null {
  const reads: { path: string; name: string }[] = [];
  for (const mapper of mapping.mappers) {
    const leaves = [
      { path: formatDotPath(["resources", mapper.index, "selector", "query"]), source: mapper.resource.selector.query },
      ...mapper.fields.map((field) => ({
        path: `${formatDotPath(["resources", mapper.index, "port", "entity", "mappings"])}.${field.path}`,
        source: field.source,
      })),
    ];
    for (const leaf of leaves) for (const name of envNamesRead(leaf.source)) reads.push({ path: leaf.path, name });
  }
  if (reads.length === 0) return null;
  const missing = reads.filter((read) => !(read.name in jqEnv));
  if (missing.length === 0) {
    return ok(
      "config.jq-env",
      `the mapping reads ${[...new Set(reads.map((read) => read.name))].join(", ")}, all let through by BBRELAY_JQ_ENV`,
    );
  }
  const names = [...new Set(missing.map((read) => read.name))];
  return warn(
    "config.jq-env",
    `${missing.map((read) => `${read.path} reads env.${read.name}`).join("; ")}; BBRELAY_JQ_ENV does not list ${names.join(", ")}, so ${missing.length === 1 ? "it maps" : "they map"} null`,
    `set ${names.join(", ")} and add ${names.length === 1 ? "it" : "them"} to BBRELAY_JQ_ENV (comma-separated), or change the mapping`,
  );
}
