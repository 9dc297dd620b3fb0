import { describe, expect, it } from "vitest";
import { parseYaml } from "../../../relay/files/parse-file";
import { jsonOf, parseJson } from "../../../shared/json";

describe("JSON values from outside typed code", () => {
  it("copies JSON as it is, and turns what JSON has no value for into null", () => {
    const value = { a: [1, "two", true, null, undefined, 10n, () => 1], b: { c: Symbol("s") } };

    expect(jsonOf(value)).toEqual({ a: [1, "two", true, null, null, null, null], b: { c: null } });
    expect(jsonOf(undefined)).toBeNull();
    expect(jsonOf("text")).toBe("text");
  });

  it("rewrites an object's string fields only, naming the key", () => {
    const seen: string[] = [];
    const copy = jsonOf({ name: "x", list: ["y"], nested: { name: "z" } }, (key, text) => {
      seen.push(`${key}=${text}`);
      return text.toUpperCase();
    });

    expect(copy).toEqual({ name: "X", list: ["y"], nested: { name: "Z" } });
    expect(seen.sort()).toEqual(["name=x", "name=z"]);
  });

  it("types a YAML document as JSON without changing it", () => {
    const parsed = parseYaml("identifier: svc\nproperties:\n  replicas: 3\n  tags: [a, b]\n  owner: ~\n");

    expect(parsed).toEqual({
      kind: "ok",
      documents: [{ identifier: "svc", properties: { replicas: 3, tags: ["a", "b"], owner: null } }],
    });
  });

  it("parses JSON text as JSON.parse does, and throws what it throws", () => {
    expect(parseJson('{"a":[1,2.5,"x",null,false]}')).toEqual({ a: [1, 2.5, "x", null, false] });
    expect(() => parseJson("{")).toThrow(SyntaxError);
  });
});
