import type { BitbucketClient } from "../bitbucket/client";
import { type BitbucketError, isBitbucketError } from "../bitbucket/errors";
import type { WebhookWire } from "../bitbucket/schema";
import { isVersionAtLeast, PROJECT_WEBHOOKS_SINCE } from "../bitbucket/version";
import type { WebhookScope } from "../bitbucket/webhooks";
import { mapLimited } from "../concurrency/map-limited";
import type { Logger } from "../log/logger";
import type { WebhookSelection } from "./project-selection";
import type { ScopeMode } from "./scope-mode";

/**
 * Reads the webhooks of every scope a sync (or a removal) must look at, every page of each (Ocean read only the
 * first, reference ocean §3.1), and says what each scope is for:
 *
 * - project mode: every visible project's hooks (ours stay where the mapping selects the project, go elsewhere);
 *   for a selected project whose hook of ours is missing (first sync, or just upgraded to 8.8+), also the hooks of
 *   its repositories, where our repository hooks from before may still be (`sweepRepositoryHooks` forces this);
 * - repository mode: every non-archived repository of the selected projects (archived ones are read-only: no
 *   events), and on 8.8+ servers every project's hooks, where project hooks of ours must go;
 * - both: the repositories of selected personal projects (`~SLUG`, not listed by `/projects`, always hooked per
 *   repository: project hooks on personal projects are not documented);
 * - `everywhere` (removal): every visible project and repository, archived and personal ones included.
 *
 * A scope that cannot be read is a value (`failed`), never a thrown error, so one project without PROJECT_ADMIN
 * does not stop the others. Where nothing of ours is wanted, "no permission" is `skipped`: we cannot have written
 * a hook there either. Only a failed `/projects` listing throws: without it nothing can be decided.
 */

export type RemovalReason =
  /** A second hook of ours in one scope. */
  | "duplicate"
  /** The mapping no longer selects the project. */
  | "project-not-selected"
  /** A repository hook of ours from before the server had project hooks. */
  | "replaced-by-project-hook"
  /** A project hook of ours while repository hooks are used (the override, or a downgrade). */
  | "replaced-by-repository-hooks"
  /** `bbrelay webhooks remove`. */
  | "remove"
  /** A hook Port's Ocean integration created: this agent replaces it (see ocean-hook.ts). */
  | "ocean-hook";

export type ScopeRole =
  | { wanted: true }
  | { wanted: false; reason: Exclude<RemovalReason, "duplicate" | "ocean-hook"> };

export interface ScopeRef {
  scope: WebhookScope;
  /** `project P1` or `repository P1/api`. */
  label: string;
  role: ScopeRole;
}

export type SurveyedScope = ScopeRef &
  (
    | { state: "read"; hooks: WebhookWire[] }
    | { state: "failed"; reason: string; status: number | null }
    | { state: "skipped"; reason: string }
  );

/** A listing that failed outside any one scope (a project's repositories, the personal repositories). */
export interface SurveyProblem {
  label: string;
  reason: string;
  /** The project whose repositories could not be listed, if any. */
  projectKey: string | null;
}

export interface SurveyResult {
  scopes: SurveyedScope[];
  problems: SurveyProblem[];
  /** The signal (or the client's) was aborted: what is here is incomplete. */
  aborted: boolean;
}

export type SurveyClient = Pick<
  BitbucketClient,
  "listProjects" | "listRepositories" | "listPersonalRepositories" | "webhooks"
>;

export interface SurveyOptions {
  client: SurveyClient;
  mode: ScopeMode;
  selection: WebhookSelection;
  isOurs: (hook: WebhookWire) => boolean;
  walk: "sync" | "everywhere";
  sweepRepositoryHooks: boolean;
  concurrency: number;
  logger: Logger;
  signal?: AbortSignal;
}

const WANTED: ScopeRole = { wanted: true };

