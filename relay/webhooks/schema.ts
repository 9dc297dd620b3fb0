import { z } from "zod";

/**
 * What our webhook in Bitbucket looks like, as the caller configures it: checked once, strictly, when the installer
 * is created (a typo in an option must not install a broken hook in every project).
 */

/** http(s) only, no credentials in the URL (Bitbucket shows hook URLs to every project admin). */
const HookUrl = z
  .string({ error: "must be the edge's webhook URL, e.g. https://relay.example.com/webhooks/default" })
  .refine((value) => URL.canParse(value), {
    error: "must be an absolute URL, e.g. https://relay.example.com/webhooks/default",
  })
  .refine((value) => !URL.canParse(value) || /^https?:$/.test(new URL(value).protocol), {
    error: "must use http or https",
  })
  .refine((value) => !URL.canParse(value) || (new URL(value).username === "" && new URL(value).password === ""), {
    error: "must not carry credentials (user:password@): Bitbucket shows hook URLs to project administrators",
  });

export const WebhookTarget = z.strictObject({
  /** `<edge>/webhooks/<tenant>`: see `edgeWebhookUrl`. */
  url: HookUrl,
  /** Half of what makes a hook ours (with the URL): e.g. `Bitbucket Relay (default)`, see `defaultWebhookName`. */
  name: z
    .string({ error: "must be the webhook's name, e.g. Bitbucket Relay (default)" })
    .trim()
    .min(1, { error: "must not be empty: it is how our hooks are told apart from other people's" })
    .max(255, { error: "must be at most 255 characters" }),
  /** The tenant's webhook secret (the edge's `WEBHOOK_SECRET`): the HMAC key of `X-Hub-Signature`. */
  secret: z
    .string({ error: "must be the tenant's webhook secret (the edge's WEBHOOK_SECRET)" })
    .min(1, { error: "must not be empty: the edge rejects unsigned deliveries" }),
  /** Bitbucket checks the edge's certificate unless false (default true). */
  sslVerificationRequired: z.boolean({ error: "must be true or false" }).default(true),
});
export type WebhookTarget = z.output<typeof WebhookTarget>;
export type WebhookTargetInput = z.input<typeof WebhookTarget>;
