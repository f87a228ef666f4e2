import type * as ts from "typescript";
import type { Problem, StubSite } from "../analyse/types";
import type { TransformerContext } from "../context";
import { lineOf, projectRelativePath, qualifiedNameOf, stubId } from "./names";
import { checkSignature } from "./stub-sites";

/** One method of the interface an `implement<I>()` call implements. */
export interface ImplementedMethod {
  name: string;
  site: StubSite;
  /** The method's signature instantiated with the interface's type arguments (`implement<Repository<Customer>>()`); absent for a plain interface. */
  instantiated?: ts.Signature;
}

/** An `implement<I>(model?)` call, as find hands it to analysis and emit. */
export interface FoundImplement {
  call: ts.CallExpression;
  /** `src/main.ts:12 implement<Search>` */
  id: string;
  /** The interface's name. */
  name: string;
  methods: ImplementedMethod[];
  /** Problems find can see; analysis runs only when there are none. */
  problems: Problem[];
}

/** Every method of the type argument of `implement<I>()` becomes a stub site of kind `"function"`. */
export function describeImplement(
  context: TransformerContext,
  call: ts.CallExpression,
  isPromiseType: (type: ts.Type) => boolean,
): FoundImplement {
  const { ts: tsi, checker } = context;
  const typeNode = call.typeArguments?.[0];
  const name = typeNode ? typeNode.getText() : "?";
  const found: FoundImplement = {
    call,
    id: `${projectRelativePath(context, call.getSourceFile().fileName)}:${lineOf(call)} implement<${name}>`,
    name: typeNode && tsi.isTypeReferenceNode(typeNode) ? tsi.idText(rightmost(tsi, typeNode.typeName)) : name,
    methods: [],
    problems: [],
  };
  if (!typeNode || call.typeArguments?.length !== 1) {
    found.problems.push({ kind: "ImplementNeedsInterface", args: { got: "no type argument" }, node: call });
    return found;
  }
  const type = checker.getTypeFromTypeNode(typeNode);
  const notAnInterface = (): FoundImplement => {
    found.problems.push({ kind: "ImplementNeedsInterface", args: { got: checker.typeToString(type) }, node: typeNode });
    return found;
  };
  const isClass = (type.getSymbol()?.flags ?? 0) & tsi.SymbolFlags.Class;
  if (!(type.flags & tsi.TypeFlags.Object) || isClass || type.isUnionOrIntersection()) return notAnInterface();
  const properties = checker.getPropertiesOfType(type);
  if (properties.length === 0) return notAnInterface();
  const instantiated = hasTypeArguments(tsi, checker, type);
  for (const property of properties) {
    const declaration = property.declarations?.find(tsi.isMethodSignature);
    if (!declaration) {
      const node = property.declarations?.[0];
      found.problems.push({
        kind: "ImplementNeedsInterface",
        args: { got: `${checker.typeToString(type)} (\`${property.getName()}\` is not a method)` },
        node: node && node.getSourceFile() === call.getSourceFile() ? node : typeNode,
      });
      continue;
    }
    const qualifiedName = qualifiedNameOf(tsi, declaration);
    const { problems } = checkSignature(context, declaration, qualifiedName, isPromiseType);
    found.problems.push(...problems);
    const signature = instantiated
      ? checker.getSignaturesOfType(checker.getTypeOfSymbolAtLocation(property, call), tsi.SignatureKind.Call)[0]
      : undefined;
    found.methods.push({
      name: property.getName(),
      site: { declaration, kind: "function", qualifiedName, id: stubId(context, declaration, qualifiedName) },
      ...(signature ? { instantiated: signature } : {}),
    });
  }
  return found;
}

function rightmost(tsi: typeof ts, name: ts.EntityName): ts.Identifier {
  return tsi.isIdentifier(name) ? name : name.right;
}

/** `Repository<Customer>`: a generic interface instantiated with type arguments. */
function hasTypeArguments(tsi: typeof ts, checker: ts.TypeChecker, type: ts.Type): boolean {
  if ((type.aliasTypeArguments?.length ?? 0) > 0) return true;
  const objectFlags = (type as ts.ObjectType).objectFlags ?? 0;
  return (objectFlags & tsi.ObjectFlags.Reference) !== 0 && checker.getTypeArguments(type as ts.TypeReference).length > 0;
}
