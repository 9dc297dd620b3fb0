/** Trimmed Bitbucket Server webhook payloads (reference §5.4), with the fields routing reads. */

export function repository(projectKey: string, slug: string) {
  return { slug, id: 3, name: slug, project: { key: projectKey, id: 1, name: projectKey, type: "NORMAL" } };
}

export function pullRequestEvent(eventKey: string, id: number, target = repository("PRO3", "repostiroy-3")) {
  return {
    eventKey,
    date: "2026-08-19T17:27:55+0000",
    actor: { name: "admin", id: 1 },
    pullRequest: {
      id,
      title: `PR ${id}`,
      state: "OPEN",
      // DC 10.x sends ISO strings here, older versions epoch milliseconds (reference §5.6).
      createdDate: "2026-08-19T17:27:55.266Z",
      updatedDate: 1747730324792,
      fromRef: { id: "refs/heads/feature", repository: repository("FORK", "fork") },
      toRef: { id: "refs/heads/main", repository: target },
    },
  };
}

export function refsChangedEvent(projectKey: string, slug: string) {
  return {
    eventKey: "repo:refs_changed",
    date: "2019-06-20T11:36:42+0000",
    actor: { name: "admin" },
    repository: repository(projectKey, slug),
    changes: [{ ref: { id: "refs/heads/master", displayId: "master", type: "BRANCH" }, type: "UPDATE" }],
  };
}

export function projectModifiedEvent(oldKey: string, newKey: string) {
  return { eventKey: "project:modified", date: 1747730324792, old: { key: oldKey }, new: { key: newKey } };
}
