import { ActivitySimulator, type ActivityStep } from "../test/fakes/bitbucket-server/activity-simulator";
import {
  type DeliveryRecord,
  FAKE_ADMIN,
  FakeBitbucketServer,
  type InstanceSpec,
} from "../test/fakes/bitbucket-server/index";
import { DemoFileEdits, demoFilesOf } from "./demo-repository-files";

/**
 * `npm start`'s stand-in for Bitbucket Server when none is configured: the project's fake Bitbucket Server (the
 * REST API and signed webhook deliveries the tests rely on) filled with a small demo instance, and simulated people
 * at work on it (one change every few seconds, each delivering its webhooks). It is a simulation and says so: every
 * line `npm start` prints about it is labelled with {@link SIMULATION_LABEL}.
 */

export const SIMULATION_LABEL = "[simulation]";

/**
 * A few projects, repositories, pull requests and users, with what real instances have (an archived repository,
 * an empty one, merged and declined pull requests, a service account, a deactivated user). No personal project:
 * the agent's resync lists projects, which leaves personal ones out (as Port's Ocean integration does), and the
 * simulated people would work there unseen.
 */
export const DEMO_INSTANCE: InstanceSpec = {
  seed: 7,
  projects: 3,
  repositories: 9,
  pullRequests: 24,
  users: 8,
  archivedRatio: 0.1,
  emptyRatio: 0.1,
  // A port.yml and package.json files in the first repositories (scripts/demo-repository-files.ts).
  files: demoFilesOf,
};

/** Every third simulated change edits a repository file (a package.json, a port.yml): GitOps and files, live. */
const FILE_EDIT_EVERY = 3;

export interface BitbucketSimulatorOptions {
  /** Milliseconds between simulated changes. */
  intervalMs: number;
  /** Seeds the simulated activity: the same seed makes the same changes. Default 1. */
  seed?: number;
  instance?: InstanceSpec;
  /** Told about each simulated change, or the error that stopped one. */
  onStep: (step: ActivityStep | { action: string; error: unknown }) => void;
}

export interface BitbucketSimulator {
  /** The server's root URL (what BITBUCKET_URL would hold). */
  readonly url: string;
  readonly username: string;
  /** A demo credential of the simulated server, not a secret. */
  readonly password: string;
  readonly fake: FakeBitbucketServer;
  /** Starts the simulated changes, one every `intervalMs`. */
  startActivity(): void;
  /** Stops the changes and waits for the one under way (the server keeps answering). */
  stopActivity(): Promise<void>;
  /** Stops the changes and the server. */
  stop(): Promise<void>;
}

export async function startBitbucketSimulator(options: BitbucketSimulatorOptions): Promise<BitbucketSimulator> {
  // "await": a change resolves once its webhooks were delivered, so each printed change says how the edge answered.
  const fake = await FakeBitbucketServer.start({ dispatch: "await" });
  fake.generate(options.instance ?? DEMO_INSTANCE);
  const edits = new DemoFileEdits(fake);
  const activity = new ActivitySimulator(fake, {
    intervalMs: options.intervalMs,
    seed: options.seed ?? 1,
    onStep: options.onStep,
    extra: { every: FILE_EDIT_EVERY, step: () => edits.next() },
  });
  let stopped = false;
  return {
    url: fake.url,
    username: FAKE_ADMIN.username,
    password: FAKE_ADMIN.password,
    fake,
    startActivity: () => activity.start(),
    stopActivity: () => activity.stop(),
    async stop() {
      if (stopped) return;
      stopped = true;
      await activity.stop();
      await fake.stop();
    },
  };
}

/** @returns how a simulated change's webhooks fared, e.g. `2 signed webhooks → edge 202` */
export function describeDeliveries(deliveries: readonly DeliveryRecord[]): string {
  if (deliveries.length === 0) return "no webhook (Bitbucket sends none for this change: the next resync picks it up)";
  const outcomes = deliveries.map((delivery) =>
    delivery.outcome === "SUCCESS" || delivery.outcome === "FAILURE" ? String(delivery.status) : delivery.outcome,
  );
  const distinct = [...new Set(outcomes)];
  const noun = deliveries.length === 1 ? "signed webhook" : "signed webhooks";
  return `${deliveries.length} ${noun} (${[...new Set(deliveries.map((delivery) => delivery.eventKey))].join(", ")}) → edge ${distinct.join("/")}`;
}
