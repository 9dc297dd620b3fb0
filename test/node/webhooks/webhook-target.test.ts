import { describe, expect, it } from "vitest";
import { webhookEventKeys } from "../../../relay/webhooks/scope-mode";
import { defaultWebhookName, edgeWebhookUrl, parseWebhookTarget } from "../../../relay/webhooks/webhook-target";
import { EVENT_ROUTES, subscribableEventKeys } from "../../../shared/events/routing";

describe("the webhook target", () => {
  it.each([
    ["https://relay.example.com", "default", "https://relay.example.com/webhooks/default"],
    ["https://relay.example.com/", "acme", "https://relay.example.com/webhooks/acme"],
    ["https://gw.example.com/bbrelay//", "acme", "https://gw.example.com/bbrelay/webhooks/acme"],
    ["http://127.0.0.1:8787?x=1#y", "team_a-1", "http://127.0.0.1:8787/webhooks/team_a-1"],
  ])("edgeWebhookUrl(%s, %s) = %s", (edge, tenant, expected) => {
    expect(edgeWebhookUrl(edge, tenant)).toBe(expected);
  });

  it("names our hook after the tenant, and fills the SSL default", () => {
    expect(defaultWebhookName("acme")).toBe("Bitbucket Relay (acme)");
    expect(
      parseWebhookTarget({
        url: "https://relay.example.com/webhooks/acme",
        name: " Bitbucket Relay (acme) ",
        secret: "s3cr3t",
      }),
    ).toEqual({
      url: "https://relay.example.com/webhooks/acme",
      name: "Bitbucket Relay (acme)",
      secret: "s3cr3t",
      sslVerificationRequired: true,
    });
  });
});

describe("event keys by scope and version", () => {
  it("with the version unknown, every subscribable key of the scope", () => {
    expect(webhookEventKeys("project", null)).toEqual(subscribableEventKeys("project"));
    expect(webhookEventKeys("repository", null)).toEqual(subscribableEventKeys("repository"));
  });

  it.each([
    ["5.9.0", ["pr:modified", "pr:from_ref_updated", "mirror:repo_synchronized"]],
    ["6.10.1", ["pr:from_ref_updated"]],
    ["7.0.0", []],
  ])("on %s leaves out %j, which the server does not know yet", (version, missing) => {
    const keys = webhookEventKeys("repository", version);

    expect(subscribableEventKeys("repository").filter((key) => !keys.includes(key))).toEqual(missing);
    for (const key of keys) expect(EVENT_ROUTES[key]?.subscribable).toBe(true);
  });
});
