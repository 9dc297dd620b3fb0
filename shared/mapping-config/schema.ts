import { z } from "zod";
import { describeType, forwardIssues, JqExpression, JqOrSearchQuery } from "./mapping-value";

/**
 * The mapping file: Port's `port-app-config` (port-api.md §6.1, ocean-bitbucket-server.md §1.3), parsed and
 * normalised in one pass (defaults filled in, pull-request states turned into a list). Unknown keys are problems,
 * not silently ignored: a typo such as `selecter` would otherwise change what gets synced.
 *
 * Differences from Ocean, on purpose:
 * - pull-request `state` defaults to ALL (Ocean: OPEN), and also takes a list of states;
 * - `includeArchived` (default true), `includePersonalProjects` (default false) and `enrich` (README and latest
 *   commit: `auto` fetches them only when the resource's jq mentions `__readme` / `__latestCommit`) are ours;
 * - `projects: []` is refused rather than read as "every project";
 * - `resources` must list at least one resource: an empty list would make a resync delete the whole catalog.
 */

export const KINDS = ["project", "repository", "pull-request", "user", "file"] as const;
export type Kind = (typeof KINDS)[number];

export const PULL_REQUEST_STATES = ["OPEN", "MERGED", "DECLINED"] as const;
export type PullRequestState = (typeof PULL_REQUEST_STATES)[number];

/**
 * A zod error customiser for "wrong type" only: other issues (unknown keys, ranges) keep their own messages.
 * `undefined` input means the key is missing.
 */
function typeError(expected: string) {
  return (issue: { code?: string; input?: unknown }): string | undefined => {
    if (issue.code !== "invalid_type") return undefined;
    return issue.input === undefined
      ? `is required: ${expected}`
      : `must be ${expected}, got ${describeType(issue.input)}`;
  };
}

/** `query` defaults to `"true"` (select everything), as in Port's UI template. */
const SelectorQuery = JqExpression.optional().transform((query) => query ?? "true");

const ProjectKeys = z
  .array(z.string({ error: typeError("a project key (a string)") }).min(1, { error: "must not be empty" }), {
    error: typeError("a list of project keys"),
  })
  .min(1, { error: "is empty: remove `projects` to take every project, or list project keys" })
  .transform((keys) => [...new Set(keys)])
  .optional();

const ProjectFilterRegex = z
  .string({ error: typeError("a regular expression written as a string") })
  .min(1, { error: "is empty: remove it, or write a regular expression" })
  .optional();

const StateName = z
  .string({ error: typeError("ALL, OPEN, MERGED or DECLINED") })
  .transform((state) => state.trim().toUpperCase())
  .pipe(
    z.enum(["ALL", ...PULL_REQUEST_STATES], {
      error: (issue) => `must be ALL, OPEN, MERGED or DECLINED, got ${JSON.stringify(issue.input)}`,
    }),
  );

/** `ALL` (the default), one state, or a list of states → the sorted list of states to sync. */
const PullRequestStates = z
  .union([StateName, z.array(StateName).min(1, { error: "is empty: remove it to sync every state" })], {
    error: (issue) => `must be ALL, OPEN, MERGED, DECLINED or a list of them, got ${describeType(issue.input)}`,
  })
  .optional()
  .transform((state): PullRequestState[] => {
    const names = state === undefined ? ["ALL"] : Array.isArray(state) ? state : [state];
    if (names.includes("ALL")) return [...PULL_REQUEST_STATES];
    return PULL_REQUEST_STATES.filter((name) => names.includes(name));
  });

/** `auto`: fetch only when the resource's jq mentions the field. `true` / `false` force it. */
const EnrichSwitch = z
  .union([z.literal("auto"), z.boolean()], {
    error: (issue) => `must be auto, true or false, got ${JSON.stringify(issue.input)}`,
  })
  .default("auto");

