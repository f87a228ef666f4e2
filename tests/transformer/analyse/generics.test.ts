/**
 * Generic stubs: the declaration's spec falls back to the constraints (any JSON when there is
 * none); each call site gets the instantiated types (the seed's suggest_next_optimization_step).
 */
import * as ts from "typescript";
import { createAnalyser } from "../../../transformer/analyse";
import type { AnalysedSpec, StubSite } from "../../../transformer/analyse/types";
import { createTestProgram, describeProblem, failed, ok, PROJECT_DIR, validator } from "./program";
import { findStubs } from "./stub-walker";

const OPTIMIZER = `
import { stub, type LanguageModel } from "llm-strategy";

/** The reflections on the task. */
export interface TaskReflection {
  /** Does the result satisfy the task? */
  feedback: string;
  evaluation: string;
}

/** The task run and the reflection on the experiment. */
export interface TaskInfo<P, R, H> {
  /** The task parameters. */
  taskParameters: P;
  /** The hyperparameters used for the task. We optimize these. */
  hyperparameters: H;
  /** The results of the task. (None for exceptions/failure.) */
  returnValue?: R | null;
  /** The reflection on the task. */
  reflection: TaskReflection;
}

/** The optimization information. */
export interface OptimizationInfo<P, R, H> {
  /** A summary of previous experiments. */
  olderTaskSummary?: string;
  /** The most recent tasks we have run and our reflections on them. */
  taskInfos: TaskInfo<P, R, H>[];
  /** The best hyperparameters we have found so far. */
  bestHyperparameters: H;
}

/** The next optimization steps. */
export interface OptimizationStep<P, R, H> {
  /** The best hyperparameters we have found so far given task_infos and history. */
  bestHyperparameters: H;
  /** The suggestions for the next experiments. */
  suggestion: string;
  /**
   * The task parameters we want to try next.
   * @minItems 1
   * @maxItems 4
   */
  taskParametersSuggestions: P[];
  /**
   * The hyperparameters we want to try next.
   * @minItems 1
   * @maxItems 2
   */
  hyperparameterSuggestions: H[];
}

export class LLMOptimizer {
  /** Suggest the next optimization step. */
  static suggestNextOptimizationStep<P, R, H extends object>(
    model: LanguageModel,
    info: OptimizationInfo<P, R, H>,
  ): Promise<OptimizationStep<P, R, H>> { return stub(); }
}

export interface Repository<T> {
  /** Find the items that match a query. */
  find(query: string): Promise<T[]>;
}

/** The name to give an item. */
export function rename<T extends { name: string }>(item: T, key: keyof T): Promise<T["name"]> { return stub(); }

/** Choose the best item. */
export function choose<T>(items: T[]): Promise<T> { return stub(); }

export class Box<T> {
  item!: T;
  /** Improve the item. */
  improve(): Promise<T> { return stub(); }
}
`;

const ESSAY = `
import { Box, LLMOptimizer, choose, type OptimizationInfo, type Repository } from "./optimizer";
import { implement, type LanguageModel } from "llm-strategy";

/** What the essay is about. */
export interface EssayParams {
  topic: string;
}
export interface Essay {
  text: string;
}
export interface EssayHyper {
  /** The prompt template. */
  prompt: string;
  temperature: number;
}

export async function step(model: LanguageModel, info: OptimizationInfo<EssayParams, Essay, EssayHyper>) {
  const inferred = await LLMOptimizer.suggestNextOptimizationStep(model, info);
  const explicit = await LLMOptimizer.suggestNextOptimizationStep<EssayParams, Essay, EssayHyper>(model, info);
  const box = new Box<Essay>();
  const better = await box.improve();
  return [inferred, explicit, better];
}

export const callbacks = choose([() => 1, () => 2]);
export const essays = implement<Repository<Essay>>();
export const broken = implement<Repository<() => void>>();
`;

const program = createTestProgram({ "optimizer.ts": OPTIMIZER, "essay.ts": ESSAY });
/** One analyser per file, as the transformer makes them. */
const fileAnalyser = () => createAnalyser({ ts, program: program.program, projectDir: PROJECT_DIR, warnings: true });
const sites = new Map<string, StubSite>(findStubs(program.file("optimizer.ts"), PROJECT_DIR).map((site) => [site.qualifiedName, site]));
const declarations = fileAnalyser();
const suggestSite = sites.get("LLMOptimizer.suggestNextOptimizationStep")!;

