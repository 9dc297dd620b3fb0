import { GitOpsSync } from "../gitops/gitops-sync";
import { entityWriterFor } from "../sync/entity-writer";
import type { AgentContext } from "./agent-context";

/**
 * The agent's GitOps, as the environment sets it (`BBRELAY_GITOPS`, `BBRELAY_GITOPS_FILES`): entities written
 * through the catalog opened with the `gitops` feature, the ledger in the file store. Undefined when it is off.
 */
/** What GitOps takes of the agent's context. */
export type GitOpsServices = Pick<
  AgentContext,
  "environment" | "mapping" | "fileStore" | "gitopsCatalog" | "state" | "logger"
>;

export function gitopsOf(agent: GitOpsServices): GitOpsSync | undefined {
  const { gitops } = agent.environment;
  if (!gitops.enabled) return undefined;
  return new GitOpsSync({
    fileNames: gitops.files,
    store: agent.fileStore(),
    writer: entityWriterFor(agent.mapping, agent.gitopsCatalog(), agent.state()),
    deleteDependents: agent.mapping.config.deleteDependentEntities,
    logger: agent.logger.child({ component: "gitops" }),
  });
}
