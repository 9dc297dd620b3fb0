import type { Json } from "../engine";
import type { Node, Pattern } from "./ast";
import { each } from "./builtins/helpers";
import { BUILTINS } from "./builtins/index";
import {
  alt,
  array,
  binary,
  comma,
  guarded,
  indexStep,
  iterate,
  logic,
  map1,
  pipe,
  recurseDefault,
  tryCatch,
} from "./combinators";
import {
  type Builtin,
  type BuiltinContext,
  Closure,
  type Compiled,
  type Env,
  fromFn,
  fromGen,
  type Gen,
  isClosure,
  isTruthy,
  type PathGen,
} from "./compiled-types";
import { index, slice } from "./runtime/access";
import { add, divide, modulo, multiply, negate, subtract } from "./runtime/arithmetic";
import { applyFormat } from "./runtime/formats";
import { type JsonObject, setField } from "./runtime/objects";
import { compare, equals } from "./runtime/order";
import { jqError } from "./runtime/signals";
import { describeValue, toText } from "./runtime/text";
import { Unsupported } from "./unsupported";

interface FuncDef {
  compiled: Compiled | null;
  readonly depth: number;
}

type Scope =
  | { kind: "var"; name: string; parent: Scope }
  | { kind: "param"; name: string; parent: Scope }
  | { kind: "func"; name: string; arity: number; def: FuncDef; parent: Scope }
  | null;

export interface CompilerOptions {
  context: BuiltinContext;
  /** Replaces builtins by name/arity (`ascii_downcase/0`): how tests break one on purpose to see shadow checks catch it. */
  builtinOverrides?: Readonly<Record<string, Builtin>>;
}

/**
 * Compiles a syntax tree into closures: each node becomes a generator (every output, in jq's order, through a
 * callback), plus a direct function when it always has exactly one output, plus a path form where jq allows one.
 *
 * @throws Unsupported for a construct (or a builtin) outside the compiled subset
 */
export function compileNode(node: Node, options: CompilerOptions): Compiled {
  return new Compiler(options).compile(node, null);
}

function depthOf(scope: Scope): number {
  let n = 0;
  for (let s = scope; s !== null; s = s.parent) if (s.kind !== "func") n++;
  return n;
}

function up(env: Env, hops: number): Env {
  let e = env;
  for (let i = 0; i < hops && e !== null; i++) e = e.next;
  return e;
}

function binaryOp(op: string): (a: Json, b: Json) => Json {
  switch (op) {
    case "+":
      return add;
    case "-":
      return subtract;
    case "*":
      return multiply;
    case "/":
      return divide;
    case "%":
      return modulo;
    case "==":
      return (a, b) => equals(a, b);
    case "!=":
      return (a, b) => !equals(a, b);
    case "<":
      return (a, b) => compare(a, b) < 0;
    case "<=":
      return (a, b) => compare(a, b) <= 0;
    case ">":
      return (a, b) => compare(a, b) > 0;
    case ">=":
      return (a, b) => compare(a, b) >= 0;
    default:
      throw new Unsupported(`operator ${op}`);
  }
}

class Compiler {
  constructor(readonly options: CompilerOptions) {}

  compile(node: Node, scope: Scope): Compiled {
    switch (node.kind) {
      case "identity":
        return fromFn(
          (x) => x,
          (x, p, _e, emit) => emit(x, p),
        );
      case "recurse-default":
        return recurseDefault();
      case "literal": {
        const value = node.value;
        return { ...fromFn(() => value), constant: value };
      }
      case "string":
        return this.#string(node.format, node.parts, scope);
      case "format": {
        const format = node.format;
        return fromFn((x) => applyFormat(format, x));
      }
      case "field":
      case "index":
        return indexStep(
          this.compile(node.target, scope),
          this.compile(node.kind === "field" ? node.name : node.index, scope),
          node.optional === true,
        );
      case "slice":
        return this.#slice(node, scope);
      case "iterate":
        return iterate(this.compile(node.target, scope), node.optional === true);
      case "try":
        return tryCatch(
          this.compile(node.body, scope),
          node.handler === null ? null : this.compile(node.handler, scope),
        );
      case "pipe":
        return pipe(this.compile(node.left, scope), this.compile(node.right, scope));
      case "comma":
        return comma(this.compile(node.left, scope), this.compile(node.right, scope));
      case "alt":
        return alt(this.compile(node.left, scope), this.compile(node.right, scope));
      case "and":
      case "or":
        return logic(node.kind, this.compile(node.left, scope), this.compile(node.right, scope));
      case "binary":
        return binary(binaryOp(node.op), this.compile(node.left, scope), this.compile(node.right, scope));
      case "neg": {
        const operand = this.compile(node.operand, scope);
        return map1(operand, negate);
      }
      case "array":
        return array(node.body === null ? null : this.compile(node.body, scope));
      case "object":
        return this.#object(node, scope);
      case "if":
        return this.#if(node, scope);
      case "bind":
        return this.#bind(node.source, node.patterns, node.body, scope);
      case "reduce":
      case "foreach":
        return this.#fold(node, scope);
      case "var":
        return this.#var(node.name, scope);
      case "call":
        return this.#call(node.name, node.args, scope);
      case "def":
        return this.#def(node, scope);
    }
  }