const callsOf = (name: string): ts.CallExpression[] => {
  const found: ts.CallExpression[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === name) found.push(node);
    ts.forEachChild(node, visit);
  };
  visit(program.file("essay.ts"));
  return found;
};
const callSites = fileAnalyser();
const [inferredCall, explicitCall] = callsOf("suggestNextOptimizationStep");
const atCall = (site: StubSite, call: ts.CallExpression): AnalysedSpec => ok(callSites.analyseCall(site, program.checker.getResolvedSignature(call)!, call));

describe("the declaration's own spec (the fallback for calls the transformer did not compile)", () => {
  const spec = ok(declarations.analyseDeclaration(suggestSite));

  test("says it uses the constraints; unconstrained parameters accept any JSON, `H extends object` any object", () => {
    expect(spec.typeArguments).toBe("constraints");
    expect(spec.params).toEqual([
      { name: "model", role: "model" },
      { name: "info", role: "input" },
    ]);
    const step = declarations.definitions.get("OptimizationStep_P_R_H")!;
    const properties = step.properties as { [name: string]: unknown };
    expect(properties.taskParametersSuggestions).toEqual({ description: "The task parameters we want to try next.", minItems: 1, maxItems: 4, type: "array", items: {} });
    expect(properties.bestHyperparameters).toEqual({
      description: "The best hyperparameters we have found so far given task_infos and history.",
      type: "object",
    });
    const validate = validator(spec.output, declarations.definitions, spec.definitionNames);
    expect(validate({ bestHyperparameters: { anything: 1 }, suggestion: "s", taskParametersSuggestions: [1, "two"], hyperparameterSuggestions: [{}] })).toBe(true);
    expect(validate({ bestHyperparameters: "no", suggestion: "s", taskParametersSuggestions: [1], hyperparameterSuggestions: [{}] })).toBe(false);
  });

  test("indexed access and keyof fall back to the constraint and to string keys", () => {
    const rename = ok(declarations.analyseDeclaration(sites.get("rename")!));
    expect(rename.input.properties).toEqual({
      item: { type: "object", properties: { name: { type: "string" } }, required: ["name"], additionalProperties: false },
      key: { type: "string" },
    });
    expect(rename.output).toEqual({ type: "string" });
  });

  test("a generic class's method falls back the same way", () => {
    const improve = ok(declarations.analyseDeclaration(sites.get("Box.improve")!));
    expect(improve.typeArguments).toBe("constraints");
    expect(improve.output).toEqual({});
    expect(declarations.definitions.get("Box_T")).toEqual({ type: "object", properties: { item: {} }, required: ["item"], additionalProperties: false });
  });
});

