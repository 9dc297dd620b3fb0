import { describe, expect, it } from "vitest";
import { type EntityRef, entityKeyOf, parseEntityKey } from "../../../shared/events/entity-ref";
import { EVENT_ROUTES, routeEvent, routeOf, subscribableEventKeys } from "../../../shared/events/routing";

function repository(projectKey: string, slug: string) {
  return { slug, name: slug, project: { key: projectKey, name: projectKey } };
}

function pullRequest(id: number, target = repository("PRO3", "repostiroy-3"), source = repository("FORK", "fork")) {
  return { id, fromRef: { repository: source }, toRef: { repository: target } };
}

describe("event routing", () => {
  it.each(Object.keys(EVENT_ROUTES).filter((key) => key.startsWith("pr:")))(
    "%s concerns the pull request on its target repository",
    (eventKey) => {
      const routed = routeEvent(eventKey, { eventKey, pullRequest: pullRequest(7) });

      expect(routed).toMatchObject({ result: "routed", entityKey: "pull-request:PRO3/repostiroy-3/7" });
    },
  );

  it("routes the 13 seed PR events, the alias and the repository and project events", () => {
    const seed = [
      "pr:modified",
      "pr:opened",
      "pr:merged",
      "pr:reviewer:updated",
      "pr:declined",
      "pr:deleted",
      "pr:comment:deleted",
      "pr:from_ref_updated",
      "pr:comment:edited",
      "pr:reviewer:unapproved",
      "pr:reviewer:needs_work",
      "pr:reviewer:approved",
      "pr:comment:added",
    ];
    const others = [
      "pr:reviewer:changes_requested",
      "repo:modified",
      "repo:refs_changed",
      "repo:forked",
      "mirror:repo_synchronized",
      "project:modified",
    ];

    expect(Object.keys(EVENT_ROUTES).sort()).toEqual([...seed, ...others].sort());
    expect(EVENT_ROUTES["pr:deleted"]?.action).toBe("delete");
  });

  it.each([
    ["repo:refs_changed", { repository: repository("P", "r") }, "repository:P/r"],
    [
      "repo:forked",
      { repository: { ...repository("~ME", "fork"), origin: repository("P", "r") } },
      "repository:~ME/fork",
    ],
    ["mirror:repo_synchronized", { repository: repository("P", "r"), changes: [] }, "repository:P/r"],
    ["repo:modified", { old: repository("P", "r"), new: repository("P", "r") }, "repository:P/r"],
    ["project:modified", { old: { key: "P" }, new: { key: "P" } }, "project:P"],
  ])("%s concerns %s", (eventKey, payload, expected) => {
    const routed = routeEvent(eventKey, payload);

    expect(routed).toMatchObject({ result: "routed", entityKey: expected });
    expect(routed).not.toHaveProperty("previous");
  });

  it("keeps the old entity of a rename or move, and tolerates an incomplete `old`", () => {
    const moved = routeEvent("repo:modified", { old: repository("A", "r"), new: repository("B", "r2") });
    const renamedProject = routeEvent("project:modified", { old: { key: "OLD" }, new: { key: "NEW" } });
    const partial = routeEvent("repo:modified", { old: { name: "r" }, new: repository("B", "r2") });

    expect(moved).toMatchObject({
      entityKey: "repository:B/r2",
      previous: { kind: "repository", projectKey: "A", repositorySlug: "r" },
    });
    expect(renamedProject).toMatchObject({
      entityKey: "project:NEW",
      previous: { kind: "project", projectKey: "OLD" },
    });
    expect(partial).toMatchObject({ result: "routed", entityKey: "repository:B/r2" });
    expect(partial).not.toHaveProperty("previous");
  });

  it("routes only its own keys: names Object.prototype holds are ignored, whatever the payload", () => {
    const payload = { pullRequest: pullRequest(3) };
    for (const key of ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf", "PR:OPENED"]) {
      expect(routeEvent(key, payload)).toEqual({
        result: "ignored",
        eventKey: key,
        reason: `event key ${key} is not handled`,
      });
      expect(routeOf(key)).toBeUndefined();
    }
    expect(routeOf("pr:opened")?.kind).toBe("pull-request");
  });

  it("separates ping, ignored keys and payloads that do not name their entity", () => {
    expect(routeEvent("diagnostics:ping", { test: true })).toEqual({ result: "ping" });
    expect(routeEvent("repo:comment:added", {})).toMatchObject({ result: "ignored" });
    expect(routeEvent("pr:opened", { pullRequest: { id: 1 } })).toMatchObject({
      result: "invalid",
      reason: expect.stringContaining("pullRequest.toRef"),
    });
    expect(routeEvent("repo:refs_changed", "not an object")).toMatchObject({ result: "invalid" });
  });

  it("never subscribes to keys the server rejects, and only project hooks get project:modified", () => {
    const project = subscribableEventKeys("project");
    const repo = subscribableEventKeys("repository");

    for (const rejected of ["pr:reviewer:changes_requested", "pr:to_ref_updated", "proj:modified"]) {
      expect(project).not.toContain(rejected);
      expect(repo).not.toContain(rejected);
    }
    expect(project).toContain("project:modified");
    expect(repo).not.toContain("project:modified");
    expect(repo).toContain("pr:reviewer:needs_work");
  });
});

describe("entity keys", () => {
  it.each<EntityRef>([
    { kind: "project", projectKey: "~USER" },
    { kind: "repository", projectKey: "P", repositorySlug: "my.repo-1" },
    { kind: "pull-request", projectKey: "P", repositorySlug: "r", pullRequestId: 42 },
  ])("round-trips %o", (ref) => {
    expect(parseEntityKey(entityKeyOf(ref))).toEqual(ref);
  });

  it.each(["project:", "repository:P", "pull-request:P/r/x", "user:u", "nonsense", "repository:P//r"])(
    "refuses %s",
    (key) => {
      expect(parseEntityKey(key)).toBeNull();
    },
  );
});
