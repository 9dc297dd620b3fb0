/**
 * The built-in mapping, used when neither `--config` nor `BBRELAY_CONFIG` names a file. It is YAML text (kept
 * in a TS module so that every bundler and test runner ships it without a loader) in Port's `port-app-config`
 * format, and goes with the blueprints in `default-blueprints.json`. `bbrelay map --print-default` prints it, so
 * it can be copied and edited. Its comments say where and why it differs from the seed's mapping.
 */
export const DEFAULT_MAPPING_YAML = `# bbrelay's default mapping (Port port-app-config format). It goes with bbrelay's default blueprints.
#
# It differs from the mapping of Port's Bitbucket Server integration (the seed) where that one is wrong:
# - Identifiers are unique across projects: a repository is "PROJ/slug" and a pull request "PROJ/slug/id" (the
#   seed uses "slug" and the PR id alone, so two projects' "api" repositories overwrite each other), and the
#   relations use the same form. "/" is one of the characters Port allows in identifiers.
# - Personal projects' keys start with "~", which Port refuses in identifiers: "~alice" becomes "@alice"
#   (no ordinary project key can contain "@", so nothing collides).
# - Users are keyed by their Bitbucket slug, which every user has, not by e-mail (users without one were
#   dropped); PR authors, reviewers and participants, and the latest commit's author, are relations to them.
# - merge_commit is the real merge commit (properties.mergeCommit.id, merged PRs only); the seed took the
#   source branch's head, which is now source_commit.
# - mergedAt is set for merged PRs only (the seed also filled it for declined ones); closed_on covers both.
# - README and latest commit are really fetched (they are mentioned here, so bbrelay enriches repositories
#   with them); the seed maps them but its integration never fetches them.
# - Every pull request state is synced (Ocean syncs OPEN ones unless told otherwise).
createMissingRelatedEntities: true
deleteDependentEntities: true
enableMergeEntity: true
entityDeletionThreshold: 0.9
resources:
  # Order matters when createMissingRelatedEntities is false: targets of relations come first.
  - kind: project
    selector:
      query: "true"
    port:
      entity:
        mappings:
          identifier: .key | if startswith("~") then "@" + ltrimstr("~") else . end
          title: .name
          blueprint: '"bitbucketProject"'
          properties:
            key: .key
            public: .public
            type: .type
            description: .description
            link: .links.self[0].href
  - kind: user
    selector:
      query: "true"
    port:
      entity:
        mappings:
          identifier: .slug
          title: .displayName
          blueprint: '"bitbucketUser"'
          properties:
            username: .name
            email: .emailAddress
            active: .active
            type: .type
            url: .links.self[0].href
            portUser: .emailAddress
  - kind: repository
    selector:
      query: "true"
      includeArchived: true
    port:
      entity:
        mappings:
          identifier: (.project.key | if startswith("~") then "@" + ltrimstr("~") else . end) + "/" + .slug
          title: .name
          blueprint: '"bitbucketRepository"'
          properties:
            slug: .slug
            description: .description
            state: .state
            forkable: .forkable
            public: .public
            archived: .archived
            link: .links.self[0].href
            readme: .__readme
            last_commit: .__latestCommit.id
            last_commit_at: .__latestCommit.committerTimestamp | if . == null then null else . / 1000 | todate end
          relations:
            project: .project.key | if startswith("~") then "@" + ltrimstr("~") else . end
            latestCommitAuthor: .__latestCommit.author.slug
  - kind: pull-request
    selector:
      query: "true"
      state: ALL
    port:
      entity:
        mappings:
          identifier: >-
            (.toRef.repository.project.key | if startswith("~") then "@" + ltrimstr("~") else . end)
            + "/" + .toRef.repository.slug + "/" + (.id | tostring)
          title: .title
          blueprint: '"bitbucketPullRequest"'
          properties:
            description: .description
            state: .state
            draft: .draft
            created_on: .createdDate | if . == null then null else tonumber / 1000 | todate end
            updated_on: .updatedDate | if . == null then null else tonumber / 1000 | todate end
            closed_on: .closedDate | if . == null then null else tonumber / 1000 | todate end
            mergedAt: if .state == "MERGED" and .closedDate != null then .closedDate | tonumber / 1000 | todate else null end
            merge_commit: .properties.mergeCommit.id
            source_commit: .fromRef.latestCommit
            link: .links.self[0].href
            destination: .toRef.displayId
            source: .fromRef.displayId
          relations:
            repository: (.toRef.repository.project.key | if startswith("~") then "@" + ltrimstr("~") else . end) + "/" + .toRef.repository.slug
            author: .author.user.slug
            reviewers: "[.reviewers[]?.user.slug]"
            participants: "[.participants[]?.user.slug]"
`;
