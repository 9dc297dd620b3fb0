import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { DEFAULT_MAPPING_YAML } from "../../relay/config/default-mapping";
import { FakePort } from "../fakes/port/fake-port";
import { type LiveFixture, startLiveFixture, waitFor } from "../support/live-fixture";
import { DEFAULT_BLUEPRINTS, TEST_IDENTITY } from "../support/resync-fixture";

// `bbrelay run` as a Port integration, end to end: the real CLI, the edge in workerd, the fake Bitbucket and the fake
// Port. A mapping edited in Port's editor is applied by a resync, Port's Resync button runs one, and a stop in the
// middle of a resync shows as aborted in Port.

const INSTANCE = { seed: 21, projects: 2, repositories: 3, pullRequests: 4, users: 2, emptyRatio: 0, archivedRatio: 0 };
const INSTALLATION = TEST_IDENTITY.installationId;

let live: LiveFixture | null = null;
let port: FakePort | null = null;
afterEach(async () => {
  await live?.close();
  await port?.close();
  live = null;
  port = null;
});

function statuses(fake: FakePort): unknown[] {
  return fake.integrations.states.map((state) => state.body.status);
}

describe("bbrelay run as a Port integration", () => {
  it("registers, applies a mapping edited in Port, answers the Resync button, and reports a stop mid-resync as aborted", async () => {
    port = await FakePort.start({ blueprints: DEFAULT_BLUEPRINTS });
    live = await startLiveFixture({ port });
    const fake = port;
    live.env.BBRELAY_PORT_POLL_INTERVAL = "1";
    live.fake.generate(INSTANCE);
    const agent = live.startAgent();
    await live.waitFirstResync();
    await waitFor(() => statuses(fake).length >= 2, 30_000, "the first resync's state in Port");

    expect(fake.integrations.get(INSTALLATION)).toMatchObject({ installationAppType: "bitbucket-server" });
    expect(statuses(fake)).toEqual(["running", "completed"]);
    expect(fake.integrations.examples(INSTALLATION, "repository")).toHaveLength(3);

    // Port's mapping editor: the project's title changes; Save also asks for a resync (coalesced at the edge).
    const config = parse(DEFAULT_MAPPING_YAML) as {
      resources: { kind: string; port: { entity: { mappings: { title: string } } } }[];
    };
    const project = config.resources.find((resource) => resource.kind === "project");
    if (project === undefined) throw new Error("no project resource");
    project.port.entity.mappings.title = '.name + " [from Port]"';
    fake.integrations.editConfig(INSTALLATION, config as unknown as Record<string, unknown>);
    await waitFor(
      () => {
        const projects = fake.store.entities().filter((entity) => entity.blueprint === "bitbucketProject");
        return projects.length === 2 && projects.every((entity) => entity.title?.endsWith(" [from Port]") === true);
      },
      60_000,
      "the edited mapping's titles in Port",
    );
    await waitFor(() => statuses(fake).at(-1) === "completed", 30_000, "the edit's resync to complete");

    // The Resync button, once: one more resync, running then completed.
    const before = statuses(fake).length;
    fake.integrations.pressResync(INSTALLATION);
    await waitFor(() => statuses(fake).length >= before + 2, 60_000, "the button's resync");
    expect(statuses(fake).slice(before)).toEqual(["running", "completed"]);

    // A resync that cannot finish (the pull requests' listing hangs), then SIGTERM: Port shows it aborted.
    live.fake.faults.add({ path: /\/pull-requests$/, nth: 1, times: 1000, action: { type: "hang" } });
    const beforeStop = statuses(fake).length;
    fake.integrations.pressResync(INSTALLATION);
    await waitFor(() => statuses(fake).length > beforeStop, 60_000, "the hanging resync to start");
    const stopped = await agent.stop();

    expect(stopped.code).toBe(0);
    expect(statuses(fake).slice(beforeStop)).toEqual(["running", "aborted"]);
    expect(fake.integrations.logMessages(INSTALLATION).length).toBeGreaterThan(0);
  }, 240_000);
});
