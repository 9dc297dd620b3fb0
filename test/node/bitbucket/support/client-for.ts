import { BitbucketClient, type BitbucketClientOptions } from "../../../../relay/bitbucket/client";
import type { BitbucketAuth, BitbucketLimits } from "../../../../relay/bitbucket/config";
import { BitbucketError } from "../../../../relay/bitbucket/errors";
import { FAKE_ADMIN, type FakeBitbucketServer } from "../../../fakes/bitbucket-server/fake-bitbucket-server";

/** A client of the fake, as the admin (Bearer token) unless told otherwise. */
export function clientFor(
  fake: FakeBitbucketServer,
  options: { auth?: BitbucketAuth; limits?: Partial<BitbucketLimits> } & BitbucketClientOptions = {},
): BitbucketClient {
  const { auth, limits, ...rest } = options;
  return BitbucketClient.fromConfig(
    { baseUrl: fake.url, auth: auth ?? { kind: "bearer", token: FAKE_ADMIN.token }, limits: limits ?? {} },
    rest,
  );
}

export async function drain<T>(pages: AsyncIterable<T[]>): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let count = 0;
  for await (const page of pages) {
    items.push(...page);
    count++;
  }
  return { items, pages: count };
}

/** @returns the BitbucketError the call fails with (anything else, or success, fails the test) */
export async function failure(promise: Promise<unknown>): Promise<BitbucketError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof BitbucketError) return error;
    throw error;
  }
  throw new Error("expected a BitbucketError, got success");
}