export function scopeLabel(scope: WebhookScope): string {
  return scope.type === "project"
    ? `project ${scope.projectKey}`
    : `repository ${scope.projectKey}/${scope.repositorySlug}`;
}

/**
 * @returns every scope looked at, in project order, and the listings that failed
 * @throws BitbucketError when `/projects` cannot be listed (an abort is not thrown: `aborted` is set)
 */
export async function surveyScopes(options: SurveyOptions): Promise<SurveyResult> {
  return new ScopeSurveyor(options).run();
}

class ScopeSurveyor {
  readonly #options: SurveyOptions;
  readonly #problems: SurveyProblem[] = [];
  #aborted = false;

  constructor(options: SurveyOptions) {
    this.#options = options;
  }

  async run(): Promise<SurveyResult> {
    const { client, concurrency, walk, selection } = this.#options;
    const projects: string[] = [];
    if (this.#stopped()) return { scopes: [], problems: [], aborted: true };
    try {
      for await (const page of client.listProjects()) projects.push(...page.map((project) => project.key));
    } catch (error) {
      if (isBitbucketError(error) && error.kind === "aborted") return { scopes: [], problems: [], aborted: true };
      throw error;
    }
    const perProject = await mapLimited(projects, concurrency, (projectKey) => {
      if (walk === "everywhere") return this.#everywhere(projectKey);
      return this.#options.mode.scope === "project" ? this.#projectMode(projectKey) : this.#repositoryMode(projectKey);
    });
    const personal = walk === "everywhere" || selection.includesPersonal ? await this.#personal() : [];
    const problems = [...this.#problems].sort((a, b) => a.label.localeCompare(b.label));
    return {
      scopes: [...perProject.flat(), ...personal],
      problems,
      aborted: this.#aborted || this.#options.signal?.aborted === true,
    };
  }

  async #projectMode(projectKey: string): Promise<SurveyedScope[]> {
    const scope: WebhookScope = { type: "project", projectKey };
    if (!this.#options.selection.coversProject(projectKey)) {
      return [await this.#read(scope, { wanted: false, reason: "project-not-selected" }, { quiet: true })];
    }
    const project = await this.#read(scope, WANTED, { quiet: false });
    // Never sweep where the project hook cannot be read: the old repository hooks are then the only coverage.
    const sweep =
      project.state === "read" && (this.#options.sweepRepositoryHooks || !project.hooks.some(this.#options.isOurs));
    if (!sweep) return [project];
    const repositories = await this.#repositories(projectKey, true);
    const role: ScopeRole = { wanted: false, reason: "replaced-by-project-hook" };
    const swept = await mapLimited(repositories, this.#options.concurrency, (slug) =>
      this.#read({ type: "repository", projectKey, repositorySlug: slug }, role, { quiet: false }),
    );
    return [project, ...swept];
  }

  async #repositoryMode(projectKey: string): Promise<SurveyedScope[]> {
    const covered = this.#options.selection.coversRepositoriesOf(projectKey);
    const version = this.#options.mode.version;
    const out: SurveyedScope[] = [];
    if (version !== null && isVersionAtLeast(version, PROJECT_WEBHOOKS_SINCE)) {
      const role: ScopeRole = {
        wanted: false,
        reason: covered ? "replaced-by-repository-hooks" : "project-not-selected",
      };
      out.push(await this.#read({ type: "project", projectKey }, role, { quiet: true }));
    }
    if (!covered) return out;
    const repositories = await this.#repositories(projectKey, false);
    const hooks = await mapLimited(repositories, this.#options.concurrency, (slug) =>
      this.#read({ type: "repository", projectKey, repositorySlug: slug }, WANTED, { quiet: false }),
    );
    return [...out, ...hooks];
  }

  async #everywhere(projectKey: string): Promise<SurveyedScope[]> {
    const role: ScopeRole = { wanted: false, reason: "remove" };
    const version = this.#options.mode.version;
    const out: SurveyedScope[] = [];
    if (version === null || isVersionAtLeast(version, PROJECT_WEBHOOKS_SINCE)) {
      out.push(await this.#read({ type: "project", projectKey }, role, { quiet: true }));
    }
    const repositories = await this.#repositories(projectKey, true);
    const hooks = await mapLimited(repositories, this.#options.concurrency, (slug) =>
      this.#read({ type: "repository", projectKey, repositorySlug: slug }, role, { quiet: true }),
    );
    return [...out, ...hooks];
  }

  async #personal(): Promise<SurveyedScope[]> {
    const { client, selection, walk } = this.#options;
    const everywhere = walk === "everywhere";
    const refs: { projectKey: string; repositorySlug: string }[] = [];
    try {
      for await (const page of client.listPersonalRepositories({ archived: everywhere ? "ALL" : "ACTIVE" })) {
        for (const repository of page) {
          if (everywhere || selection.coversPersonal(repository.project.key)) {
            refs.push({ projectKey: repository.project.key, repositorySlug: repository.slug });
          }
        }
      }
    } catch (error) {
      this.#problem(error, "personal repositories", null);
      return [];
    }
    const role: ScopeRole = everywhere ? { wanted: false, reason: "remove" } : WANTED;
    return mapLimited(refs, this.#options.concurrency, (ref) =>
      this.#read({ type: "repository", ...ref }, role, { quiet: everywhere }),
    );
  }

  /** @returns the slugs of the project's repositories; none (and a problem) when they cannot be listed */
  async #repositories(projectKey: string, includeArchived: boolean): Promise<string[]> {
    if (this.#stopped()) return [];
    const slugs: string[] = [];
    try {
      for await (const page of this.#options.client.listRepositories({ projectKey, includeArchived })) {
        slugs.push(...page.map((repository) => repository.slug));
      }
      return slugs;
    } catch (error) {
      this.#problem(error, `repositories of project ${projectKey}`, projectKey);
      return [];
    }
  }

  /**
   * @param quiet "no permission" (and "no such resource": a server without project hooks) is `skipped`, not
   *   `failed`: used where nothing of ours is wanted
   */
  async #read(scope: WebhookScope, role: ScopeRole, flags: { quiet: boolean }): Promise<SurveyedScope> {
    const ref = { scope, label: scopeLabel(scope), role };
    if (this.#stopped()) return { ...ref, state: "skipped", reason: "aborted" };
    try {
      return { ...ref, state: "read", hooks: await this.#options.client.webhooks.list({ scope }) };
    } catch (error) {
      if (!isBitbucketError(error)) throw error;
      if (error.kind === "aborted") {
        this.#aborted = true;
        return { ...ref, state: "skipped", reason: "aborted" };
      }
      if (flags.quiet && isQuietFailure(error)) {
        return {
          ...ref,
          state: "skipped",
          reason: `its webhooks cannot be read (${error.status ?? error.kind}); nothing of ours is wanted there`,
        };
      }
      this.#options.logger.warn({ scope: ref.label, error: error.message }, "Could not read the webhooks of a scope");
      const hint =
        scope.type === "project" && error.kind === "not-found"
          ? " (project webhooks need Bitbucket 8.8 or newer: set bitbucketIsVersion8Point7OrOlder to true for repository webhooks)"
          : "";
      return { ...ref, state: "failed", reason: `${error.message}${hint}`, status: error.status };
    }
  }

  #problem(error: unknown, label: string, projectKey: string | null): void {
    if (!isBitbucketError(error)) throw error;
    if (error.kind === "aborted") {
      this.#aborted = true;
      return;
    }
    this.#options.logger.warn({ listing: label, error: error.message }, "Could not list where webhooks belong");
    this.#problems.push({ label, reason: error.message, projectKey });
  }

  #stopped(): boolean {
    return this.#aborted || this.#options.signal?.aborted === true;
  }
}

function isQuietFailure(error: BitbucketError): boolean {
  return error.kind === "unauthorized" || error.kind === "forbidden" || error.kind === "not-found";
}
