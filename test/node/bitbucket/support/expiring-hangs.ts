import type { FakeBitbucketServer } from "../../../fakes/bitbucket-server/fake-bitbucket-server";
import type { VirtualClock } from "./virtual-clock";

/**
 * Runs a call whose client keeps `clock`'s time limits by hand (`manualDeadlines`), letting the limit of each request
 * the fake holds (a `hang` fault) pass as soon as it is held: a timeout costs no real time, and a request that is
 * merely slow never passes for one.
 */
export async function expiringHangs<T>(fake: FakeBitbucketServer, clock: VirtualClock, call: Promise<T>): Promise<T> {
  let settled = false;
  const watched = call.finally(() => {
    settled = true;
  });
  watched.catch(() => undefined);
  let expired = fake.hangs;
  while (!settled) {
    if (fake.hangs > expired) {
      expired++;
      clock.expireDeadlines();
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  return watched;
}
