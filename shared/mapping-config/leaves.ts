import { isSearchQuery, type MappingValue, type SearchQuery, type SearchRule } from "./mapping-value";
import type { EntityMapping, ResourceConfig } from "./schema";

/** Where a jq expression sits in a resource: what it does decides what its failure means. */
export type LeafRole = "selector" | "itemsToParse" | "field";

/** One jq expression of a resource. */
export interface JqLeaf {
  role: LeafRole;
  /** The path inside the resource (`["port", "entity", "mappings", "properties", "created_on"]`). */
  path: readonly PropertyKey[];
  /** For fields, the path inside the entity (`["properties", "created_on"]`), as Port names misconfigured fields. */
  fieldPath: readonly PropertyKey[];
  /** The expression as written in the file. */
  source: string;
}

const MAPPINGS_PATH = ["port", "entity", "mappings"] as const;

/**
 * Every jq expression of a resource, in evaluation order: the selector, `itemsToParse`, then every leaf of the
 * entity mapping (search queries leaf by leaf). The loader compiles them all at start; the mapper runs them.
 */
export function resourceLeaves(resource: ResourceConfig): JqLeaf[] {
  const leaves: JqLeaf[] = [
    { role: "selector", path: ["selector", "query"], fieldPath: [], source: resource.selector.query },
  ];
  if (resource.port.itemsToParse !== undefined) {
    leaves.push({
      role: "itemsToParse",
      path: ["port", "itemsToParse"],
      fieldPath: [],
      source: resource.port.itemsToParse,
    });
  }
  leaves.push(...mappingLeaves(resource.port.entity.mappings));
  return leaves;
}

/** The field leaves of an entity mapping, each with its path inside the entity. */
export function mappingLeaves(mapping: EntityMapping): JqLeaf[] {
  const leaves: JqLeaf[] = [];
  const add = (fieldPath: PropertyKey[], value: MappingValue | SearchRule) => {
    for (const [relative, source] of valueLeaves(value)) {
      const full = [...fieldPath, ...relative];
      leaves.push({ role: "field", path: [...MAPPINGS_PATH, ...full], fieldPath: full, source });
    }
  };
  add(["identifier"], mapping.identifier);
  if (mapping.title !== undefined) add(["title"], mapping.title);
  add(["blueprint"], mapping.blueprint);
  if (mapping.team !== undefined) add(["team"], mapping.team);
  if (mapping.icon !== undefined) add(["icon"], mapping.icon);
  for (const [name, source] of Object.entries(mapping.properties)) add(["properties", name], source);
  for (const [name, value] of Object.entries(mapping.relations)) add(["relations", name], value);
  return leaves;
}

function valueLeaves(value: MappingValue | SearchRule): [PropertyKey[], string][] {
  if (typeof value === "string") return [[[], value]];
  if (isSearchQuery(value)) return queryLeaves(value);
  return [
    [["property"], value.property],
    [["operator"], value.operator],
    [["value"], value.value],
  ];
}

function queryLeaves(query: SearchQuery): [PropertyKey[], string][] {
  const out: [PropertyKey[], string][] = [[["combinator"], query.combinator]];
  query.rules.forEach((rule, index) => {
    for (const [relative, source] of valueLeaves(rule)) out.push([["rules", index, ...relative], source]);
  });
  return out;
}

/** What a repository resource needs fetched besides the listing. */
export interface EnrichmentNeeds {
  readme: boolean;
  latestCommit: boolean;
  /** Paths of `includedFiles` to read into `__includedFiles` (empty: none, no request). */
  includedFiles: string[];
}

/**
 * Whether to fetch `__readme`, `__latestCommit` and `__includedFiles` for a resource: `enrich` forces it either way; `auto` (the
 * default) fetches only when one of the resource's jq expressions names the field (two extra requests per
 * repository otherwise spent for nothing; Ocean maps both and never fetches them). Only repositories are enriched.
 */
export function enrichmentNeeds(resource: ResourceConfig): EnrichmentNeeds {
  if (resource.kind !== "repository") return { readme: false, latestCommit: false, includedFiles: [] };
  const sources = resourceLeaves(resource).map((leaf) => leaf.source);
  const mentions = (field: string) => sources.some((source) => source.includes(field));
  const decide = (setting: "auto" | boolean, field: string) => (setting === "auto" ? mentions(field) : setting);
  return {
    readme: decide(resource.selector.enrich.readme, "__readme"),
    latestCommit: decide(resource.selector.enrich.latestCommit, "__latestCommit"),
    // Port's includedFiles: read only when a jq expression reads `__includedFiles` (listing them is not enough).
    includedFiles: mentions("__includedFiles") ? resource.selector.includedFiles : [],
  };
}
