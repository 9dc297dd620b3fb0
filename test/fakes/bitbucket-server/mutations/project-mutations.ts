import { basePayload } from "../event-payloads";
import type { ProjectRecord } from "../model";
import { projectJson } from "../serialize";
import { actorOf, emit, type MutationContext, type MutationResult } from "./mutation-context";

/**
 * Project changes: a change of name, description or key sends `project:modified` (8.8+) with `old` and `new`, to
 * the project's hooks only.
 */

export async function updateProject(
  ctx: MutationContext,
  input: {
    projectKey: string;
    name?: string;
    description?: string;
    public?: boolean;
    newKey?: string;
    actorSlug?: string;
  },
): Promise<MutationResult<ProjectRecord>> {
  const project = requireProject(ctx, input.projectKey);
  if (input.newKey !== undefined && ctx.state.projectByKey(input.newKey) !== undefined) {
    throw new Error(`fake Bitbucket: project ${input.newKey} exists`);
  }
  const ser = ctx.ser();
  const old = projectJson(project, ser);
  if (input.name !== undefined) project.name = input.name;
  if (input.description !== undefined) project.description = input.description;
  if (input.public !== undefined) project.public = input.public;
  if (input.newKey !== undefined) project.key = input.newKey;
  const payload = {
    ...basePayload("project:modified", actorOf(ctx, input.actorSlug), ser),
    old,
    new: projectJson(project, ser),
  };
  return emit(ctx, project, [{ eventKey: "project:modified", payload, target: { projectId: project.id } }]);
}

function requireProject(ctx: MutationContext, key: string): ProjectRecord {
  const project = ctx.state.projectByKey(key);
  if (project === undefined) throw new Error(`fake Bitbucket: no project ${key}`);
  return project;
}