describe("a call site's specialisation", () => {
  const inferred = atCall(suggestSite, inferredCall!);
  const explicit = atCall(suggestSite, explicitCall!);

  test("names the type arguments, whether written or inferred", () => {
    expect(explicit.typeArguments).toBe("<EssayParams, Essay, EssayHyper>");
    expect(inferred.typeArguments).toBe("<EssayParams, Essay, EssayHyper>");
    expect(inferred.id).toBe(suggestSite.id);
  });

  test("inferred and explicit type arguments give the same spec", () => {
    expect(JSON.stringify(inferred)).toBe(JSON.stringify(explicit));
  });

  test("schemas of the instantiated types, named readably", () => {
    expect(inferred.input.properties).toEqual({ info: { $ref: "#/definitions/OptimizationInfo_EssayParams_Essay_EssayHyper" } });
    expect(inferred.output).toEqual({ $ref: "#/definitions/OptimizationStep_EssayParams_Essay_EssayHyper" });
    expect(inferred.wrapper).toBeUndefined();
    expect(inferred.definitionNames).toEqual([
      "OptimizationInfo_EssayParams_Essay_EssayHyper",
      "TaskInfo_EssayParams_Essay_EssayHyper",
      "EssayParams",
      "EssayHyper",
      "Essay",
      "TaskReflection",
      "OptimizationStep_EssayParams_Essay_EssayHyper",
    ]);
    expect(callSites.definitions.get("OptimizationStep_EssayParams_Essay_EssayHyper")).toEqual({
      description: "The next optimization steps.",
      type: "object",
      properties: {
        bestHyperparameters: { $ref: "#/definitions/EssayHyper", description: "The best hyperparameters we have found so far given task_infos and history." },
        suggestion: { description: "The suggestions for the next experiments.", type: "string" },
        taskParametersSuggestions: {
          description: "The task parameters we want to try next.",
          minItems: 1,
          maxItems: 4,
          type: "array",
          items: { $ref: "#/definitions/EssayParams" },
        },
        hyperparameterSuggestions: {
          description: "The hyperparameters we want to try next.",
          minItems: 1,
          maxItems: 2,
          type: "array",
          items: { $ref: "#/definitions/EssayHyper" },
        },
      },
      required: ["bestHyperparameters", "suggestion", "taskParametersSuggestions", "hyperparameterSuggestions"],
      additionalProperties: false,
    });
  });

  test("the specialised schemas accept a concrete step and reject what the constraints allowed", () => {
    const validate = validator(inferred.output, callSites.definitions, inferred.definitionNames);
    const hyper = { prompt: "Write about {topic}", temperature: 0.7 };
    const good = { bestHyperparameters: hyper, suggestion: "lower the temperature", taskParametersSuggestions: [{ topic: "tea" }], hyperparameterSuggestions: [hyper] };
    expect(validate(good)).toBe(true);
    expect(validate({ ...good, bestHyperparameters: { anything: 1 } })).toBe(false);
    expect(validate({ ...good, taskParametersSuggestions: [1] })).toBe(false);
    expect(validate({ ...good, hyperparameterSuggestions: [hyper, hyper, hyper] })).toBe(false);
    const validateInput = validator(inferred.input, callSites.definitions, inferred.definitionNames);
    const info = {
      taskInfos: [{ taskParameters: { topic: "tea" }, hyperparameters: hyper, returnValue: null, reflection: { feedback: "ok", evaluation: "fine" } }],
      bestHyperparameters: hyper,
    };
    expect(validateInput({ info })).toBe(true);
    expect(validateInput({ info: { ...info, taskInfos: [{ ...info.taskInfos[0], returnValue: { text: 5 } }] } })).toBe(false);
  });

  test("the template shows the instantiated types", () => {
    expect(inferred.template).toBe(
      [
        "Suggest the next optimization step.",
        "",
        "/** The optimization information. */",
        "interface OptimizationInfo_EssayParams_Essay_EssayHyper {",
        "  /** A summary of previous experiments. */",
        "  olderTaskSummary?: string;",
        "  /** The most recent tasks we have run and our reflections on them. */",
        "  taskInfos: TaskInfo_EssayParams_Essay_EssayHyper[];",
        "  /** The best hyperparameters we have found so far. */",
        "  bestHyperparameters: EssayHyper;",
        "}",
        "",
        "/** The task run and the reflection on the experiment. */",
        "interface TaskInfo_EssayParams_Essay_EssayHyper {",
        "  /** The task parameters. */",
        "  taskParameters: EssayParams;",
        "  /** The hyperparameters used for the task. We optimize these. */",
        "  hyperparameters: EssayHyper;",
        "  /** The results of the task. (None for exceptions/failure.) */",
        "  returnValue?: Essay | null;",
        "  /** The reflection on the task. */",
        "  reflection: TaskReflection;",
        "}",
        "",
        "/** What the essay is about. */",
        "interface EssayParams {",
        "  topic: string;",
        "}",
        "",
        "interface EssayHyper {",
        "  /** The prompt template. */",
        "  prompt: string;",
        "  temperature: number;",
        "}",
        "",
        "interface Essay {",
        "  text: string;",
        "}",
        "",
        "/** The reflections on the task. */",
        "interface TaskReflection {",
        "  /** Does the result satisfy the task? */",
        "  feedback: string;",
        "  evaluation: string;",
        "}",
        "",
        "{{outputTypes}}",
        "static suggestNextOptimizationStep(info: OptimizationInfo_EssayParams_Essay_EssayHyper): OptimizationStep_EssayParams_Essay_EssayHyper",
        "",
        "Input: {{input}}",
        "Reply with JSON of type OptimizationStep_EssayParams_Essay_EssayHyper",
      ].join("\n"),
    );
  });

  test("a generic class's method at a call on an instance of Box<Essay>", () => {
    const [improveCall] = callsOf("improve");
    const improve = atCall(sites.get("Box.improve")!, improveCall!);
    expect(improve.typeArguments).toBe("<Essay>");
    expect(improve.thisFields).toEqual(["item"]);
    expect(improve.input.properties).toEqual({ this: { $ref: "#/definitions/Box_Essay" } });
    expect(callSites.definitions.get("Box_Essay")).toEqual({
      type: "object",
      properties: { item: { $ref: "#/definitions/Essay" } },
      required: ["item"],
      additionalProperties: false,
    });
    expect(improve.output).toEqual({ $ref: "#/definitions/Essay" });
  });
});

