/**
 * Expressions of the differential suite, besides the seed's and the default mapping's leaves: jq manual examples
 * for each construct the compiled engine serves, and expressions written to hit jq's corner cases.
 */

export const MANUAL_EXAMPLES: readonly string[] = [
  // paths and identity
  ".", ".foo", ".foo?", ".[\"foo\"]", ".\"foo\"", ".foo.bar", ".a.b.c", ".[0]", ".[-1]", ".[-2]", ".[2:4]", ".[:3]",
  ".[-2:]", ".[1.5:2.7]", ".[]", ".[]?", ".a[]", ".[] | .a", ".[0].b", ".a[0][1]", ".a.[0]", "..", "[..]", "[..|numbers]",
  ".[1.7]", ".[-1.2]", ".[\"a\",\"b\"]", ".[.k]", ".[[1]]", ".\"a b\"", ".a?.b", "try .a catch .", ".[]?.a",
  // literals and construction
  "1", "-1", "1.5", "\"hello\"", "true", "null", "[]", "{}", "[1,2,3]", "[.[] | . * 2]", "{a: 1}", "{\"a\": 1, b: 2}",
  "{(.k): .v}", "{a, b}", "{$__x}", "{\"a\"}", "{a: .b | .c}", "{a: (1,2), b: (3,4)}", "[{a: (1,2)}]", "{if: 1, then: 2}",
  "{(\"x\",\"y\"): 1}", "{a: -1}", "[.[]?, 1]", "{k: .a} | .k", "{\"a\\(1)\": 2}", "{\"b\": 1, \"a\": 2, \"2\": 3}",
  // pipes, comma, alternative, logic
  ".a, .b", ".a | .b", "1, 2 | . + 1", ".a // \"default\"", ".a // .b // 3", "(null, false, 1) // 2", "[.[] // 0]",
  "empty // 1", "(.a, .b) // 9", "true and false", "true or error(\"x\")", "false and error(\"x\")", "not",
  "[.[] | not]", "[(true, false) and (true, false)]", "[(true, false) or (true, false)]", ".a and .b", ".a or .b",
  "[.[] | select(. > 1)]", "map(select(. != null))",
  // comparisons and ordering
  ". == 1", ". != null", ". < 2", ". >= \"a\"", "[.[] | . < 1]", "[null, false, true, 0, \"a\", [], {}] | sort",
  "sort", "sort_by(.a)", "sort_by(.a, .b)", "[{a:2},{a:1},{a:2,b:1}] | sort", "[[1,2],[1],[0,5]] | sort",
  "[{\"b\":1},{\"a\":2},{\"a\":1,\"b\":0}] | sort", "{\"a\":1} == {\"a\":1.0}", "[1,[2]] == [1,[2]]", "nan < nan",
  "[\"\\u00e9\", \"\\uffff\", \"\\ud83d\\ude00\", \"z\"] | sort", "[.[] | tostring] | sort",
  // arithmetic
  ". + 1", ". - 1", ". * 2", ". / 2", ". % 3", "-.", "null + 1", "1 + null", "null + null", "\"a\" + \"b\"",
  "[1] + [2]", "{a: 1} + {b: 2}", "{a: 1} + {a: 2}", "{a: {b: 1}} * {a: {c: 2}}", "[1,2,3,1] - [1]", "\"x\" * 3",
  "\"x\" * 0", "\"x\" * -1", "\"abc\" / \"b\"", "\"a,b,c\" / \",\"", "10 / 3", "1 / 3", "5 % 2", "-5 % 3", "5 % -2",
  "5.5 % 2", "0.1 + 0.2", "1e17 + 1", "3 * 1.5", "1 / 0", ". / 0", ". % 0", "{} - {}", "[] - {}", ". + \"s\"",
  "null - 1", "1e300 * 1e300", "-1e300 * 1e300", "(1e300 * 1e300) - (1e300 * 1e300)", "[1e300 * 1e300] | tojson",
  "100000 * 100000 * 100000", "2 - 3 * 4", "-1 + 2", "-(1 + 2)", "- .a", "1 - -1",
  // conditionals and variables
  "if . then \"yes\" else \"no\" end", "if . == 1 then \"one\" elif . == 2 then \"two\" else \"many\" end",
  "if .a then .a end", "if (true, false) then 1 else 2 end", ". as $x | [$x, $x]", ".a as $x | .b as $y | $x + $y",
  ". as [$a, $b] | {a: $a, b: $b}", ". as {a: $x} | $x", ". as {$a, b: [$c]} | [$a, $c]", ". as {\"a\": $x} | $x",
  ". as {$a: $inner} | [$a, $inner]", "[.[] as $x | $x * 2]", ".[] as [$a] | $a", "1 as $x | 2 as $y | [$x, $y, .]",
  // string interpolation and formats
  "\"x\\(.)y\"", "\"\\(.a) and \\(.b)\"", "\"\\(1,2) \\(3,4)\"", "@text", "@json", "@base64", "@base64d", "@uri",
  "@json \"v=\\(.)\"", "@uri \"q=\\(.)\"", "@base64 \"\\(.)!\"", "tojson", "tostring", "[.[] | tostring]",
  "[.[] | tojson]", "\"\\u00e9\\u0000\\u001f\\u007f\\\"\\\\/\" | tojson", "@text \"\\(.)\"", "\"\\t\\n\\r\"",
  // try/catch, errors
  "try error(\"x\") catch .", "try error({a: 1}) catch .a", "try (1, error(\"x\"), 3) catch .", "error(\"msg\")",
  "error", "error(null)", "error({a: 1})", "try error(null) catch .", "[.[] | try if . == 2 then error(\"x\") else . end catch \"c\"]",
  "(try (1,2)) | error(\"y\")", "try error(\"x\") catch . | length", ".a?", "[.[]?]", "[.[] | .a?]", "(.a)?",
  "try (.a | error) catch .", "error(\"  padded  \")", "error(\"a\\u0000b\")", "error(\"\")", "try error(\"\\(.)\") catch .",
  // reduce, foreach, limit, first, range
  "reduce .[] as $x (0; . + $x)", "reduce .[] as [$a, $b] (0; . + $a * $b)", "reduce range(5) as $i ([]; . + [$i])",
  "reduce empty as $x (3; . + 1)", "reduce range(3) as $x (0; empty)", "reduce (1,2) as $x ((10,20); . + $x)",
  "[foreach .[] as $x (0; . + $x)]", "[foreach .[] as $x (0; . + $x; [$x, .])]", "[foreach (1,2) as $x (0; (.+$x, .-$x); [$x,.])]",
  "[limit(3; .[])]", "[limit(0; 1, 2)]", "[limit(-1; 1, 2)]", "[limit(1.5; 1, 2, 3)]", "[first(range(10; 0; -3))]",
  "first(empty)", "[range(5)]", "[range(2; 5)]", "[range(0; 10; 3)]", "[range(5; 0; -2)]", "[range(1; 2; 0)]",
  "[range(0, 1; 3, 4)]", "first", "last", "first(.[])", "last(.[])", "[.[] | first]", "isempty(empty)", "isempty(.[])",
  // user functions
  "def f: . + 1; f", "def f(g): [g, g]; f(.a)", "def f($x): $x + .; f(10)", "def f($a; $b): [$a, $b]; f(1, 2; 3)",
  "def fac: if . <= 1 then 1 else . * (. - 1 | fac) end; 5 | fac", "def f: def g: 3; g * 2; f", "def f(x): x * 2; f(.a, .b)",
  "def addvalue(f): f as $x | map(. + $x); addvalue(.[0])", "def f: reduce .[] as $x (0; . + $x); f",
  // builtins
  "length", "utf8bytelength", "keys", "keys_unsorted", "has(\"a\")", "has(0)", "map(has(\"a\"))", "[.[] | in({\"a\":1})]",
  "in([1])", "to_entries", "from_entries", "with_entries(.value |= . )", "with_entries(.)", "with_entries({key: .value|tostring, value: .key})",
  "add", "[.[] | add]", "any", "all", "any(. > 1)", "all(. > 1)", "any(.[]; . == 2)", "all(.[]; type == \"number\")",
  "map(. + 1)", "map_values(. + 1)", "map_values(empty)", "map_values(.a)", "type", "[.[] | type]", "tonumber",
  "[.[] | tonumber?]", "fromjson", "[.[] | fromjson?]", "ascii_downcase", "ascii_upcase", "split(\", \")", "split(\"\")",
  "join(\", \")", "join(\"-\")", "join(1)", "ltrimstr(\"a\")", "rtrimstr(\"c\")", "ltrimstr(1)", "startswith(\"a\")",
  "endswith(\"b\")", "contains(\"bar\")", "contains([2, 0])", "contains({a: [1]})", "contains(1)", "[.[] | contains(\"a\")?]",
  "inside(\"foobar\")", "inside([1,2,3])", "index(\", \")", "rindex(\", \")", "indices(\", \")", "indices(1)", "indices([1,2])",
  "index(\"é\")", "unique", "unique_by(length)", "unique_by(.a)", "group_by(.a)", "group_by(. % 2)", "min", "max",
  "min_by(.a)", "max_by(.a)", "min_by(length)", "flatten", "flatten(1)", "flatten(0)", "flatten(-1)", "reverse",
  "[paths]", "[paths(type == \"number\")]", "[leaf_paths]", "getpath([\"a\", \"b\"])", "getpath([\"a\", 0])", "[getpath([\"a\"], [\"b\"])]",
  "del(.a)", "del(.[0])", "del(.[0, 2])", "del(.[1:])", "del(.a, .b)", "del(.[] | select(. == 2))", "del(.a.b)",
  "path(.a[0].b)", "[path(..)]", "[path(.a, .b)]", "path(.[] | select(. > 1))", "[.[] | numbers]", "[.[] | strings]",
  "[.[] | scalars]", "[.[] | iterables]", "[.[] | values]", "[.[] | nulls]", "[.[] | booleans]", "[.[] | arrays]",
  "[.[] | objects]", "recurse", "[recurse(.[]?)]", "[recurse(if . < 3 then . + 1 else empty end)]", "explode", "implode",
  "explode | implode", "[.[] | floor]", "floor", "ceil", "round", "fabs", "sqrt", "tostring | length", "length > 2",
  "to_entries | map(.key)", "keys | length", "[.[] | length]", "[.[] | keys?]", "map(tostring) | join(\",\")",
  // dates
  "todate", "fromdate", "todateiso8601", "fromdateiso8601", "gmtime", "gmtime | mktime", "gmtime | todate",
  "mktime", "strftime(\"%Y-%m-%dT%H:%M:%SZ\")", "strftime(\"%A, %B %d, %Y\")", "strftime(\"%a %b %e %H:%M:%S %Y\")",
  "strftime(\"%j %u %w %y %D %F %T %R %I %p %h %%\")", "strptime(\"%Y-%m-%dT%H:%M:%SZ\")", "strptime(\"%Y-%m-%dT%H:%M:%SZ\") | mktime",
  "strptime(\"%Y-%m-%d\")", "strptime(\"%d/%m/%Y\")", ". / 1000 | todate", ". / 1000 | strftime(\"%Y-%m-%dT%H:%M:%SZ\")",
  "tonumber / 1000 | todate", "now | type", "now | . > 1700000000", "[now, now] | .[0] == .[1]", "gmtime | .[5]",
  "1425599507 | gmtime", "1747730324.792 | strftime(\"%Y-%m-%dT%H:%M:%SZ\")", "1747730324.792 | gmtime", "-1.5 | gmtime",
  "\"2015-03-05t23:51:47z\" | fromdate", "\"2015-3-5T1:2:3Z\" | fromdate", "\"2015-03-05T23:51:47.123Z\" | fromdate",
  "[2015,2,5,23,51,47] | mktime", "[2015,2,5,23,51,47,0,0] | mktime", "[2015,2,5,23,51,47,4,63] | strftime(\"%c\")",
  "[1969,11,31,23,59,59,0,0] | mktime", "\"x\" | strftime(\"%Y\")", "1 | strftime(\"\")", "0 | todate", "1e12 | todate",
  // regular expressions
  "test(\"a\")", "test(\"A\"; \"i\")", "test(\"^a\")", "test(\"c$\")", "test(\"\\\\d+\")", "test(\"[a-c]+\")", "test(\"a.c\")",
  "[match(\"a\"; \"g\") | .offset]", "match(\"(a)(b)?\")", "[match(\"x*\"; \"g\")]", "[match(\"(?<n>b)|(c)\"; \"g\")]",
  "capture(\"(?<x>[a-z]+)-(?<y>\\\\d+)\")", "[scan(\"\\\\d\")]", "[scan(\"(a)(b)\")]", "sub(\"a\"; \"X\")", "gsub(\"a\"; \"X\")",
  "gsub(\"(?<c>[a-z])\"; \"<\\(.c)>\")", "sub(\"^\\\\s+\"; \"\")", "gsub(\"\\\\s+\"; \" \")", "gsub(\"x\"; \"_\"; \"i\")",
  "split(\", *\"; null)", "split(\"a\"; \"g\")", "test(\"b\"; \"x\")", "test(\"b\"; \"q\")", "test(1)", "test([\"A\", \"i\"])",
  "ascii_downcase | test(\"^[a-z0-9-]+$\")", "[.[] | test(\"a\")?]", "sub(\"b\"; 1)", "test(\"(?i)a\")", "test(\"a{2}\")",
  "test(\"a{1,}b\")", "test(\"a+?\")", "[match(\"[^a]\"; \"g\").string]", "test(\"\\\\bfoo\\\\b\")", "test(\"a|b\")",
  "test(\"(?:ab)+\")", "[match(\"(a|b)+\"; \"g\")]", "test(\"\\\\w+@\\\\w+\")", "test(\"[[:alpha:]]\")",
];

