import { ConfigError } from "../config/config-error";
import { type LoadedMapping, type LoadMappingOptions, loadMappingText } from "../config/mapping-loader";
import { yamlOfConfig } from "./mapping-document";

/** Where the mapping in force comes from: Port's integration config, or the local mapping (a file, or built in). */
export type MappingSourceKind = "port" | "file" | "default";

export type PortMappingOutcome =
  | { kind: "ok"; mapping: LoadedMapping }
  | { kind: "empty" }
  | { kind: "invalid"; problems: readonly string[]; origin: string };

/** Names Port's mapping in messages, with where to fix it. */
export function portMappingOrigin(installationId: string): string {
  return `Port's mapping of integration "${installationId}" (its data-source page in Port)`;
}

/**
 * Loads Port's integration config with the same loader as a mapping file: parsed, checked and every jq compiled, so
 * a bad edit in Port's editor is named in full (every problem, with its path) before it can replace anything.
 */
export async function loadPortMapping(
  config: Record<string, unknown> | null | undefined,
  installationId: string,
  options: Omit<LoadMappingOptions, "source" | "readText">,
): Promise<PortMappingOutcome> {
  if (config === null || config === undefined || Object.keys(config).length === 0) return { kind: "empty" };
  const origin = portMappingOrigin(installationId);
  try {
    return { kind: "ok", mapping: await loadMappingText(yamlOfConfig(config), origin, options) };
  } catch (error) {
    if (error instanceof ConfigError) return { kind: "invalid", problems: error.problems, origin };
    throw error;
  }
}
