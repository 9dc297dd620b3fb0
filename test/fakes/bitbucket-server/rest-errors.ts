/**
 * Bitbucket's error envelope (reference §0): `{"errors":[{"context","message","exceptionName"}]}`, with the
 * exception names real servers send, so that clients that match on them can be tested.
 */

export interface FakeResponse {
  status: number;
  /** JSON-serialised unless `text` or `bytes` is set. */
  body?: unknown;
  text?: string;
  /** Raw bytes (a binary file from `raw`), sent with `contentType`. */
  bytes?: Uint8Array;
  contentType?: string;
  headers?: Record<string, string>;
}

export const EXCEPTIONS = {
  noSuchProject: "com.atlassian.bitbucket.project.NoSuchProjectException",
  noSuchRepository: "com.atlassian.bitbucket.repository.NoSuchRepositoryException",
  noSuchPullRequest: "com.atlassian.bitbucket.pull.NoSuchPullRequestException",
  noSuchUser: "com.atlassian.bitbucket.user.NoSuchUserException",
  noSuchPath: "com.atlassian.bitbucket.content.NoSuchPathException",
  noSuchBranch: "com.atlassian.bitbucket.repository.NoSuchBranchException",
  noSuchCommit: "com.atlassian.bitbucket.commit.NoSuchCommitException",
  noSuchWebhook: "com.atlassian.bitbucket.webhook.NoSuchWebhookException",
  authorisation: "com.atlassian.bitbucket.AuthorisationException",
  authentication: "com.atlassian.bitbucket.auth.IncorrectPasswordAuthenticationException",
  notLoggedIn: "com.atlassian.bitbucket.auth.NotLoggedInException",
  validation: "com.atlassian.bitbucket.validation.ArgumentValidationException",
  server: "com.atlassian.bitbucket.ServerException",
} as const;

export function errorResponse(
  status: number,
  message: string,
  exceptionName: string | null,
  context: string | null = null,
): FakeResponse {
  return { status, body: { errors: [{ context, message, exceptionName }] } };
}

export function ok(body: unknown, status = 200): FakeResponse {
  return { status, body };
}

export function noContent(): FakeResponse {
  return { status: 204 };
}

export function unauthorised(message = "You are not permitted to access this resource"): FakeResponse {
  return errorResponse(401, message, EXCEPTIONS.authorisation);
}
