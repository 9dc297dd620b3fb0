import { readFile } from "node:fs/promises";
import { stringify } from "yaml";
import { ConfigError } from "../config/config-error";
import { DEFAULT_MAPPING_YAML } from "../config/default-mapping";
import type { MappingSource } from "../config/mapping-loader";
import { readYamlDocument } from "../config/yaml-document";

/**
 * A mapping as Port stores it: the port-app-config as a JSON object (the integration's `config`), which Port's
 * data-source editor shows as YAML. Converting both ways keeps the loader one: Port's config goes through the same
 * YAML loader as a file, so its problems come out the same way.
 */

/**
 * @returns the local mapping (the `--config`/`BBRELAY_CONFIG` file, else the built-in one) as Port's config object:
 * what a new integration starts with
 * @throws ConfigError when the file cannot be read or is not a YAML mapping
 */
export async function configObjectOf(source: MappingSource): Promise<Record<string, unknown>> {
  const origin = source.kind === "default" ? "the built-in mapping" : `the mapping file ${source.path}`;
  const text = source.kind === "default" ? DEFAULT_MAPPING_YAML : await readFile(source.path, "utf8");
  const document = readYamlDocument(text);
  if (document.kind === "invalid") throw new ConfigError("mapping", document.problems, origin);
  const value = document.value;
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new ConfigError("mapping", ["must be a mapping with resources[]"], origin);
  return Object.fromEntries(Object.entries(value));
}

/** @returns Port's config as the YAML Port's editor shows: line numbers in problems point into it */
export function yamlOfConfig(config: Record<string, unknown>): string {
  return stringify(config, { lineWidth: 0 });
}

/** Whether two configs are the same mapping (Port may reorder keys; a change is a change of content). */
export function sameConfig(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    typeof inner === "object" && inner !== null && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : inner,
  );
}
