import type { ValidateFunction } from "ajv";
import { compileSchema } from "./ajv";
import { RESERVED_KEYS } from "./error-lines";
import type { CallSpec, JsonSchema, Revival, RevivalPlan } from "./spec";

/**
 * Turns a validated reply value into typed values, following the spec's revival plan:
 * class instances (prototype set, own fields defined, constructor NOT run: it may need
 * arguments the model cannot give) and Dates. Mutates and returns the freshly parsed value.
 */
export function revive(spec: CallSpec, value: unknown): unknown {
  const plan = spec.revive;
  if (!plan) return value;
  return reviveWith(plan.value, value, { plan, definitions: spec.definitions, stub: spec.id });
}

/** What every step of one revival needs. */
interface Context {
  plan: RevivalPlan;
  definitions: JsonSchema;
  stub: string;
}

function reviveWith(revival: Revival, value: unknown, context: Context): unknown {
  if (value === null || value === undefined) return value;
  switch (revival.kind) {
    case "date":
      return typeof value === "string" ? new Date(value) : value;
    case "class": {
      if (!isPlainObject(value)) return value;
      const prototype = revival.class().prototype as object;
      const accessors = accessorNames(prototype);
      const instance = Object.create(prototype) as Record<string, unknown>;
      for (const key of Object.keys(value)) {
        // Assigning would run (or fail on) an accessor the prototype has under that name, or
        // swap the instance's prototype (`__proto__`): define such keys, as class fields do.
        // Plain assignment elsewhere is much faster.
        if (accessors.has(key) || RESERVED.has(key)) defineOwn(instance, key, value[key]);
        else instance[key] = value[key];
      }
      if (revival.props) reviveProps(revival.props, instance, context);
      return instance;
    }
    case "object":
      if (isPlainObject(value)) reviveProps(revival.props, value, context);
      return value;
    case "array":
      if (Array.isArray(value)) for (let index = 0; index < value.length; index++) value[index] = reviveWith(revival.items, value[index], context);
      return value;
    case "tuple":
      if (Array.isArray(value)) {
        revival.items.forEach((item, index) => {
          if (item && index < value.length) value[index] = reviveWith(item, value[index], context);
        });
      }
      return value;
    case "record":
      // Validation refuses the reserved keys in records; should one get here, it is defined, never assigned.
      if (isPlainObject(value)) for (const key of Object.keys(value)) setOwn(value, key, reviveWith(revival.values, value[key], context));
      return value;
    case "ref": {
      const named = context.plan.definitions?.[revival.name];
      return named ? reviveWith(named, value, context) : value;
    }
    case "union":
      for (const option of revival.options) {
        if (matcher(option.match, context)(value)) return reviveWith(option.revive, value, context);
      }
      return value;
  }
}

function reviveProps(props: { [property: string]: Revival }, target: Record<string, unknown>, context: Context): void {
  for (const key of Object.keys(props)) {
    if (Object.prototype.hasOwnProperty.call(target, key)) setOwn(target, key, reviveWith(props[key]!, target[key], context));
  }
}

/**
 * Keys whose assignment would do more than store a value: `__proto__` swaps the prototype.
 * (`constructor` and `prototype` only shadow, but are kept as data the same way.)
 */
const RESERVED = new Set(RESERVED_KEYS);

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (RESERVED.has(key)) defineOwn(target, key, value);
  else target[key] = value;
}

function defineOwn(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

const accessorsByPrototype = new WeakMap<object, Set<string>>();

/** Names of getters/setters (and read-only properties) on a prototype chain, once per prototype. */
function accessorNames(prototype: object): Set<string> {
  let names = accessorsByPrototype.get(prototype);
  if (!names) {
    names = new Set();
    for (let proto: object | null = prototype; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
      for (const name of Object.getOwnPropertyNames(proto)) {
        const descriptor = Object.getOwnPropertyDescriptor(proto, name)!;
        if (descriptor.get || descriptor.set || !descriptor.writable) names.add(name);
      }
    }
    accessorsByPrototype.set(prototype, names);
  }
  return names;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const matchers = new WeakMap<JsonSchema, WeakMap<JsonSchema, ValidateFunction>>();

/** Decides which union member a (valid) value is; compiled once per match schema. */
function matcher(match: JsonSchema, { definitions, stub }: Context): ValidateFunction {
  let byDefinitions = matchers.get(match);
  if (!byDefinitions) matchers.set(match, (byDefinitions = new WeakMap()));
  let validate = byDefinitions.get(definitions);
  if (!validate) {
    validate = compileSchema({ ...match, definitions }, stub, "first");
    byDefinitions.set(definitions, validate);
  }
  return validate;
}
