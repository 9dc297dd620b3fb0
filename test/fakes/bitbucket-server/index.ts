/**
 * The fake Bitbucket Server for tests, benchmarks and the `npm start` simulation. Start one with
 * `await FakeBitbucketServer.start({ version, contextPath, rateLimit, ... })`, fill it with `generate({ seed, ... })`
 * and/or `loadSeedSamples()`, point a client at `fake.url` (as `FAKE_ADMIN`), change it through `fake.mutations`
 * (each change delivers the matching signed webhooks), steer it through `fake.settings` and `fake.faults`, and
 * read what happened in `fake.requests` and `fake.dispatcher.deliveries`. Always `await fake.stop()`.
 */

export type { FakeBitbucketOptions, FakeSettings } from "./fake-bitbucket-server";
export { FAKE_ADMIN, FakeBitbucketServer } from "./fake-bitbucket-server";
export type { FaultRule } from "./faults";
export type { InstanceSpec } from "./generator";
export type { MutationResult } from "./mutations/mutation-context";
export type { LoggedRequest } from "./request-log";
export type { RateLimitOptions } from "./token-bucket";
export type { DeliveryRecord, WebhookDialect } from "./webhook-dispatcher";
