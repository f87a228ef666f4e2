import Ajv, { type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import type { CallSpec, JsonSchema, Revival, RevivalPlan } from "./spec";

/**
 * Turns a validated reply value into typed values, following the spec's revival plan:
 * class instances (prototype set, own fields defined, constructor NOT run: it may need
 * arguments the model cannot give) and Dates. Mutates and returns the freshly parsed value.
 */
export function revive(spec: CallSpec, value: unknown): unknown {
  const plan = spec.revive;
  if (!plan) return value;
  return reviveWith(plan.value, value, plan, spec.definitions);
}

function reviveWith(revival: Revival, value: unknown, plan: RevivalPlan, definitions: JsonSchema): unknown {
  if (value === null || value === undefined) return value;
  switch (revival.kind) {
    case "date":
      return typeof value === "string" ? new Date(value) : value;
    case "class": {
      if (!isPlainObject(value)) return value;
      const instance = Object.create(revival.class().prototype as object) as Record<string, unknown>;
      for (const key of Object.keys(value)) {
        // Define, not assign: like class fields, and safe when the prototype has an accessor of that name.
        Object.defineProperty(instance, key, { value: value[key], writable: true, enumerable: true, configurable: true });
      }
      if (revival.props) reviveProps(revival.props, instance, plan, definitions);
      return instance;
    }
    case "object":
      if (isPlainObject(value)) reviveProps(revival.props, value, plan, definitions);
      return value;
    case "array":
      if (Array.isArray(value)) for (let index = 0; index < value.length; index++) value[index] = reviveWith(revival.items, value[index], plan, definitions);
      return value;
    case "tuple":
      if (Array.isArray(value)) {
        revival.items.forEach((item, index) => {
          if (item && index < value.length) value[index] = reviveWith(item, value[index], plan, definitions);
        });
      }
      return value;
    case "record":
      if (isPlainObject(value)) for (const key of Object.keys(value)) value[key] = reviveWith(revival.values, value[key], plan, definitions);
      return value;
    case "ref": {
      const named = plan.definitions?.[revival.name];
      return named ? reviveWith(named, value, plan, definitions) : value;
    }
    case "union":
      for (const option of revival.options) {
        if (matcher(option.match, definitions)(value)) return reviveWith(option.revive, value, plan, definitions);
      }
      return value;
  }
}

function reviveProps(props: { [property: string]: Revival }, target: Record<string, unknown>, plan: RevivalPlan, definitions: JsonSchema): void {
  for (const key of Object.keys(props)) {
    if (key in target) target[key] = reviveWith(props[key]!, target[key], plan, definitions);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// Matchers only decide which union member a valid value is: no error details needed.
let matcherAjv: Ajv | undefined;
const matchers = new WeakMap<JsonSchema, WeakMap<JsonSchema, ValidateFunction>>();

function matcher(match: JsonSchema, definitions: JsonSchema): ValidateFunction {
  let byDefinitions = matchers.get(match);
  if (!byDefinitions) matchers.set(match, (byDefinitions = new WeakMap()));
  let validate = byDefinitions.get(definitions);
  if (!validate) {
    if (!matcherAjv) {
      matcherAjv = new Ajv({ strict: false, logger: false });
      addFormats(matcherAjv);
    }
    validate = matcherAjv.compile({ ...match, definitions });
    byDefinitions.set(definitions, validate);
  }
  return validate;
}
