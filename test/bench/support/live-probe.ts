import type { StoredEntity } from "../../../relay/catalog/catalog";
import { LocalCatalog } from "../../../relay/catalog/local/local-catalog";
import type { FakeBitbucketServer } from "../../fakes/bitbucket-server/index";

/**
 * What bench:live observes, without a hook in production code: when the edge accepted a webhook (the fake's
 * deliveries go through {@link AcceptedTimes.fetch}, which notes when a 202 came back) and when the agent wrote the
 * entity (the `updatedAt` the local catalog stamps, read from the catalog file opened read-only). Both are this
 * process's wall clock in milliseconds: the agent runs in-process, so there is no clock skew to correct.
 */

const PULL_REQUEST_BLUEPRINT = "bitbucketPullRequest";

export interface PullRequestRef {
  projectKey: string;
  repositorySlug: string;
  pullRequestId: number;
  /** The identifier the built-in mapping gives it. */
  identifier: string;
}

export interface Timed {
  acceptedAt: number;
  writtenAt: number;
}

/** A `fetch` for the fake's webhook dispatcher that notes when each delivery was accepted, by `X-Request-Id`. */
export class AcceptedTimes {
  readonly #times = new Map<string, number>();
  readonly #clock: () => number;
  readonly fetch: typeof fetch;

  constructor(options: { fetch?: typeof fetch; clock?: () => number } = {}) {
    const inner = options.fetch ?? globalThis.fetch;
    this.#clock = options.clock ?? Date.now;
    this.fetch = async (input, init) => {
      const response = await inner(input, init);
      const requestId = new Headers(init?.headers).get("X-Request-Id");
      if (response.status === 202 && requestId !== null) this.#times.set(requestId, this.#clock());
      return response;
    };
  }

  get(requestId: string): number | undefined {
    return this.#times.get(requestId);
  }
}

/** Pull requests of the fake's instance. */
export function pullRequestsOf(fake: FakeBitbucketServer): PullRequestRef[] {
  const refs: PullRequestRef[] = [];
  for (const repository of fake.state.repositories.values()) {
    const projectKey = fake.state.requireProject(repository.projectId).key;
    for (const pr of fake.state.pullRequestsOf(repository.id)) {
      refs.push({
        projectKey,
        repositorySlug: repository.slug,
        pullRequestId: pr.id,
        identifier: `${projectKey}/${repository.slug}/${pr.id}`,
      });
    }
  }
  return refs;
}

export class LiveProbe {
  readonly #fake: FakeBitbucketServer;
  readonly #accepted: AcceptedTimes;
  readonly #catalog: LocalCatalog;

  constructor(options: { fake: FakeBitbucketServer; accepted: AcceptedTimes; catalogPath: string }) {
    this.#fake = options.fake;
    this.#accepted = options.accepted;
    this.#catalog = LocalCatalog.open({ path: options.catalogPath, readonly: true });
  }

  /** Renames a pull request in the fake (one `pr:modified` delivery) and resolves with when the edge accepted it. */
  async send(pr: PullRequestRef, title: string): Promise<number> {
    const { deliveries } = await this.#fake.mutations.updatePullRequest({ ...pr, title });
    const [delivery] = deliveries;
    if (deliveries.length !== 1 || delivery === undefined)
      throw new Error(`expected one delivery for ${pr.identifier}, got ${deliveries.length}`);
    const acceptedAt = this.#accepted.get(delivery.requestId);
    if (acceptedAt === undefined)
      throw new Error(`the edge did not accept the delivery for ${pr.identifier} (status ${String(delivery.status)})`);
    return acceptedAt;
  }

  /** When the entity was written with this title, or null while it is not (yet). */
  async writtenAt(pr: PullRequestRef, title: string): Promise<number | null> {
    const entity: StoredEntity | null = await this.#catalog.get(PULL_REQUEST_BLUEPRINT, pr.identifier);
    return entity?.title === title ? Date.parse(entity.updatedAt) : null;
  }

  async close(): Promise<void> {
    await this.#catalog.close();
  }
}
