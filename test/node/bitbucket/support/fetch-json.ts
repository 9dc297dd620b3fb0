import { z } from "zod";
import { FAKE_ADMIN } from "../../../fakes/bitbucket-server/fake-bitbucket-server";

/** A page as the fake sends it, checked rather than cast (items stay loose). */
export const RawPage = z.looseObject({
  values: z.array(z.looseObject({})),
  isLastPage: z.boolean(),
  limit: z.number(),
  size: z.number(),
  start: z.number(),
  nextPageStart: z.number().optional(),
});
export type RawPage = z.infer<typeof RawPage>;

/** GETs a URL of the fake (as the admin unless `authorization` is null) and checks the body with `schema`. */
export async function fetchJson<T>(
  url: string,
  schema: z.ZodType<T>,
  authorization: string | null = `Bearer ${FAKE_ADMIN.token}`,
): Promise<T> {
  const response = await fetch(url, { headers: authorization === null ? {} : { Authorization: authorization } });
  return schema.parse(await response.json());
}

/** Parses a JSON text (a webhook body) and checks it with `schema`. */
export function parseJson<T>(text: string, schema: z.ZodType<T>): T {
  return schema.parse(JSON.parse(text));
}
