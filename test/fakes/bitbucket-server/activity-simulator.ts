import type { FakeBitbucketServer } from "./fake-bitbucket-server";
import { mulberry32 } from "./generator";
import type { PullRequestRecord, RepositoryRecord } from "./model";
import type { DeliveryRecord } from "./webhook-dispatcher";

/**
 * Simulated people at work on the fake Bitbucket: every tick one plausible change (open, update, review,
 * comment, push, merge or decline a pull request, push to a default branch, now and then a renamed or a new
 * repository), each delivering its webhooks. For `npm start`'s simulation and for live benchmarks; seeded, so a
 * run can be replayed.
 */

export interface ActivityStep {
  action: string;
  deliveries: DeliveryRecord[];
}

export interface ActivitySimulatorOptions {
  seed?: number;
  /** Milliseconds between changes when started. Default 2000. */
  intervalMs?: number;
  /** Told about each change (or the error that stopped it). */
  onStep?: (step: ActivityStep | { action: string; error: unknown }) => void;
  /**
   * A change of the caller's own every `every` ticks (`npm start`'s edits of repository files), made instead of a
   * random one; when it makes none (undefined), a random change is made.
   */
  extra?: { every: number; step: () => Promise<ActivityStep | undefined> };
}

export class ActivitySimulator {
  readonly #fake: FakeBitbucketServer;
  readonly #random: () => number;
  readonly #options: ActivitySimulatorOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> = Promise.resolve();
  #counter = 0;

  constructor(fake: FakeBitbucketServer, options: ActivitySimulatorOptions = {}) {
    this.#fake = fake;
    this.#random = mulberry32(options.seed ?? 1);
    this.#options = options;
  }

  get running(): boolean {
    return this.#timer !== undefined;
  }

  start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => {
      this.#running = this.#running.then(() =>
        this.step().then(
          (step) => this.#options.onStep?.(step),
          (error: unknown) => this.#options.onStep?.({ action: "failed", error }),
        ),
      );
    }, this.#options.intervalMs ?? 2000);
  }

  /** Stops the ticks and waits for the change in progress. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** Makes one change now. */
  async step(): Promise<ActivityStep> {
    const extra = this.#options.extra;
    if (extra !== undefined && (this.#counter + 1) % extra.every === 0) {
      this.#counter++;
      const step = await extra.step();
      if (step !== undefined) return step;
    }
    const m = this.#fake.mutations;
    const repositories = [...this.#fake.state.repositories.values()].filter(
      (repo) => !repo.archived && repo.branches.size > 0,
    );
    const repo = this.#pick(repositories);
    if (repo === undefined) throw new Error("fake Bitbucket: no active, non-empty repository to work on");
    const ref = { projectKey: this.#fake.state.requireProject(repo.projectId).key, repositorySlug: repo.slug };
    const open = this.#fake.state.pullRequestsOf(repo.id).filter((pr) => pr.state === "OPEN");
    const pr = this.#pick(open);
    const people = [...this.#fake.state.users.values()].filter((user) => user.active && user.type === "NORMAL");
    const someone = this.#pick(people)?.slug;
    const n = ++this.#counter;
    const roll = this.#random();
    if (pr === undefined || roll < 0.2) {
      const author = someone === undefined ? {} : { actorSlug: someone };
      const result = await m.openPullRequest({
        ...ref,
        title: `Simulated change ${n}`,
        fromBranch: `sim/${n}`,
        ...author,
      });
      return { action: `opened ${describe(ref, result.value)}`, deliveries: result.deliveries };
    }
    const prRef = { ...ref, pullRequestId: pr.id, ...(someone ? { actorSlug: someone } : {}) };
    const actions: [number, string, () => Promise<{ deliveries: DeliveryRecord[] }>][] = [
      [0.1, "updated", () => m.updatePullRequest({ ...prRef, title: `${pr.title} (v${pr.version + 1})` })],
      [0.1, "approved", () => m.approvePullRequest(prRef)],
      [0.05, "marked needs work", () => m.needsWorkPullRequest(prRef)],
      [0.1, "commented on", () => m.addPullRequestComment({ ...prRef, text: `Comment ${n}` })],
      [0.1, "pushed to", () => m.pushCommits({ ...ref, branch: pr.fromRef.branch })],
      [0.15, "merged", () => m.mergePullRequest(prRef)],
      [0.05, "declined", () => m.declinePullRequest(prRef)],
      [0.1, "pushed to the default branch of", () => m.pushCommits(ref)],
      [0.02, "renamed", () => m.renameRepository({ ...ref, name: `${repo.name} ${n}` })],
      [
        0.03,
        "created a repository next to",
        () => m.createRepository({ projectKey: ref.projectKey, name: `Simulated ${n}` }),
      ],
    ];
    let threshold = 0.2;
    for (const [weight, action, run] of actions) {
      threshold += weight;
      if (roll < threshold) return { action: `${action} ${describe(ref, pr)}`, deliveries: (await run()).deliveries };
    }
    const result = await m.pushCommits(ref);
    return {
      action: `pushed to the default branch of ${ref.projectKey}/${ref.repositorySlug}`,
      deliveries: result.deliveries,
    };
  }

  #pick<T>(items: readonly T[]): T | undefined {
    return items[Math.floor(this.#random() * items.length)];
  }
}

function describe(
  ref: { projectKey: string; repositorySlug: string },
  pr: PullRequestRecord | RepositoryRecord,
): string {
  return "fromRef" in pr
    ? `${ref.projectKey}/${ref.repositorySlug}#${pr.id}`
    : `${ref.projectKey}/${ref.repositorySlug}`;
}
