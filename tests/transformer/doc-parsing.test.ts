/**
 * `tsc`/`tspc` skip a .ts file's JSDoc (TypeScript >= 5.3); the transformer parses the doc
 * comments it reads on demand. A build whose compiler parsed none, or only what type errors
 * need, must emit exactly what a build with every comment parsed emits: docs from other files,
 * docs inherited from base members in other files, `@param` docs, keyword tags, `@check`s, the
 * constraint-fallback tag of generic helpers, and JSDoc on the statement of an arrow stub.
 */
import * as ts from "typescript";
import { compile } from "../helpers/compile";

jest.setTimeout(60_000);

const FILES = {
  "src/base.ts": `/** Something with a name. */
export interface Named {
  /** The full name, as written on documents. */
  name: string;
}

export class Animal {
  /**
   * How many legs it walks on.
   * @minimum 0
   */
  legs = 4;
  /** Where it sleeps. @see https://example.org/beds */
  bed = "";
}

export class Toy {
  /** Its colour, as the box names it. */
  colour = "";
}
`,
  "src/pets.ts": `import { stub } from "llm-strategy";
import { Animal, Toy, type Named } from "./base";

/** A pet at home. */
export interface Pet extends Named {
  /** Its species, in English. */
  species: string;
  name: string;
}

export class Dog extends Animal {
  legs = 4;
  /** Whether it is a good dog (it is). */
  good = true;
}

/**
 * Invent pets for a story.
 * @param count How many pets
 * @minimum 1
 * @check value.length === count -- as many pets as asked for
 */
export const invent = (count: number): Promise<Pet[]> => stub();

/** A dog that suits the family. */
export function adopt(family: string): Promise<Dog> { return stub(); }

export class Ball extends Toy {
  constructor(public colour: string) { super(); }
}

/** A ball the dog will fetch. */
export function ball(dog: string): Promise<Ball> { return stub(); }

/**
 * The item of a list that fits best.
 * @llmConstraintFallback
 */
export function pick<T>(items: T[]): Promise<T> { return stub(); }
`,
};

function build(jsDocParsingMode?: ts.JSDocParsingMode) {
  const name = jsDocParsingMode === undefined ? "default" : ts.JSDocParsingMode[jsDocParsingMode];
  const compiled = compile({ files: FILES, project: `doc-parsing-${name}`, ...(jsDocParsingMode === undefined ? {} : { jsDocParsingMode }) });
  expect(compiled.compilerErrors).toEqual([]);
  expect(compiled.diagnostics).toEqual([]);
  return compiled.js("src/pets.ts");
}

let parsedByCompiler: string;
beforeAll(() => {
  parsedByCompiler = build();
});

test("with every comment parsed by the compiler, the specs carry every doc the sources hold", () => {
  for (const doc of [
    "A pet at home.",
    "Its species, in English.",
    // inherited by Pet.name, redeclared without a doc, from Named in another file
    "The full name, as written on documents.",
    // inherited by Dog.legs from Animal, with its keyword
    "How many legs it walks on.",
    "minimum: 0",
    "Where it sleeps.",
    "Whether it is a good dog (it is).",
    "Invent pets for a story.",
    "How many pets",
    "minimum: 1",
    "as many pets as asked for",
    "A dog that suits the family.",
    // inherited by the parameter property Ball.colour from Toy
    "Its colour, as the box names it.",
    "The item of a list that fits best.",
  ]) {
    expect({ doc, found: parsedByCompiler.includes(doc) }).toEqual({ doc, found: true });
  }
});

test.each(["ParseForTypeErrors", "ParseNone", "ParseForTypeInfo"] as const)("a compiler that skipped JSDoc (%s) gives the same JavaScript", (mode) => {
  expect(build(ts.JSDocParsingMode[mode])).toBe(parsedByCompiler);
});