  #slice(node: Extract<Node, { kind: "slice" }>, scope: Scope): Compiled {
    const optional = node.optional === true;
    const target = this.compile(node.target, scope);
    const from = node.from === null ? null : this.compile(node.from, scope);
    const to = node.to === null ? null : this.compile(node.to, scope);
    const withBounds = (x: Json, env: Env, cb: (f: Json, t: Json) => void): void => {
      const withTo = (f: Json): void => (to === null ? cb(f, null) : each(to, x, env, (t) => cb(f, t)));
      if (from === null) withTo(null);
      else each(from, x, env, withTo);
    };
    const tpath = target.path;
    const path: PathGen | null =
      tpath === null
        ? null
        : (x, p, env, emit) =>
            withBounds(x, env, (f, t) =>
              tpath(x, p, env, (v, vp) =>
                guarded(
                  optional,
                  () => slice(v, f, t),
                  (r) => emit(r, [...vp, { start: f, end: t }]),
                ),
              ),
            );
    const tfn = target.fn;
    if (tfn !== null && !optional && (from === null || from.fn !== null) && (to === null || to.fn !== null)) {
      const ffn = from?.fn ?? null;
      const tofn = to?.fn ?? null;
      return fromFn(
        (x, env) => slice(tfn(x, env), ffn === null ? null : ffn(x, env), tofn === null ? null : tofn(x, env)),
        path,
      );
    }
    return fromGen(
      (x, env, emit) =>
        withBounds(x, env, (f, t) => each(target, x, env, (v) => guarded(optional, () => slice(v, f, t), emit))),
      path,
    );
  }

  #object(node: Extract<Node, { kind: "object" }>, scope: Scope): Compiled {
    const entries = node.entries.map((entry) =>
      entry.kind === "short"
        ? { key: fromFn(() => entry.key) as Compiled, value: this.compile(entry.value, scope) }
        : { key: this.compile(entry.key, scope), value: this.compile(entry.value, scope) },
    );
    const insert = (object: JsonObject, k: Json, v: Json): void => {
      if (typeof k !== "string") throw jqError(`Cannot use ${describeValue(k)} as object key`);
      setField(object, k, v);
    };
    if (entries.every((e) => e.key.fn !== null && e.value.fn !== null)) {
      const fns = entries.map((e) => ({ key: e.key.fn ?? (() => null), value: e.value.fn ?? (() => null) }));
      return fromFn((x, env) => {
        const object: JsonObject = {};
        for (const e of fns) {
          const k = e.key(x, env);
          insert(object, k, e.value(x, env));
        }
        return object;
      });
    }
    // The first entry is the outer loop; within an entry the key is evaluated before the value.
    return fromGen((x, env, emit) => {
      const keys: Json[] = [];
      const values: Json[] = [];
      const step = (i: number): void => {
        const entry = entries[i];
        if (entry === undefined) {
          const object: JsonObject = {};
          for (let j = 0; j < keys.length; j++) insert(object, keys[j] ?? null, values[j] ?? null);
          emit(object);
          return;
        }
        each(entry.key, x, env, (k) => {
          each(entry.value, x, env, (v) => {
            keys[i] = k;
            values[i] = v;
            step(i + 1);
          });
        });
      };
      step(0);
    });
  }

  #if(node: Extract<Node, { kind: "if" }>, scope: Scope): Compiled {
    const cond = this.compile(node.cond, scope);
    const then = this.compile(node.then, scope);
    const otherwise: Compiled =
      node.elifs.length > 0
        ? this.#if(
            {
              kind: "if",
              cond: node.elifs[0]?.cond ?? node.cond,
              then: node.elifs[0]?.then ?? node.then,
              elifs: node.elifs.slice(1),
              else: node.else,
            },
            scope,
          )
        : node.else === null
          ? this.compile({ kind: "identity" }, scope)
          : this.compile(node.else, scope);
    const tpath = then.path;
    const opath = otherwise.path;
    const path: PathGen | null =
      tpath === null || opath === null
        ? null
        : (x, p, env, emit) =>
            each(cond, x, env, (c) => (isTruthy(c) ? tpath(x, p, env, emit) : opath(x, p, env, emit)));
    const cfn = cond.fn;
    const thfn = then.fn;
    const ofn = otherwise.fn;
    if (cfn !== null && thfn !== null && ofn !== null) {
      return fromFn((x, env) => (isTruthy(cfn(x, env)) ? thfn(x, env) : ofn(x, env)), path);
    }
    return fromGen(
      (x, env, emit) => each(cond, x, env, (c) => each(isTruthy(c) ? then : otherwise, x, env, emit)),
      path,
    );
  }

  #bind(sourceNode: Node, pattern: Pattern, bodyNode: Node, scope: Scope): Compiled {
    const source = this.compile(sourceNode, scope);
    const { binder, scope: inner } = this.#pattern(pattern, scope);
    const body = this.compile(bodyNode, inner);
    const bfn = body.fn;
    const sfn = source.fn;
    const bpath = body.path;
    const path: PathGen | null =
      bpath === null ? null : (x, p, env, emit) => each(source, x, env, (v) => bpath(x, p, binder(v, env), emit));
    if (sfn !== null && bfn !== null) return fromFn((x, env) => bfn(x, binder(sfn(x, env), env)), path);
    return fromGen((x, env, emit) => each(source, x, env, (v) => each(body, x, binder(v, env), emit)), path);
  }

  /** Destructuring: a function that pushes the pattern's variables (in order of appearance) onto the environment. */
  #pattern(pattern: Pattern, scope: Scope): { binder: (value: Json, env: Env) => Env; scope: Scope } {
    if (pattern.kind === "var") {
      return {
        binder: (value, env) => ({ slot: value, next: env }),
        scope: { kind: "var", name: pattern.name, parent: scope },
      };
    }
    const steps: { extract: (value: Json) => Json; bind: (value: Json, env: Env) => Env }[] = [];
    let current = scope;
    if (pattern.kind === "array") {
      pattern.items.forEach((item, i) => {
        const inner = this.#pattern(item, current);
        current = inner.scope;
        steps.push({ extract: (v) => index(v, i), bind: inner.binder });
      });
    } else {
      for (const entry of pattern.entries) {
        if (entry.kind === "var") {
          const name = entry.name;
          current = { kind: "var", name, parent: current };
          steps.push({ extract: (v) => index(v, name), bind: (v, env) => ({ slot: v, next: env }) });
          if (entry.pattern !== null) {
            const inner = this.#pattern(entry.pattern, current);
            current = inner.scope;
            steps.push({ extract: (v) => index(v, name), bind: inner.binder });
          }
        } else {
          const key = entry.key;
          if (key.kind !== "literal" && !(key.kind === "string" && key.parts.every((p) => p.kind === "text"))) {
            throw new Unsupported("computed key in an object pattern");
          }
          const name =
            key.kind === "literal" ? key.value : key.parts.map((p) => (p.kind === "text" ? p.text : "")).join("");
          if (typeof name !== "string") throw new Unsupported("non-string key in an object pattern");
          const inner = this.#pattern(entry.pattern, current);
          current = inner.scope;
          steps.push({ extract: (v) => index(v, name), bind: inner.binder });
        }
      }
    }
    return {
      binder: (value, env) => {
        let e = env;
        for (const step of steps) e = step.bind(step.extract(value), e);
        return e;
      },
      scope: current,
    };
  }

  #fold(node: Extract<Node, { kind: "reduce" | "foreach" }>, scope: Scope): Compiled {
    const source = this.compile(node.source, scope);
    const init = this.compile(node.init, scope);
    const { binder, scope: inner } = this.#pattern(node.pattern, scope);
    const update = this.compile(node.update, inner);
    if (node.kind === "reduce") {
      const ufn = update.fn;
      const reduce = (x: Json, env: Env, start: Json): Json => {
        let acc = start;
        each(source, x, env, (item) => {
          const e = binder(item, env);
          if (ufn !== null) {
            acc = ufn(acc, e);
            return;
          }
          // jq 1.7.1: the state becomes the update's last output, or null when it has none.
          let last: Json = null;
          update.gen(acc, e, (v) => {
            last = v;
          });
          acc = last;
        });
        return acc;
      };
      const ifn = init.fn;
      if (ifn !== null) return fromFn((x, env) => reduce(x, env, ifn(x, env)));
      return fromGen((x, env, emit) => init.gen(x, env, (start) => emit(reduce(x, env, start))));
    }
    const extract = node.extract === null ? null : this.compile(node.extract, inner);
    return fromGen((x, env, emit) =>
      each(init, x, env, (start) => {
        let state = start;
        each(source, x, env, (item) => {
          const e = binder(item, env);
          each(update, state, e, (u) => {
            state = u;
            if (extract === null) emit(u);
            else each(extract, u, e, emit);
          });
        });
      }),
    );
  }

  #var(name: string, scope: Scope): Compiled {
    let hops = 0;
    for (let s = scope; s !== null; s = s.parent) {
      if (s.kind === "var" && s.name === name) {
        const n = hops;
        const fn = (_x: Json, env: Env): Json => {
          const slot = up(env, n)?.slot ?? null;
          return isClosure(slot) ? null : slot;
        };
        return fromFn(fn);
      }
      if (s.kind !== "func") hops++;
    }
    throw new Unsupported(`$${name} is not defined`);
  }

  #call(name: string, argNodes: readonly Node[], scope: Scope): Compiled {
    const arity = argNodes.length;
    let hops = 0;
    for (let s = scope; s !== null; s = s.parent) {
      if (s.kind === "param" && s.name === name && arity === 0) {
        const n = hops;
        return fromGen((x, env, emit) => {
          const slot = up(env, n)?.slot ?? null;
          if (!isClosure(slot)) throw new Unsupported("a filter parameter that is not a closure");
          slot.gen(x, slot.env, emit);
        });
      }
      if (s.kind === "func" && s.name === name && s.arity === arity) return this.#callUser(s.def, argNodes, scope);
      if (s.kind !== "func") hops++;
    }
    const key = `${name}/${arity}`;
    const builtin = this.options.builtinOverrides?.[key] ?? BUILTINS[key];
    if (builtin === undefined) throw new Unsupported(`builtin ${key}`);
    return builtin(
      argNodes.map((a) => this.compile(a, scope)),
      this.options.context,
    );
  }

  #callUser(def: FuncDef, argNodes: readonly Node[], scope: Scope): Compiled {
    const args = argNodes.map((a) => this.compile(a, scope));
    const hops = depthOf(scope) - def.depth;
    const gen: Gen = (x, env, emit) => {
      let callEnv = up(env, hops);
      for (const arg of args) callEnv = { slot: new Closure(arg.gen, env), next: callEnv };
      const body = def.compiled;
      if (body === null) throw new Unsupported("function called before its body was compiled");
      body.gen(x, callEnv, emit);
    };
    return fromGen(gen);
  }

  #def(node: Extract<Node, { kind: "def" }>, scope: Scope): Compiled {
    const def: FuncDef = { compiled: null, depth: depthOf(scope) };
    const withFunc: Scope = { kind: "func", name: node.name, arity: node.params.length, def, parent: scope };
    let bodyScope: Scope = withFunc;
    for (const param of node.params) {
      bodyScope = { kind: "param", name: param.startsWith("$") ? param.slice(1) : param, parent: bodyScope };
    }
    // `def f($a): body` is `def f(a): a as $a | body`.
    let body = node.body;
    for (const param of [...node.params].reverse()) {
      if (param.startsWith("$")) {
        const name = param.slice(1);
        body = { kind: "bind", source: { kind: "call", name, args: [] }, patterns: { kind: "var", name }, body };
      }
    }
    def.compiled = this.compile(body, bodyScope);
    return this.compile(node.rest, withFunc);
  }

  #string(
    format: Parameters<typeof applyFormat>[0] | null,
    parts: Extract<Node, { kind: "string" }>["parts"],
    scope: Scope,
  ): Compiled {
    const compiled = parts.map((part) => (part.kind === "text" ? part.text : this.compile(part.expr, scope)));
    const render = (v: Json): string => (format === null ? toText(v) : toText(applyFormat(format, v)));
    if (compiled.every((p) => typeof p === "string")) {
      const text = compiled.join("");
      return { ...fromFn(() => text), constant: text };
    }
    if (compiled.every((p) => typeof p === "string" || p.fn !== null)) {
      // jq evaluates the last interpolation first (it is the outer loop), which decides whose error shows.
      return fromFn((x, env) => {
        let out = "";
        for (let i = compiled.length - 1; i >= 0; i--) {
          const p = compiled[i] ?? "";
          out = (typeof p === "string" ? p : render(p.fn === null ? null : p.fn(x, env))) + out;
        }
        return out;
      });
    }
    // The last interpolation is the outer loop: `"\(1,2) \(3,4)"` gives "1 3", "2 3", "1 4", "2 4".
    return fromGen((x, env, emit) => {
      const pieces: string[] = new Array<string>(compiled.length).fill("");
      const step = (i: number): void => {
        if (i < 0) {
          emit(pieces.join(""));
          return;
        }
        const p = compiled[i];
        if (typeof p === "string" || p === undefined) {
          pieces[i] = p ?? "";
          step(i - 1);
          return;
        }
        each(p, x, env, (v) => {
          pieces[i] = render(v);
          step(i - 1);
        });
      };
      step(compiled.length - 1);
    });
  }
}
