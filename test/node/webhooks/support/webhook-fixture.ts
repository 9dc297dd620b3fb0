import { afterEach } from "vitest";
import type { BitbucketClient } from "../../../../relay/bitbucket/client";
import type { Logger } from "../../../../relay/log/logger";
import { selectProjects } from "../../../../relay/webhooks/project-selection";
import { WebhookInstaller, type WebhookInstallerOptions } from "../../../../relay/webhooks/webhook-installer";
import { defaultWebhookName } from "../../../../relay/webhooks/webhook-target";
import { type FakeBitbucketOptions, FakeBitbucketServer } from "../../../fakes/bitbucket-server/fake-bitbucket-server";
import type { InstanceSpec } from "../../../fakes/bitbucket-server/generator";
import type { WebhookRecord } from "../../../fakes/bitbucket-server/model";
import type { LoggedRequest } from "../../../fakes/bitbucket-server/request-log";
import { clientFor } from "../../bitbucket/support/client-for";
import { recordingLogger } from "../../bitbucket/support/recording-logger";
import { WebhookReceiver } from "../../bitbucket/support/webhook-receiver";

export const TENANT = "acme";
export const SECRET = "whsec-acme-3f9a1c7e52d4";
export const NAME = defaultWebhookName(TENANT);

/** 3 projects (P001–P003) of 3 repositories each: P001 has repo-00001, -00004, -00007; and so on. */
export const SMALL: InstanceSpec = {
  seed: 5,
  projects: 3,
  repositories: 9,
  pullRequests: 0,
  users: 4,
  emptyRatio: 0,
  archivedRatio: 0,
};

/** A hook in the fake, as a test reads it: where it is and what it holds (the fake keeps the secret). */
export interface FakeHook {
  id: number;
  where: string;
  name: string;
  url: string;
  events: string[];
  active: boolean;
  configuration: Record<string, string>;
}

/**
 * The fake Bitbucket with a receiver standing in for the edge (so deliveries succeed and statistics fill), a client
 * as the fake's admin, a recording logger, and helpers that read the fake's own state and request log.
 */
export class WebhookFixture {
  readonly url: string;
  private constructor(
    readonly fake: FakeBitbucketServer,
    readonly receiver: WebhookReceiver,
    readonly client: BitbucketClient,
    readonly logger: Logger,
    readonly lines: string[],
  ) {
    this.url = receiver.url(`/webhooks/${TENANT}`);
  }

  static async start(options: FakeBitbucketOptions & { instance?: InstanceSpec } = {}): Promise<WebhookFixture> {
    const { instance, ...fakeOptions } = options;
    const fake = await FakeBitbucketServer.start(fakeOptions);
    fake.generate(instance ?? SMALL);
    const receiver = await WebhookReceiver.start();
    const { logger, lines } = recordingLogger();
    return new WebhookFixture(fake, receiver, clientFor(fake, { logger }), logger, lines);
  }

  installer(overrides: Partial<WebhookInstallerOptions> = {}): WebhookInstaller {
    return new WebhookInstaller({
      client: this.client,
      target: { url: this.url, name: NAME, secret: SECRET },
      selection: selectProjects("all"),
      logger: this.logger,
      ...overrides,
    });
  }

  /** Every hook in the fake, ordered by id. */
  hooks(): FakeHook[] {
    const state = this.fake.state;
    return [...state.webhooks.values()]
      .sort((a, b) => a.id - b.id)
      .map((hook) => ({
        id: hook.id,
        where: whereOf(hook, this.fake),
        name: hook.name,
        url: hook.url,
        events: [...hook.events],
        active: hook.active,
        configuration: { ...hook.configuration },
      }));
  }

  /** Where our hooks are (by name), sorted. */
  ours(): string[] {
    return this.hooks()
      .filter((hook) => hook.name === NAME)
      .map((hook) => hook.where)
      .sort();
  }

  hook(id: number): WebhookRecord {
    const hook = this.fake.state.webhooks.get(id);
    if (hook === undefined) throw new Error(`no hook ${id} in the fake`);
    return hook;
  }

  /** POST/PUT/DELETE on webhook resources since the log was last cleared. */
  writes(): LoggedRequest[] {
    return this.fake.requests.entries.filter((entry) => entry.method !== "GET" && entry.path.includes("/webhooks"));
  }

  /** A hook created straight in the fake's state (as someone else, or by hand). */
  addHook(
    where: { projectKey: string; repositorySlug?: string },
    fields: Partial<Omit<FakeHook, "id" | "where">> = {},
  ): number {
    const state = this.fake.state;
    const project = state.projectByKey(where.projectKey);
    if (project === undefined) throw new Error(`no project ${where.projectKey}`);
    const repository =
      where.repositorySlug === undefined ? undefined : state.repositoryBySlug(where.projectKey, where.repositorySlug);
    if (where.repositorySlug !== undefined && repository === undefined)
      throw new Error(`no repository ${where.repositorySlug}`);
    const id = state.nextId("webhook");
    const now = state.clock.now();
    state.webhooks.set(id, {
      id,
      scope:
        repository === undefined
          ? { type: "project", projectId: project.id }
          : { type: "repository", repositoryId: repository.id },
      name: fields.name ?? "Jenkins",
      url: fields.url ?? "https://jenkins.example.com/bitbucket-hook/",
      events: fields.events ?? ["repo:refs_changed"],
      active: fields.active ?? true,
      configuration: fields.configuration ?? { createdBy: "jenkins" },
      sslVerificationRequired: true,
      createdDate: now,
      updatedDate: now,
      invocations: [],
      consecutiveFailures: 0,
      skippedUntil: 0,
      skipped: 0,
    });
    return id;
  }

  async stop(): Promise<void> {
    await this.fake.stop();
    await this.receiver.stop();
  }
}

function whereOf(hook: WebhookRecord, fake: FakeBitbucketServer): string {
  const state = fake.state;
  if (hook.scope.type === "project") return `project ${state.requireProject(hook.scope.projectId).key}`;
  const repository = state.requireRepository(hook.scope.repositoryId);
  return `repository ${state.requireProject(repository.projectId).key}/${repository.slug}`;
}

/**
 * For a test file: registers the teardown once, and returns `start`, which starts a fixture that is stopped after
 * the test that started it.
 */
export function webhookFixtures(): (...args: Parameters<typeof WebhookFixture.start>) => Promise<WebhookFixture> {
  let current: WebhookFixture | undefined;
  afterEach(async () => {
    await current?.stop();
    current = undefined;
  });
  return async (...args) => {
    current = await WebhookFixture.start(...args);
    return current;
  };
}
