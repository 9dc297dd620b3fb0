import type { Builtin } from "../compiled-types";
import { COLLECTION_BUILTINS } from "./collections";
import { CORE_BUILTINS } from "./core";
import { DATE_BUILTINS } from "./dates";
import { REGEX_BUILTINS } from "./regex";

/** Every builtin the compiled engine serves, by `name/arity`. Any other call sends the expression to jq-wasm. */
export const BUILTINS: Readonly<Record<string, Builtin>> = {
  ...CORE_BUILTINS,
  ...COLLECTION_BUILTINS,
  ...DATE_BUILTINS,
  ...REGEX_BUILTINS,
};