/** Expressions written to reach jq's corner cases (error texts, truncation, number formatting, key order). */
export const CORNER_CASES: readonly string[] = [
  ".id | tostring", ".x | tostring", "tostring", "[.[] | tostring]", "tojson | fromjson", ". * 1 | tostring",
  "1e17 | tostring", "1e16 + 0 | tostring", "0.00001 + 0 | tostring", "1e-7 + 0 | tostring", "123e15 + 0 | tostring",
  "100000000000000000000", "1.0", "1.50", "1e2", "[1e2, 1.0]", "1e1000", "-0", "-0 | tostring", "[-0]", "0 * -1",
  "1.7976931348623157e308 * 10 | tostring", "3.0 | tostring", "0.1 | tostring", "1e-5 | tostring", "123456789012 | tostring",
  "9007199254740993", ". + 0.5 | tostring", "\"1.50\" | tonumber", "\"1e3\" | tonumber", "\" 1\" | tonumber", "\"nan\" | tonumber",
  "\"0x10\" | tonumber", "\"-0\" | tonumber", "\"12\" | tonumber", "\"12.5\" | tonumber | tostring", "\"abc\" | tonumber",
  ".a + 1", ".a - 1", ".a * .b", ".a / .b", "\"abcdefghijklmnopq\" + 1", "{\"aaaaaaaaaaaa\": 1} + 1", "[1,2,3,4,5,6,7] - 1",
  "\"ééééééé\" + 1", "\"aaaaaaaaaé\" + 1", "\"aaaaaaaaaaé\" + 1", "\"aaaaaaaaaaaé\" + 1", ".[] | .a", ".a.b.c.d",
  "keys[0]", "to_entries[0].key", "{\"b\":1} + {\"a\":2} | keys_unsorted", "{\"b\":1, \"1\":2} | keys_unsorted",
  "{} | .[\"2\"] = 1", "{b: 1} | . + {\"3\": 2} | tojson", "with_entries(.key |= tostring)", "from_entries | tojson",
  "[{key: \"b\", value: 1}, {key: \"1\", value: 2}] | from_entries | keys_unsorted", "{\"__proto__\": 1} | .__proto__",
  ".__proto__", ".constructor", ".toString", "{} | .constructor", "has(\"__proto__\")", "{\"__proto__\": .} | tojson",
  ".[\"__proto__\"]", "[.[] | .constructor?]", "keys_unsorted", "tojson", "@text", "length", "utf8bytelength",
  ".[] |= 1", ".a = 1", "env | type", "$ENV | type", "input", "$__loc__", "splits(\"a\")", "ascii", "@csv", "@sh",
  "label $out | 1, break $out", "getpath([\"a\",\"b\"]) |= 5", "limit(\"a\"; 1)", "[.[] | limit(2; .[]?)]",
  ". as [$a, $b] ?// $a | $a", "input_line_number", "$__prog_args", "ltrimstr(\"\")", "rtrimstr(\"\")", "split(\"\"; null)",
  "indices(\"\")", "[.[] | indices(\"a\")?]", "join(\",\") | length", "[splits(\"a\")]", "\"\\(.)\"",
  "[.[] | .. ]", "[..] | length", "[paths] | length", "del(..)", "del(.[])", "to_entries | from_entries",
  "with_entries(select(.value != null))", "map(select(.a))", "[.[] | select(.a > 1)?]", "sort_by(.a) | map(.a)",
  "group_by(.a) | map(length)", "unique_by(.a) | length", "min_by(.x)", "max_by(.x)", "any(.a)", "all(.a)",
  "[.. | select(type == \"string\")] | length", "[.. | numbers] | add", "paths(..) | length",
];

