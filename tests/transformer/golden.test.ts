/**
 * Golden emitted JavaScript: a few representative fixtures compiled through the real compiler
 * with the plugin (and the real analyser), compared byte for byte with the checked-in files under
 * `tests/transformer/golden/<fixture>/`. They make every change to what the transformer writes
 * visible in review, as a diff of the expected files.
 *
 * When a change to the transformer or the analyser changes the output on purpose, write the
 * files again and review their diff like code before committing it:
 *
 *     LLM_STRATEGY_UPDATE_GOLDEN=1 npx jest tests/transformer/golden.test.ts
 *     git diff tests/transformer/golden/
 *
 * What to look for in the diff: specs stay at module scope (one per declaration or call site),
 * named schemas once per file, classes referred to through thunks, and the runtime import kept in
 * CommonJS and ESM alike. A change in a hash follows any change in a template or schema.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { compile, type CompileRequest } from "../helpers/compile";

// Each fixture builds a Program with the runtime's types: seconds on a loaded machine.
jest.setTimeout(60_000);

const GOLDEN = path.join(__dirname, "golden");
const UPDATE = process.env["LLM_STRATEGY_UPDATE_GOLDEN"] === "1";

interface Fixture {
  files: Record<string, string>;
  compilerOptions?: CompileRequest["compilerOptions"];
  /** The source files whose emitted JavaScript is compared. */
  compared: string[];
}

const CUSTOMER = `import { llmStrategy, scriptedModel, stub } from "llm-strategy";

/** A customer of ours. */
@llmStrategy(scriptedModel([]))
export class Customer {
  firstName = "";
  /** Date of birth, ISO 8601 (YYYY-MM-DD). */
  birthdate = "";
  private pin = "";

  /** The customer's age in 2022, from \`birthdate\`. */
  get age(): Promise<number> { return stub(); }

  /** Create mock customers with believable data. */
  static createMockCustomers(count = 1): Promise<Customer[]> { return stub(); }
}

/** A customer who spends more. */
export class VipCustomer extends Customer {
  /** Their favourite products. @minItems 1 */
  favourites: string[] = [];

  /**
   * A gift that suits the customer.
   * @param budget In euros
   * @minimum 1
   */
  suggestGift(budget: number): Promise<string> { return stub(); }
}
`;

const WINE = `import { implement } from "llm-strategy";

/** A sommelier at a French restaurant. */
export interface WineExpert {
  /**
   * A wine that goes with the dish.
   * @param dish As the menu names it
   */
  pairWine(dish: string): Promise<string>;
  /** Grapes of a wine, most important first. */
  grapes(wine: string): Promise<string[]>;
}

export const expert = implement<WineExpert>();
`;

const FIXTURES: Record<string, Fixture> = {
  // Getter, static and inherited stubs, a decorated class (referred to through a thunk), a hidden field.
  "class-stubs-cjs": { files: { "src/customer.ts": CUSTOMER }, compared: ["src/customer.ts"] },
  // A generic stub specialised at a call site in another file.
  "generic-call-site-cjs": {
    files: {
      "src/extract.ts": `import { stub } from "llm-strategy";

/**
 * Extract the details the return type describes from an email.
 * @param email The email, headers and body
 */
export function extract<T>(email: string): Promise<T> { return stub(); }
`,
      "src/main.ts": `import { extract } from "./extract";

/** Someone to get back to. */
export interface Contact { name: string; phone?: string }

export const contactOf = (email: string) => extract<Contact>(email);
`,
    },
    compared: ["src/extract.ts", "src/main.ts"],
  },
  "implement-cjs": { files: { "src/wine.ts": WINE }, compared: ["src/wine.ts"] },
  // An ES module whose every use of the runtime is rewritten (an arrow stub, \`implement<I>()\`):
  // the runtime is still imported, by an \`import\` and not a \`require\`.
  "arrow-and-implement-esm": {
    files: {
      "src/words.ts": `import { implement, stub } from "llm-strategy";

/** Translate the text into the language. */
export const translate = (text: string, language: string): Promise<string> => stub();

/** A poet who writes in English. */
export interface Poet {
  /** A haiku about the topic. */
  haiku(topic: string): Promise<string>;
}

export const poet = implement<Poet>();
`,
    },
    compilerOptions: { module: ts.ModuleKind.ES2022 },
    compared: ["src/words.ts"],
  },
};

describe.each(Object.keys(FIXTURES))("%s", (name) => {
  const fixture = FIXTURES[name]!;
  const result = (jsDocParsingMode?: ts.JSDocParsingMode) => {
    // Without esModuleInterop's import helpers, each file shows the transformer's work and little else.
    const compilerOptions = { sourceMap: false, declaration: false, esModuleInterop: false, ...fixture.compilerOptions };
    const mode = jsDocParsingMode === undefined ? "" : `-${ts.JSDocParsingMode[jsDocParsingMode]}`;
    const compiled = compile({ files: fixture.files, compilerOptions, project: `golden-${name}${mode}`, ...(jsDocParsingMode === undefined ? {} : { jsDocParsingMode }) });
    expect(compiled.compilerErrors).toEqual([]);
    expect(compiled.diagnostics).toEqual([]);
    return compiled;
  };
  const expectGolden = (compiled: ReturnType<typeof result>) => {
    for (const source of fixture.compared) {
      const emitted = compiled.js(source);
      const file = path.join(GOLDEN, name, source.replace(/\.ts$/, ".js"));
      if (UPDATE) {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, emitted);
      }
      expect({ file: path.relative(GOLDEN, file), emitted }).toEqual({ file: path.relative(GOLDEN, file), emitted: fs.readFileSync(file, "utf8") });
    }
  };

  test("emits the checked-in JavaScript, byte for byte", () => {
    expectGolden(result());
  });

  // tsc skips a .ts file's JSDoc (TypeScript >= 5.3); the transformer parses the docs it reads itself.
  test.each(["ParseForTypeErrors", "ParseNone"] as const)("the same JavaScript when the compiler skipped JSDoc (%s)", (mode) => {
    if (UPDATE) return;
    expectGolden(result(ts.JSDocParsingMode[mode]));
  });
});
