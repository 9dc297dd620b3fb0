import type { BitbucketClient } from "../bitbucket/client";
import type { DroppedItems } from "../bitbucket/dropped-items";
import type { RepositoryFiles } from "../files/repository-files";
import { repositoryKey } from "../files/repository-files";
import type { Logger } from "../log/logger";
import { messageOf } from "../log/message-of";
import { emptyGitOpsSummary, type GitOpsSummary } from "./gitops-summary";
import type { GitOpsSync } from "./gitops-sync";

/**
 * The GitOps part of a full resync: every repository of every project the credential sees (archived ones
 * included; personal projects are not GitOps sources), its GitOps files read at the default branch's tip through
 * the run's file reader (so a repository that did not move costs its tip only). Only when every repository was
 * seen are the files of repositories that disappeared removed, with what they declared: a listing that failed, or
 * that dropped a project or repository Bitbucket sent without the fields the relay reads, sweeps nothing (the
 * dropped one's files would go); the repositories it did list are still synced, and the pass is partial.
 */
export async function resyncGitOps(options: {
  gitops: GitOpsSync;
  client: BitbucketClient;
  files: RepositoryFiles;
  logger: Logger;
  now: () => number;
  signal?: AbortSignal;
}): Promise<GitOpsSummary> {
  const started = options.now();
  const summary = emptyGitOpsSummary();
  const seen = new Set<string>();
  let dropped = 0;
  const onDropped = (report: DroppedItems) => {
    dropped += report.count;
    summary.status = summary.status === "failed" ? "failed" : "partial";
    summary.failures.push(
      `${report.request} (page ${report.page}): ${report.count} item(s) without the fields the relay reads (${report.problem}); files of repositories not seen were kept`,
    );
  };
  try {
    for await (const projects of options.client.listProjects({ onDropped })) {
      for (const project of projects) {
        for await (const repositories of options.client.listRepositories({ projectKey: project.key, onDropped })) {
          await Promise.all(
            repositories.map(async (repository) => {
              seen.add(repositoryKey(repository));
              await options.gitops.syncRepository(repository, options.files, summary, options.signal);
            }),
          );
          if (options.signal?.aborted === true) throw new Error("the resync was interrupted");
        }
      }
    }
    if (dropped === 0) await options.gitops.sweep(seen, summary, options.signal);
  } catch (error) {
    summary.status = "failed";
    summary.failures.push(messageOf(error));
    options.logger.error({ error }, "GitOps resync failed; files of repositories not seen were kept");
  }
  summary.durationMs = options.now() - started;
  options.logger.info(
    { status: summary.status, files: summary.files, invalid: summary.invalid, deleted: summary.deleted },
    "GitOps resync finished",
  );
  return summary;
}
