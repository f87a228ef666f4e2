/**
 * Parameters that are not inputs: the explicit model (the seed's `llm_explicit_function`) and
 * an `AbortSignal` passed through to the request.
 *
 * The model is any parameter whose type is a `LanguageModel` of the runtime: the interface
 * itself, `ScriptedModel`, `OpenAIModel`, or a user's class implementing it. The interface is
 * found by its declaration in the `llm-strategy` package (never by the name written at the
 * use site), so a user's own, unrelated type named `LanguageModel` stays an ordinary input,
 * and a model object is never serialised into a prompt (an `OpenAIModel` holds its API key).
 */
import type * as ts from "typescript";
import { isPackageRuntimeFile } from "../package-files";
import type { ParamSpec } from "../../runtime/spec";
import type { TypeClassifier } from "./classify";

export class ParameterRoles {
  private readonly byType = new Map<ts.Type, ParamSpec["role"]>();
  /** The runtime's `LanguageModel` interface; `null` when the Program does not contain it. */
  private languageModel: ts.Type | null | undefined;
  /** The names of the members every `LanguageModel` has (`id`, `options`, `complete`), read once. */
  private requiredMembers: string[] | undefined;

  constructor(private readonly classify: TypeClassifier) {}

  roleOf(type: ts.Type): ParamSpec["role"] {
    const { TypeFlags } = this.classify.tools.ts;
    // `model?: LanguageModel` is still the model.
    const members = type.flags & TypeFlags.Union ? (type as ts.UnionType).types : [type];
    const present = members.filter((member) => !(member.flags & (TypeFlags.Undefined | TypeFlags.Null)));
    if (present.length !== 1) return "input";
    const candidate = present[0]!;
    let role = this.byType.get(candidate);
    if (!role) {
      role = this.classifyType(candidate);
      this.byType.set(candidate, role);
    }
    return role;
  }

  private classifyType(type: ts.Type): ParamSpec["role"] {
    const { TypeFlags } = this.classify.tools.ts;
    if (!(type.flags & TypeFlags.Object)) return "input"; // also keeps `any` from counting as a model
    const symbol = type.getSymbol();
    if (symbol?.name === "AbortSignal" && this.classify.isPlatformSymbol(symbol)) return "signal";
    const languageModel = this.runtimeLanguageModel();
    return languageModel && this.mayBeModel(type, languageModel) && this.classify.tools.checker.isTypeAssignableTo(type, languageModel) ? "model" : "input";
  }

  /**
   * Whether `type` has every member a `LanguageModel` requires, by name: a cheap test before the
   * checker's assignability. A generic class or interface has the same member names in every
   * instantiation, so its declared type answers without instantiating the members of each
   * (`T[]` of every generic stub, `Page<Customer>`, ...).
   */
  private mayBeModel(type: ts.Type, languageModel: ts.Type): boolean {
    const { checker, ts: t } = this.classify.tools;
    this.requiredMembers ??= checker
      .getPropertiesOfType(languageModel)
      .filter((property) => !(property.flags & t.SymbolFlags.Optional))
      .map((property) => property.name);
    const declared = (type as ts.ObjectType).objectFlags & t.ObjectFlags.Reference ? (type as ts.TypeReference).target : type;
    return this.requiredMembers.every((name) => checker.getPropertyOfType(declared, name) !== undefined);
  }

  private runtimeLanguageModel(): ts.Type | null {
    if (this.languageModel === undefined) {
      this.languageModel = null;
      const { program, checker, ts: t } = this.classify.tools;
      for (const file of program.getSourceFiles()) {
        if (!isPackageRuntimeFile(file.fileName)) continue;
        const declaration = file.statements.find((s): s is ts.InterfaceDeclaration => t.isInterfaceDeclaration(s) && s.name.text === "LanguageModel");
        if (declaration) {
          this.languageModel = checker.getTypeAtLocation(declaration);
          break;
        }
      }
    }
    return this.languageModel;
  }
}