/** Expressions that accept any input (they mostly error on the wrong kinds), run on random values. */
export const RANDOM_INPUT_EXPRESSIONS: readonly string[] = [
  ".", "tojson", "tostring", "length", "type", "keys", "keys_unsorted", "to_entries", "[.[]?]", "[..]", "[paths]",
  "[leaf_paths]", "add", "sort", "unique", "min", "max", "reverse", "flatten", "tonumber", "ascii_downcase", "explode",
  ". + .", ". - .", ". * 2", ". / 2", ". % 7", "-.", ". == .", ". < [1]", "[.[]? | . > 0]", "map(type)", "map_values(type)",
  "with_entries(.key |= tostring)", "from_entries", "has(\"a\")", "has(0)", ".a", ".[0]", ".[-1]", ".[1:]", ".a?.b?",
  ".id | tostring", "\"v=\\(.)\"", "@base64", "@uri", "@json", "@base64d", "[.[]? | tostring] | join(\",\")",
  "contains(\"a\")", "inside([1, \"a\"])", "indices(\"a\")", "index(1)", "split(\",\")", "test(\"a\")",
  "[match(\"[a-z]+\"; \"g\").string]", "gsub(\"a\"; \"b\")", "sort_by(type)", "group_by(type) | length",
  "unique_by(length?)", "min_by(length?)", "any", "all", "del(.[0]?)", "del(.a?)", "getpath([\"a\", 0])",
  "[limit(2; .[]?)]", "first(.[]?)", "[limit(5; range(length?))]", "reduce .[]? as $x (0; . + ($x | length?))", "todate",
  "gmtime", "fromdate", "ltrimstr(\"a\")", "startswith(\"a\")", "utf8bytelength", "tojson | fromjson",
  "to_entries | from_entries", "if . then 1 elif . == false then 2 else 3 end", ". // \"d\"", ". as [$a] | $a",
  ". as {a: $x} | $x", "[.[]? // 0]", "{a: ., b: type}", "{(tostring? // \"k\"): 1}", "[.. | numbers] | add",
  ".[\"a\\\"b\"]", ".[\"a\\u0000b\"]", "try .[\"q\\\"\"] catch .", "try error(\"a\\u0000b\") catch .",
];
