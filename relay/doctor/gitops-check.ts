import { join } from "node:path";
import { z } from "zod";
import type { AgentContext } from "../agent/agent-context";
import { messageOf } from "../log/message-of";
import { type CheckResult, ok, warn } from "./check-result";
import { fileOutlook } from "./local-files";

/** The part of a stored resync summary this check reads (older and newer agents' summaries still parse). */
const StoredGitOps = z.looseObject({
  gitops: z.looseObject({ failed: z.number().default(0), failures: z.array(z.string()).default([]) }).optional(),
});

const SHOWN = 5;

/**
 * `gitops.files`: the GitOps files (`port.yml`) that were not valid when last read, by a resync or by a push (the
 * file store keeps them until the file is read valid or is gone), each with the place of its problem, and the
 * entities the last resync's GitOps step could not write. Doctor only looks: nothing is read from Bitbucket, and a
 * machine where no resync ran yet has nothing to report.
 */
export function checkGitOps(agent: Pick<AgentContext, "environment" | "fileStore" | "state">): CheckResult {
  const { gitops, stateDir } = agent.environment;
  const files = gitops.files.join(", ");
  if (!gitops.enabled) return ok("gitops.files", "GitOps is off (BBRELAY_GITOPS=false)");
  if (fileOutlook(join(stateDir, "files.sqlite")).kind !== "exists")
    return ok("gitops.files", `GitOps on (${files}): no resync has read repositories' files yet`);
  let invalid: { file: string; reason: string }[];
  let declaring: number;
  try {
    const store = agent.fileStore();
    invalid = store.invalidFiles();
    declaring = store.allDeclared().length;
  } catch (error) {
    return warn("gitops.files", `the agent's file state cannot be read: ${messageOf(error)}`, FILE_STATE_FIX);
  }
  const last = StoredGitOps.safeParse(lastSummary(agent));
  const refused = last.success ? last.data.gitops : undefined;
  const problems: string[] = [];
  if (invalid.length > 0)
    problems.push(
      `${invalid.length} GitOps file(s) not valid, nothing of them written or deleted: ${invalid
        .slice(0, SHOWN)
        .map((entry) => `${entry.file}: ${entry.reason}`)
        .join("; ")}${invalid.length > SHOWN ? `; and ${invalid.length - SHOWN} more` : ""}`,
    );
  if (refused !== undefined && refused.failed > 0)
    problems.push(
      `the last resync could not write ${refused.failed} entity(ies) GitOps files declare: ${refused.failures.slice(0, SHOWN).join("; ")}`,
    );
  if (problems.length === 0)
    return ok("gitops.files", `GitOps on (${files}): ${declaring} file(s) declare entities, none is invalid`);
  return warn(
    "gitops.files",
    problems.join(". "),
    "fix each file on its repository's default branch (Port's entity format: identifier, blueprint, and optionally title, team, icon, properties, relations) and push: the push applies it, and so does the next resync",
  );
}

function lastSummary(agent: Pick<AgentContext, "environment" | "state">): unknown {
  if (fileOutlook(join(agent.environment.stateDir, "state.sqlite")).kind !== "exists") return undefined;
  try {
    return agent.state().lastRun("resync")?.summary;
  } catch {
    // config.state reports an unreadable state.
    return undefined;
  }
}

const FILE_STATE_FIX =
  "make BBRELAY_STATE_DIR writable; removing files.sqlite there is safe (the next resync reads the files again)";
