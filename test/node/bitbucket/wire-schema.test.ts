import { describe, expect, it } from "vitest";
import { PullRequestWire, RepositoryWire } from "../../../relay/bitbucket/schema";

describe("Bitbucket wire schemas", () => {
  it("give back the very object Bitbucket sent, every field kept, nothing copied", () => {
    const raw = {
      id: 7,
      state: "OPEN",
      title: "t",
      toRef: { displayId: "main", repository: { slug: "api", links: {}, project: { key: "P", name: "Proj" } } },
    };

    const parsed = PullRequestWire.parse(raw);

    expect(parsed).toBe(raw);
    expect(parsed.toRef.repository.project).toBe(raw.toRef.repository.project);
  });

  it("name the nested field that does not fit, with its path", () => {
    const parsed = PullRequestWire.safeParse({
      id: 7,
      state: "OPEN",
      toRef: { repository: { slug: "", project: {} } },
    });

    expect(parsed.success).toBe(false);
    const paths = parsed.error?.issues.map((issue) => issue.path.join(".")) ?? [];
    expect(paths).toEqual(expect.arrayContaining(["toRef.repository.slug", "toRef.repository.project.key"]));
    expect(RepositoryWire.safeParse("not an object").success).toBe(false);
    expect(RepositoryWire.safeParse({ slug: "a", project: { key: "P" }, archived: "no" }).success).toBe(false);
  });
});
