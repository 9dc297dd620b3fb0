import { afterEach, describe, expect, it } from "vitest";
import { routeEvent, subscribableEventKeys } from "../../../shared/events/routing";
import { ActivitySimulator } from "../../fakes/bitbucket-server/activity-simulator";
import { FakeBitbucketServer } from "../../fakes/bitbucket-server/fake-bitbucket-server";
import { clientFor } from "./support/client-for";
import { WebhookReceiver } from "./support/webhook-receiver";

describe("the activity simulator (npm start's live Bitbucket)", () => {
  let fake: FakeBitbucketServer;
  let receiver: WebhookReceiver;

  afterEach(async () => {
    await fake.stop();
    await receiver.stop();
  });

  async function setUp(): Promise<void> {
    receiver = await WebhookReceiver.start();
    fake = await FakeBitbucketServer.start();
    fake.generate({ seed: 2, projects: 2, repositories: 6, pullRequests: 10, users: 6 });
    const client = clientFor(fake);
    for (const projectKey of ["P001", "P002"]) {
      await client.webhooks.create({
        scope: { type: "project", projectKey },
        webhook: {
          name: "relay",
          url: receiver.url(),
          events: subscribableEventKeys("project"),
          active: true,
          configuration: { secret: "s3cret-value" },
        },
      });
    }
  }

  it("makes varied changes whose every delivery the relay can route", async () => {
    await setUp();
    const simulator = new ActivitySimulator(fake, { seed: 5 });

    const steps = [];
    for (let i = 0; i < 80; i++) steps.push(await simulator.step());

    const deliveries = steps.flatMap((step) => step.deliveries);
    const keys = new Set(deliveries.map((d) => d.eventKey));
    expect(deliveries.length).toBeGreaterThanOrEqual(70);
    expect(deliveries.every((d) => d.outcome === "SUCCESS")).toBe(true);
    expect(deliveries.every((d) => routeEvent(d.eventKey, JSON.parse(d.body)).result === "routed")).toBe(true);
    expect(keys.size).toBeGreaterThanOrEqual(8);
    expect(receiver.received).toHaveLength(deliveries.length);
  });

  it("runs on a timer until stopped", async () => {
    await setUp();
    const seen: string[] = [];
    const simulator = new ActivitySimulator(fake, { seed: 9, intervalMs: 5, onStep: (step) => seen.push(step.action) });

    simulator.start();
    const deadline = Date.now() + 10_000;
    while (seen.length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    const wasRunning = simulator.running;
    await simulator.stop();

    expect(wasRunning).toBe(true);
    expect(simulator.running).toBe(false);
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen.some((action) => action === "failed")).toBe(false);
  });
});