const Enrich = z
  .strictObject(
    { readme: EnrichSwitch, latestCommit: EnrichSwitch },
    { error: typeError("a mapping such as {readme: auto, latestCommit: auto}") },
  )
  .prefault({});

function flag(defaultValue: boolean) {
  return z
    .boolean({
      error: (issue) =>
        typeof issue.input === "string" && /^(yes|no|on|off|y|n|true|false)$/i.test(issue.input)
          ? `must be true or false, got the text ${JSON.stringify(issue.input)} (YAML 1.2 reads yes/no/on/off, and quoted values, as text)`
          : typeError("true or false")(issue),
    })
    .default(defaultValue);
}

const ProjectSelector = z.strictObject({
  query: SelectorQuery,
  projects: ProjectKeys,
  projectFilterRegex: ProjectFilterRegex,
});

/** A repository file path, as written in the mapping (no leading `/`, no `..`). */
const FilePath = z
  .string({ error: typeError("a file path (a string)") })
  .transform((path) => path.trim().replace(/^\/+/, ""))
  .pipe(
    z
      .string()
      .min(1, { error: "must not be empty" })
      .refine((path) => !path.split("/").includes(".."), { error: "must not contain `..`" }),
  );

/** Port's `includedFiles`: paths whose contents appear as `.__includedFiles["<path>"]` (null when absent). */
const IncludedFiles = z
  .array(FilePath, { error: typeError("a list of file paths") })
  .transform((paths) => [...new Set(paths)])
  .default([]);

const RepositorySelector = z.strictObject({
  query: SelectorQuery,
  projects: ProjectKeys,
  projectFilterRegex: ProjectFilterRegex,
  includeArchived: flag(true),
  includePersonalProjects: flag(false),
  enrich: Enrich,
  includedFiles: IncludedFiles,
});

// Port's `file` kind (its Bitbucket Cloud integration's `files`, with GitLab's glob paths): `path` is a glob
// (`**/package.json`, `services/*/openapi.yaml`) or a plain path; with `filenames`, `path` is the folder to search
// (empty: the whole repository) and a file matches by name. `repos` narrows to these repositories (slug, name or
// `PROJECT/slug`). `skipParsing` keeps the content as text.
const FilesPattern = z
  .strictObject(
    {
      path: z.string({ error: typeError("a path or glob (a string)") }).default(""),
      filenames: z
        .array(z.string({ error: typeError("a file name") }).min(1, { error: "must not be empty" }), {
          error: typeError("a list of file names"),
        })
        .min(1, { error: "is empty: remove it, or list file names such as package.json" })
        .optional(),
      repos: z
        .array(z.string({ error: typeError("a repository (slug, name or PROJECT/slug)") }).min(1), {
          error: typeError("a list of repositories"),
        })
        .min(1, { error: "is empty: remove it to read every selected repository" })
        .optional(),
      skipParsing: flag(false),
    },
    { error: typeError("a mapping such as {path: '**/package.json'}") },
  )
  .refine((files) => files.path.trim() !== "" || files.filenames !== undefined, {
    error: "needs `path` (a path or glob such as **/package.json) or `filenames`",
  });

const FileSelector = z.strictObject({
  query: SelectorQuery,
  projects: ProjectKeys,
  projectFilterRegex: ProjectFilterRegex,
  includeArchived: flag(true),
  includePersonalProjects: flag(false),
  files: FilesPattern,
});

const PullRequestSelector = z.strictObject({
  query: SelectorQuery,
  projects: ProjectKeys,
  projectFilterRegex: ProjectFilterRegex,
  state: PullRequestStates,
  includeArchived: flag(true),
  includePersonalProjects: flag(false),
});

const UserSelector = z.strictObject({ query: SelectorQuery });

