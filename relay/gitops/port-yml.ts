import { z } from "zod";
import type { CatalogEntity, EntityKey } from "../catalog/catalog";
import { parseYaml } from "../files/parse-file";
import type { Json } from "../mapping/engine";

/**
 * A GitOps file (`port.yml`) in Port's format, as its GitHub, GitLab, Bitbucket Cloud and Azure DevOps integrations
 * read it: one entity, or a list of entities, each with `identifier`, `blueprint` and optionally `title`, `team`,
 * `icon`, `properties` and `relations` (a relation holds one identifier, a list of them, or null). A file that does
 * not fit is invalid as a whole, with the first problem named by its place (`[1].relations.owner: …`): nothing of
 * it is written, and nothing it declared before is deleted.
 */

/** A property's value: any JSON, as the document is (parseYaml), so nothing to check beyond it being there. */
const PropertyValue = z.custom<Json>();

const Identifier = z.string({ error: "must be a string" }).trim().min(1, { error: "must not be empty" });

const RelationValue = z.union([Identifier, z.array(Identifier), z.null()], {
  error: "must be an identifier, a list of identifiers, or null",
});

const GitOpsEntity = z.strictObject(
  {
    identifier: Identifier,
    blueprint: Identifier,
    title: z.string({ error: "must be a string" }).optional(),
    icon: z.string({ error: "must be a string" }).optional(),
    team: z.union([z.string(), z.array(z.string())], { error: "must be a team name or a list of them" }).optional(),
    properties: z
      .record(z.string(), PropertyValue, { error: "must be a mapping of property names to values" })
      .default({}),
    relations: z
      .record(z.string(), RelationValue, { error: "must be a mapping of relation names to identifiers" })
      .default({}),
  },
  {
    error:
      "must be an entity: a mapping with identifier, blueprint, and optionally title, team, icon, properties, relations",
  },
);

const GitOpsDocument = z.union([GitOpsEntity, z.array(GitOpsEntity).min(1, { error: "is an empty list" })]);

export type GitOpsParse = { kind: "ok"; entities: CatalogEntity[] } | { kind: "invalid"; reason: string };

export function parseGitOpsFile(text: string): GitOpsParse {
  const yaml = parseYaml(text);
  if (yaml.kind === "invalid") return yaml;
  const entities: CatalogEntity[] = [];
  for (const document of yaml.documents) {
    const parsed = GitOpsDocument.safeParse(document);
    if (!parsed.success) return { kind: "invalid", reason: describe(parsed.error, document) };
    for (const entity of Array.isArray(parsed.data) ? parsed.data : [parsed.data]) {
      // Port's entity JSON: what the file declares is what Port receives.
      entities.push(entity);
    }
  }
  const seen = new Set<string>();
  for (const entity of entities) {
    const key = `${entity.blueprint}/${String(entity.identifier)}`;
    if (seen.has(key)) return { kind: "invalid", reason: `declares ${key} twice` };
    seen.add(key);
  }
  return { kind: "ok", entities };
}

/** The entity keys a parsed file declares. */
export function declaredKeys(entities: readonly CatalogEntity[]): EntityKey[] {
  return entities.map((entity) => ({ blueprint: entity.blueprint, identifier: String(entity.identifier) }));
}

function describe(error: z.ZodError, document: unknown): string {
  if (document === null || document === undefined) return "is empty: declare one entity, or a list of entities";
  // A union's issue names the closest branch's problem: report that one, with its place in the file.
  const issue = deepest(error.issues);
  const place = issue.path.map((part) => (typeof part === "number" ? `[${part}]` : `.${String(part)}`)).join("");
  return `${place.replace(/^\./, "") || "the file"}: ${issue.message}`;
}

function deepest(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue {
  let best = issues[0];
  for (const issue of issues) {
    if (issue.code === "invalid_union") {
      for (const branch of issue.errors) {
        const inner = deepest(branch.map((child) => ({ ...child, path: [...issue.path, ...child.path] })));
        if (best === undefined || inner.path.length > best.path.length) best = inner;
      }
    } else if (best === undefined || issue.path.length > best.path.length) {
      best = issue;
    }
  }
  if (best === undefined) throw new Error("a failed parse has at least one issue");
  return best;
}
