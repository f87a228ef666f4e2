/**
 * A small stand-in for the real analyser, so tests of find and emit do not depend on schema
 * generation: every named object type becomes a definition of its property names, classes are
 * revived, arrays and Promises are unwrapped. Deliberately naive; the real analyser has its own tests.
 */
import * as ts from "typescript";
import type { JsonSchema, Revival } from "../../runtime/spec";
import type { AnalysedSpec, Analyser, AnalyserOptions, ClassReference, CreateAnalyser, Instantiation, Result, StubSite } from "../../transformer/analyse/types";

export const createFakeAnalyser: CreateAnalyser = (options: AnalyserOptions): Analyser => {
  const checker = options.program.getTypeChecker();
  const definitions = new Map<string, JsonSchema>();

  function schemaOf(type: ts.Type, used: Set<string>): JsonSchema {
    if (type.flags & ts.TypeFlags.String) return { type: "string" };
    if (type.flags & ts.TypeFlags.Number) return { type: "number" };
    if (type.flags & ts.TypeFlags.Boolean) return { type: "boolean" };
    if (checker.isArrayType(type)) return { type: "array", items: schemaOf(checker.getTypeArguments(type as ts.TypeReference)[0]!, used) };
    const symbol = type.getSymbol();
    if (symbol && type.flags & ts.TypeFlags.Object && symbol.getName() !== "__type" && symbol.getName() !== "__object") {
      const name = symbol.getName() === "Date" ? undefined : symbol.getName();
      if (!name) return { type: "string", format: "date-time" };
      used.add(name);
      if (!definitions.has(name)) {
        definitions.set(name, { type: "object" });
        const properties: { [key: string]: JsonSchema } = {};
        for (const property of checker.getPropertiesOfType(type)) {
          const declaration = property.valueDeclaration;
          if (!declaration || !(ts.isPropertyDeclaration(declaration) || ts.isPropertySignature(declaration))) continue;
          properties[property.getName()] = schemaOf(checker.getTypeOfSymbol(property), used);
        }
        definitions.set(name, { type: "object", properties, required: Object.keys(properties), additionalProperties: false });
      }
      return { $ref: `#/definitions/${name}` };
    }
    return {};
  }

  function revivalOf(type: ts.Type): Revival<ClassReference> | undefined {
    if (checker.isArrayType(type)) {
      const items = revivalOf(checker.getTypeArguments(type as ts.TypeReference)[0]!);
      return items ? { kind: "array", items } : undefined;
    }
    const symbol = type.getSymbol();
    if (symbol?.getName() === "Date") return { kind: "date" };
    const declaration = symbol?.declarations?.find(ts.isClassDeclaration);
    return declaration ? { kind: "class", class: { declaration } } : undefined;
  }

  const typesOf = (signature: ts.Signature): Pick<Instantiation, "parameters" | "returnType"> => ({
    parameters: signature.getParameters().map((symbol) => ({ symbol, type: checker.getTypeOfSymbol(symbol) })),
    returnType: signature.getReturnType(),
  });

  function analyse(site: StubSite, signature: Pick<Instantiation, "parameters" | "returnType">, typeArguments: string | undefined): Result<AnalysedSpec> {
    const used = new Set<string>();
    const properties: { [name: string]: JsonSchema } = {};
    const params: AnalysedSpec["params"] = [];
    for (const { symbol: parameter, type } of signature.parameters) {
      params.push({ name: parameter.getName(), role: "input" });
      properties[parameter.getName()] = schemaOf(type, used);
    }
    const returnType = signature.returnType;
    const promised = checker.getAwaitedType(returnType) ?? returnType;
    const output = schemaOf(promised, used);
    const revival = revivalOf(promised);
    const plainObject = "$ref" in output || output["type"] === "object";
    const thisFields = site.receiverClass
      ? site.receiverClass.members.filter(ts.isPropertyDeclaration).map((member) => member.name.getText())
      : undefined;
    return {
      ok: true,
      warnings: [],
      value: {
        id: site.id,
        kind: site.kind,
        template: `${site.qualifiedName}\nInput: {{input}}\n{{outputTypes}}Answer with JSON.`,
        outputTypes: "",
        params,
        ...(thisFields ? { thisFields } : {}),
        input: { type: "object", properties, required: Object.keys(properties), additionalProperties: false },
        output,
        ...(plainObject ? {} : { wrapper: "value" }),
        definitionNames: [...used].sort(),
        ...(revival ? { revive: { value: revival } } : {}),
        hash: `fake:${site.id}:${typeArguments ?? ""}:${checker.typeToString(promised)}`,
        ...(typeArguments ? { typeArguments } : {}),
      },
    };
  }

  return {
    analyseDeclaration(site) {
      const signature = checker.getSignatureFromDeclaration(site.declaration)!;
      const generic = (site.declaration.typeParameters?.length ?? 0) > 0;
      return analyse(site, typesOf(signature), generic ? "constraints" : undefined);
    },
    analyseCall(site, signature, call) {
      const written = call.typeArguments ? `<${call.typeArguments.map((node) => node.getText()).join(", ")}>` : `<${checker.typeToString(checker.getAwaitedType(signature.getReturnType())!)}>`;
      const types = typesOf(signature);
      // As the real analyser: an optional call's signature adds the short-circuit's `undefined` to the return type.
      if (ts.isOptionalChain(call) && types.returnType.isUnion()) types.returnType = checker.getNonNullableType(types.returnType);
      return analyse(site, types, written);
    },
    analyseInstantiated(site, instantiation) {
      return analyse(site, instantiation, instantiation.typeArguments);
    },
    definitions,
  };
};
