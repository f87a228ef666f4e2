import type Ajv from "ajv";
import type { ValidateFunction } from "ajv";
import { ConfigurationError } from "./errors";
import type { JsonSchema } from "./spec";

const instances: { all?: Ajv; first?: Ajv } = {};

/**
 * The runtime's two ajv instances, loaded at the first validation rather than at import
 * (importing ajv costs tens of milliseconds a process that never calls a stub need not pay).
 * `first` stops at the first error: it decides whether a reply is valid, in time that does
 * not grow with the number of errors. `all` collects every error (with the data and schema
 * each is about) to describe them, and only runs on values already known to be invalid.
 */
function ajv(mode: "all" | "first"): Ajv {
  let instance = instances[mode];
  if (!instance) {
    const { default: AjvClass } = require("ajv") as typeof import("ajv");
    const { default: addFormats } = require("ajv-formats") as typeof import("ajv-formats");
    instance = instances[mode] = new AjvClass({
      allErrors: mode === "all",
      verbose: mode === "all",
      // Schemas carry annotations (description, examples) and maybe formats ajv-formats does not
      // know: ignored, rather than failing every call.
      strict: false,
      logger: false,
      // The transformer wrote these schemas; checking them against the meta-schema first would
      // compile the meta-schema's own validator, most of a cold process's first-call cost.
      validateSchema: false,
      // ajv's optimising pass over generated code costs more than it saves here: without it a
      // 200-type chain compiles ~2-3x faster, and validation stays at ~0.1 us for a typical reply.
      code: { optimize: false },
    });
    addFormats(instance);
  }
  return instance;
}

/**
 * Compiles `schema`; a schema that does not compile is a damaged or mismatched build, not a
 * model failure, so it is a `ConfigurationError` naming the stub.
 * @param mode `"first"`: stop at the first error (deciding); `"all"`: every error, verbose (describing).
 */
export function compileSchema(schema: JsonSchema, stub: string, mode: "all" | "first" = "all"): ValidateFunction {
  try {
    return ajv(mode).compile(schema);
  } catch (error) {
    throw new ConfigurationError(
      `${stub}: its reply schema does not compile (${(error as Error).message}). ` +
        `The build output is damaged or was made by another llm-strategy version: rebuild with tspc from clean.`,
      { cause: error, stub },
    );
  }
}
