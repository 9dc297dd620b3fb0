import { isPersonalProject } from "../bitbucket/schema";
import type { Json } from "../mapping/engine";
import type { ResourceMapper } from "../mapping/resource-mapper";
import { field } from "./json-fields";

/**
 * The selectors a resync applies through the API rather than jq (which projects it lists, whether archived or
 * personal repositories are included, which pull-request states): a live event must apply them too, or the entity
 * flaps — written live, deleted by the next resync (the Ocean bug of ocean-bitbucket-server.md §3.4).
 * @param mapper the resource
 * @param item the Bitbucket object as REST returns it
 * @returns whether a resync of this resource would list the item
 */
export function passesApiSelectors(mapper: ResourceMapper, item: Json): boolean {
  const resource = mapper.resource;
  if (resource.kind === "user") return true;
  // File items are read per push for the repositories the resource covers (relay/files/live-files.ts).
  if (resource.kind === "file") return true;
  const project = projectOf(resource.kind, item);
  if (project === null) return false;
  if (mapper.projectFilter !== null && !mapper.projectFilter(project.key)) return false;
  const personal = isPersonalProject(project);
  // `/projects` never lists personal projects, so a resync never sees them as projects.
  if (resource.kind === "project") return !personal;
  if (personal && !resource.selector.includePersonalProjects) return false;
  const repository = resource.kind === "repository" ? item : field(field(item, "toRef"), "repository");
  if (!resource.selector.includeArchived && field(repository, "archived") === true) return false;
  if (resource.kind === "pull-request") {
    const state = field(item, "state");
    return typeof state === "string" && (resource.selector.state as readonly string[]).includes(state);
  }
  return true;
}

function projectOf(
  kind: "project" | "repository" | "pull-request",
  item: Json,
): { key: string; type: Json | undefined } | null {
  const project =
    kind === "project"
      ? item
      : kind === "repository"
        ? field(item, "project")
        : field(field(field(item, "toRef"), "repository"), "project");
  const key = field(project, "key");
  return typeof key === "string" ? { key, type: field(project, "type") } : null;
}
