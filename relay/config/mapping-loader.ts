import { readFile } from "node:fs/promises";
import { formatDotPath } from "../../shared/mapping-config/dot-path";
import { parseMappingConfig } from "../../shared/mapping-config/parse-mapping-config";
import type { ConfigProblem } from "../../shared/mapping-config/problems";
import type { Kind, MappingConfig } from "../../shared/mapping-config/schema";
import { ConfigError } from "../config/config-error";
import type { JqEngine } from "../mapping/engine";
import { ResourceMapper, type ResourceMapperOptions } from "../mapping/resource-mapper";
import { DEFAULT_MAPPING_YAML } from "./default-mapping";
import { readYamlDocument } from "./yaml-document";

/**
 * Loads the mapping: read the YAML, parse and normalise it, run the rules, and compile every jq expression
 * (selector, itemsToParse, each leaf) with the engine, so that nothing can fail later because of the file.
 * Every problem comes out at once, each with its dot-path and line, through one ConfigError (exit 2).
 */

/** Where the mapping comes from: `--config FILE` beats `BBRELAY_CONFIG`, and the built-in mapping is the default. */
export type MappingSource = { kind: "file"; path: string } | { kind: "default" };

export interface LoadedMapping {
  config: MappingConfig;
  /** One per entry of `resources[]`, in file order. */
  mappers: ResourceMapper[];
  /** `the mapping file /etc/bbrelay/mapping.yaml` or `the built-in mapping`, for messages. */
  origin: string;
}

export interface LoadMappingOptions {
  source: MappingSource;
  engine: JqEngine;
  mapperOptions?: ResourceMapperOptions;
  /** Injected for tests; defaults to reading UTF-8 from disk. */
  readText?: (path: string) => Promise<string>;
}

/**
 * @param flag the `--config` value, if given
 * @param environmentPath `BBRELAY_CONFIG`, resolved (see loadEnvironment)
 */
export function mappingSourceOf(flag: string | undefined, environmentPath: string | null): MappingSource {
  if (flag !== undefined) return { kind: "file", path: flag };
  if (environmentPath !== null) return { kind: "file", path: environmentPath };
  return { kind: "default" };
}

/**
 * @returns the configuration and a compiled mapper per resource
 * @throws ConfigError with every problem of the file (or why it cannot be read)
 */
export async function loadMapping(options: LoadMappingOptions): Promise<LoadedMapping> {
  const { source } = options;
  if (source.kind === "default") return loadMappingText(DEFAULT_MAPPING_YAML, "the built-in mapping", options);
  const origin = `the mapping file ${source.path}`;
  let text: string;
  try {
    text = await (options.readText ?? ((path) => readFile(path, "utf8")))(source.path);
  } catch (error) {
    const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : "";
    const reason =
      code === "ENOENT"
        ? "no such file"
        : code === "EACCES"
          ? "permission denied"
          : code === "EISDIR"
            ? "it is a directory"
            : code || "unreadable";
    throw new ConfigError("mapping", [`cannot be read (${reason}); check --config or BBRELAY_CONFIG`], origin);
  }
  return loadMappingText(text, origin, options);
}

/** As {@link loadMapping}, from text already read. */
export async function loadMappingText(
  text: string,
  origin: string,
  options: Omit<LoadMappingOptions, "source" | "readText">,
): Promise<LoadedMapping> {
  const document = readYamlDocument(text);
  if (document.kind === "invalid") throw new ConfigError("mapping", document.problems, origin);

  const parsed = parseMappingConfig(document.value);
  const resources =
    parsed.kind === "ok"
      ? parsed.config.resources.map((resource, index) => ({ index, resource }))
      : parsed.validResources;
  const problems: ConfigProblem[] = parsed.kind === "ok" ? [] : [...parsed.problems];
  const mappers: ResourceMapper[] = [];
  for (const { index, resource } of resources) {
    const compiled = await ResourceMapper.compile(resource, index, options.engine, options.mapperOptions);
    if (compiled.kind === "ok") mappers.push(compiled.mapper);
    else problems.push(...compiled.problems);
  }
  if (problems.length > 0 || parsed.kind === "invalid")
    throw new ConfigError("mapping", inFileOrder(problems, document.lineOf), origin);
  return { config: parsed.config, mappers, origin };
}

/** @returns the mappers of one kind, in file order (a kind may appear several times) */
export function mappersOfKind(mapping: LoadedMapping, kind: Kind): ResourceMapper[] {
  return mapping.mappers.filter((mapper) => mapper.kind === kind);
}

/**
 * `path: message (line N)`, in the order a reader meets them: by resource, then by line (schema, rule and jq
 * problems of one resource interleave where they sit in the file).
 */
function inFileOrder(
  problems: readonly ConfigProblem[],
  lineOf: (path: readonly PropertyKey[]) => number | null,
): string[] {
  const resourceIndex = (problem: ConfigProblem) =>
    problem.path[0] === "resources" && typeof problem.path[1] === "number" ? problem.path[1] : -1;
  return problems
    .map((problem, order) => ({ problem, order, line: lineOf(problem.path) }))
    .sort(
      (a, b) =>
        resourceIndex(a.problem) - resourceIndex(b.problem) ||
        (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER) ||
        a.order - b.order,
    )
    .map(
      ({ problem, line }) =>
        `${formatDotPath(problem.path)}: ${problem.message}${line === null ? "" : ` (line ${line})`}`,
    );
}