test("a call site that instantiates a type JSON cannot carry is reported at the call", () => {
  const call = (() => {
    const found: ts.CallExpression[] = [];
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "choose") found.push(node);
      ts.forEachChild(node, visit);
    };
    visit(program.file("essay.ts"));
    return found[0]!;
  })();
  const result = callSites.analyseCall(sites.get("choose")!, program.checker.getResolvedSignature(call)!, call);
  const reason = "functions are behaviour, not data";
  const tail = "Use a plain data type (string, number, boolean, arrays, objects, Date, classes with data fields) or remove it.";
  expect(failed(result).map(describeProblem)).toEqual([
    `essay.ts:26 LLM1002: choose: \`items[]\` has type \`() => number\`, which JSON cannot carry (${reason}). ${tail}`,
    `essay.ts:26 LLM1002: choose: \`return\` has type \`() => number\`, which JSON cannot carry (${reason}). ${tail}`,
  ]);
  expect(failed(result).map((p) => p.node.getText())).toEqual(["[() => 1, () => 2]", "choose([() => 1, () => 2])"]);
  // The declaration itself is fine: its T falls back to any JSON.
  expect(ok(declarations.analyseDeclaration(sites.get("choose")!)).typeArguments).toBe("constraints");
});

describe("implement<I>() of a generic interface (find passes the method signature instantiated at the call)", () => {
  const implementCalls = (() => {
    const found: ts.CallExpression[] = [];
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "implement") found.push(node);
      ts.forEachChild(node, visit);
    };
    visit(program.file("essay.ts"));
    return found;
  })();
  const findSite = (): StubSite => {
    const repository = program.file("optimizer.ts").statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === "Repository")!;
    const declaration = repository.members.find(ts.isMethodSignature)!;
    return { declaration, kind: "function", qualifiedName: "Repository.find", id: "optimizer.ts:63 Repository.find" };
  };
  const instantiated = (call: ts.CallExpression): ts.Signature => {
    const type = program.checker.getTypeFromTypeNode(call.typeArguments![0]!);
    const find = program.checker.getPropertyOfType(type, "find")!;
    return program.checker.getSignaturesOfType(program.checker.getTypeOfSymbolAtLocation(find, call), ts.SignatureKind.Call)[0]!;
  };

  test("the method's types are the interface's type arguments", () => {
    const call = implementCalls[0]!;
    const spec = ok(callSites.analyseCall(findSite(), instantiated(call), call));
    expect(spec.typeArguments).toBe("<Repository<Essay>>");
    expect(spec.output).toEqual({ type: "array", items: { $ref: "#/definitions/Essay" } });
    expect(spec.input.properties).toEqual({ query: { type: "string" } });
    expect(spec.template).toContain("interface Repository {\n  find(query: string): Essay[]\n}");
  });

  test("a problem in the instantiation points at the type argument", () => {
    const call = implementCalls[1]!;
    const problems = failed(callSites.analyseCall(findSite(), instantiated(call), call));
    expect(problems.map((p) => [p.kind, p.kind === "TypeNotJson" ? p.args.path : "", p.node.getText()])).toEqual([
      ["TypeNotJson", "return[]", "Repository<() => void>"],
    ]);
  });
});

test("every definition name is a valid OpenAI $defs key", () => {
  const names = [...declarations.definitions.keys(), ...callSites.definitions.keys()];
  expect(names.length).toBeGreaterThan(10);
  for (const name of names) expect(name).toMatch(/^[A-Za-z0-9_-]+$/);
});
