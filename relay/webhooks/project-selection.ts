import type { ProjectFilter } from "../../shared/mapping-config/project-filter";
import type { ResourceConfig } from "../../shared/mapping-config/schema";

/**
 * Which projects need our webhooks: those the mapping syncs, never more (Ocean hooked every project whatever the
 * selectors said, reference ocean §3.1). The union over the mapping's resources of `projects` / `projectFilterRegex`
 * (a resource without them covers every project); user resources need no hooks.
 */

export interface WebhookSelection {
  /** Whether any resource covers this project (a project hook carries every event of the project). */
  coversProject(projectKey: string): boolean;
  /**
   * Whether a repository or pull-request resource covers this project's repositories: repository hooks (Bitbucket
   * 8.7 and older) carry no `project:modified`, so a project-only mapping gains nothing from them.
   */
  coversRepositoriesOf(projectKey: string): boolean;
  /** Whether a resource with `includePersonalProjects` covers this personal project (`~SLUG`). */
  coversPersonal(projectKey: string): boolean;
  /** Whether any personal project can be covered (spares the `/repos` listing when none can). */
  readonly includesPersonal: boolean;
}

/** The fields of a `ResourceMapper` (relay/mapping/resource-mapper.ts) the selection needs. */
export interface MapperSelectors {
  resource: ResourceConfig;
  /** Null when the resource has no project filter (every project), and for users. */
  projectFilter: ProjectFilter | null;
}

/** @param mappers the loaded mapping's `mappers` */
export function selectionFromMappers(mappers: readonly MapperSelectors[]): WebhookSelection {
  const matches = (mapper: MapperSelectors, projectKey: string) =>
    mapper.projectFilter === null || mapper.projectFilter(projectKey);
  const projectMappers = mappers.filter((mapper) => mapper.resource.kind !== "user");
  const repositoryMappers = mappers.filter(
    (mapper) => mapper.resource.kind === "repository" || mapper.resource.kind === "pull-request",
  );
  const personalMappers = repositoryMappers.filter(
    (mapper) =>
      (mapper.resource.kind === "repository" || mapper.resource.kind === "pull-request") &&
      mapper.resource.selector.includePersonalProjects,
  );
  return {
    coversProject: (projectKey) => projectMappers.some((mapper) => matches(mapper, projectKey)),
    coversRepositoriesOf: (projectKey) => repositoryMappers.some((mapper) => matches(mapper, projectKey)),
    coversPersonal: (projectKey) => personalMappers.some((mapper) => matches(mapper, projectKey)),
    includesPersonal: personalMappers.length > 0,
  };
}

/**
 * A selection without a mapping.
 * @param projects project keys, or `all`
 * @param options `personal`: also the repositories of personal projects (those listed, or all of them)
 */
export function selectProjects(
  projects: readonly string[] | "all",
  options: { personal?: boolean } = {},
): WebhookSelection {
  const keys = projects === "all" ? null : new Set(projects);
  const covers = (projectKey: string) => keys === null || keys.has(projectKey);
  const personal = options.personal === true;
  return {
    coversProject: covers,
    coversRepositoriesOf: covers,
    coversPersonal: (projectKey) => personal && covers(projectKey),
    includesPersonal: personal,
  };
}