const EntityMappingFields = z.strictObject({
  identifier: JqOrSearchQuery,
  title: JqExpression.optional(),
  blueprint: JqExpression,
  team: JqOrSearchQuery.optional(),
  icon: JqExpression.optional(),
  properties: z
    .record(z.string(), JqExpression, { error: typeError("a mapping of property names to jq expressions") })
    .default({}),
  relations: z
    .record(z.string(), JqOrSearchQuery, {
      error: typeError("a mapping of relation names to jq expressions or search queries"),
    })
    .default({}),
});
export type EntityMapping = z.output<typeof EntityMappingFields>;

/** Port's schema also allows a list of mappings; Ocean (and we) take one, so say how to get the same effect. */
const EntityMappingSchema = z.unknown().transform((value, ctx): EntityMapping => {
  if (Array.isArray(value)) {
    ctx.addIssue({
      code: "custom",
      message: "a list of mappings is not supported: repeat the resource (same kind) once per mapping instead",
    });
    return z.NEVER;
  }
  const parsed = EntityMappingFields.safeParse(value);
  if (parsed.success) return parsed.data;
  forwardIssues(ctx, parsed.error.issues);
  return z.NEVER;
});

const PortSection = z.strictObject(
  {
    entity: z.strictObject({ mappings: EntityMappingSchema }, { error: typeError("a mapping with `mappings`") }),
    itemsToParse: JqExpression.optional(),
    itemsToParseName: z
      .string({ error: typeError("a name") })
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
        error: "must be a plain name (letters, digits, _), because jq reads it as .NAME",
      })
      .default("item"),
    itemsToParseTopLevelTransform: flag(true),
  },
  { error: typeError("a mapping with `entity.mappings`") },
);
export type PortSection = z.output<typeof PortSection>;

function resource<K extends Kind, S extends z.ZodType>(kind: K, selector: S) {
  return z.strictObject({
    kind: z.literal(kind),
    selector,
    port: PortSection,
  });
}

function kindMessage(resource: unknown): string {
  const kind = typeof resource === "object" && resource !== null && "kind" in resource ? resource.kind : undefined;
  const choices = KINDS.join(", ");
  return kind === undefined
    ? `is required: one of ${choices}`
    : `must be one of ${choices}, got ${JSON.stringify(kind)}`;
}

/** One entry of `resources`; exported so that a broken file can still be checked resource by resource. */
export const Resource = z.discriminatedUnion(
  "kind",
  [
    resource("project", ProjectSelector.prefault({})),
    resource("repository", RepositorySelector.prefault({})),
    resource("pull-request", PullRequestSelector.prefault({})),
    resource("user", UserSelector.prefault({})),
    resource("file", FileSelector),
  ],
  {
    error: (issue) =>
      issue.code === "invalid_union"
        ? kindMessage(issue.input)
        : typeError("a mapping with kind, selector and port")(issue),
  },
);
export type ResourceConfig = z.output<typeof Resource>;
export type ProjectResource = Extract<ResourceConfig, { kind: "project" }>;
export type RepositoryResource = Extract<ResourceConfig, { kind: "repository" }>;
export type PullRequestResource = Extract<ResourceConfig, { kind: "pull-request" }>;
export type UserResource = Extract<ResourceConfig, { kind: "user" }>;
export type FileResource = Extract<ResourceConfig, { kind: "file" }>;

/** The whole mapping file, normalised. */
export const PortAppConfig = z.strictObject(
  {
    createMissingRelatedEntities: flag(true),
    deleteDependentEntities: flag(true),
    enableMergeEntity: flag(true),
    entityDeletionThreshold: z
      .number({ error: typeError("a number between 0 and 1") })
      .min(0, { error: "must be between 0 and 1 (a share of the entities: 0.9 allows deleting 90 %)" })
      .max(1, { error: "must be between 0 and 1 (a share of the entities: 0.9 allows deleting 90 %)" })
      .default(0.9),
    resources: z
      .array(Resource, { error: typeError("a list of resources") })
      .min(1, { error: "is empty: list at least one resource (an empty list would make a resync delete everything)" }),
  },
  { error: typeError("a YAML mapping with `resources`") },
);
export type MappingConfig = z.output<typeof PortAppConfig>;
