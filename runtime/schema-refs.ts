import type { JsonSchema } from "./spec";

/**
 * The definitions `root` reaches through `$ref`s, directly or through other definitions, in
 * the order first reached. `nameOf` reads a definition's name from a `$ref` (`undefined`: not
 * a reference into `definitions`).
 */
export function reachableDefinitions(
  root: JsonSchema,
  definitions: { [name: string]: JsonSchema },
  nameOf: (ref: string) => string | undefined,
): { [name: string]: JsonSchema } {
  const reached: { [name: string]: JsonSchema } = {};
  const visit = (node: unknown): void => {
    if (typeof node !== "object" || node === null) return;
    if (Array.isArray(node)) return node.forEach(visit);
    for (const [key, value] of Object.entries(node)) {
      if (key === "$ref" && typeof value === "string") {
        const name = nameOf(value);
        if (name !== undefined && !(name in reached) && definitions[name]) {
          reached[name] = definitions[name];
          visit(definitions[name]);
        }
      } else visit(value);
    }
  };
  visit(root);
  return reached;
}
