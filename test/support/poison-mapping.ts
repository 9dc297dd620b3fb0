import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_MAPPING_YAML } from "../../relay/config/default-mapping";
import type { FakeBitbucketServer } from "../fakes/bitbucket-server/index";

/**
 * The built-in mapping, except that a pull request titled "poison" fails its selector: the agent dead-letters its
 * event (a mapping error can never succeed by retrying). How tests get dead letters through the real live path.
 */
export function poisonMappingFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), "bbrelay-poison-")), "mapping.yaml");
  writeFileSync(
    file,
    DEFAULT_MAPPING_YAML.replace(
      '      query: "true"\n      state: ALL',
      '      query: if .title == "poison" then error("poison pill") else true end\n      state: ALL',
    ),
  );
  return file;
}

export interface PullRequestRef {
  projectKey: string;
  repositorySlug: string;
  pullRequestId: number;
}

/** Opens `count` poison pull requests (each its own branch) in the first repository with commits. */
export async function openPoisonPullRequests(fake: FakeBitbucketServer, count: number): Promise<PullRequestRef[]> {
  const repository = [...fake.state.repositories.values()].find((candidate) => candidate.branches.size > 0);
  if (repository === undefined) throw new Error("no repository with commits");
  const projectKey = fake.state.requireProject(repository.projectId).key;
  const opened: PullRequestRef[] = [];
  for (let n = 1; n <= count; n++) {
    const result = await fake.mutations.openPullRequest({
      projectKey,
      repositorySlug: repository.slug,
      title: "poison",
      fromBranch: `feature/poison-${n}`,
    });
    opened.push({ projectKey, repositorySlug: repository.slug, pullRequestId: result.value.id });
  }
  return opened;
}
