import type * as ts from "typescript";

/** `callSpecialized(spec, receiver, fn, [args])`, as the file's emit writes it. */
export type SpecialisedCallFactory = (spec: ts.Expression, receiver: ts.Expression, fn: ts.Expression, args: ts.Expression[]) => ts.Expression;

/** What rewriting a specialised call needs besides the call: the compiler's API, the transformation, the visitor for the call's parts, and how `callSpecialized(...)` is written. */
export interface SpecialisedCallRewriting {
  tsi: typeof ts;
  transformation: ts.TransformationContext;
  visitor: (node: ts.Node) => ts.Node;
  specialise: SpecialisedCallFactory;
}

/** A link's value, kept as its object and member while a following call may need the receiver. */
type Link = { value: ts.Expression } | { object: ts.Expression; member: (object: ts.Expression) => ts.Expression };

/** The outermost node of an optional chain (`a?.b.c()` as a whole, not `a?.b`): the `?.` short-circuits up to it. */
export function isOutermostOptionalChain(tsi: typeof ts, node: ts.Node): node is ts.OptionalChain {
  if (!tsi.isOptionalChain(node)) return false;
  const parent = node.parent;
  return !(tsi.isOptionalChain(parent) && parent.expression === node);
}

/** The links of an optional chain, first to last, and the expression it starts from. */
export function chainLinks(tsi: typeof ts, outermost: ts.OptionalChain): { root: ts.Expression; links: ts.Expression[] } {
  const links: ts.Expression[] = [];
  let root: ts.Expression = outermost;
  while (tsi.isOptionalChain(root)) {
    links.unshift(root);
    root = root.expression;
  }
  return { root, links };
}

/**
 * An optional chain holding specialised calls, written out as TypeScript lowers `?.` for older
 * targets, so each such call can become `callSpecialized(...)` and still short-circuit:
 * `box?.pick(k).then(f)` -> `(_a = box) === null || _a === void 0 ? void 0 : callSpecialized(spec, _a, _a.pick, [k]).then(f)`,
 * `box.pick?.(k)` -> `(_b = (_a = box).pick) === null || _b === void 0 ? void 0 : callSpecialized(spec, _a, _b, [k])`.
 * The receiver and the function are evaluated once, in JavaScript's order; the rest of the chain
 * after a `?.` is skipped when the value before it is `null` or `undefined`.
 * @param specOf The spec expression of a call link to specialise; undefined for calls kept as they are.
 */
export function lowerOptionalChain(
  rewriting: SpecialisedCallRewriting,
  outermost: ts.OptionalChain,
  specOf: (call: ts.CallExpression) => ts.Expression | undefined,
): ts.Expression {
  const { tsi, transformation, visitor, specialise } = rewriting;
  const f = tsi.factory;
  const visit = (node: ts.Expression): ts.Expression => tsi.visitNode(node, visitor, tsi.isExpression);
  // Values already held in a temporary are read from it again rather than stored twice.
  const temps = new Set<ts.Node>();
  const temp = (): ts.Identifier => {
    const made = f.createTempVariable(transformation.hoistVariableDeclaration);
    temps.add(made);
    return made;
  };
  const { root, links } = chainLinks(tsi, outermost);

  /** `a.b` / `a[k]` as a link whose object can be swapped for a temporary (the key is visited once). */
  const memberLink = (node: ts.PropertyAccessExpression | ts.ElementAccessExpression, object: ts.Expression): Link => {
    if (tsi.isPropertyAccessExpression(node)) return { object, member: (on) => f.createPropertyAccessExpression(on, node.name) };
    const key = visit(node.argumentExpression);
    return { object, member: (on) => f.createElementAccessExpression(on, key) };
  };
  const valueOf = (link: Link): ts.Expression => ("value" in link ? link.value : link.member(link.object));
  /** `this`, `super` (which cannot be stored) and temporaries are read again rather than stored. */
  const plainReceiver = (object: ts.Expression): boolean => object.kind === tsi.SyntaxKind.ThisKeyword || object.kind === tsi.SyntaxKind.SuperKeyword || temps.has(object);
  /** `(t = value) === null || t === void 0`. */
  const isNullish = (stored: ts.Identifier, value: ts.Expression): ts.Expression =>
    f.createLogicalOr(f.createStrictEquality(f.createAssignment(stored, value), f.createNull()), f.createStrictEquality(stored, f.createVoidZero()));
  const skipIfNullish = (stored: ts.Identifier, value: ts.Expression, rest: ts.Expression): ts.Expression =>
    f.createParenthesizedExpression(f.createConditionalExpression(isNullish(stored, value), undefined, f.createVoidZero(), undefined, rest));

  const step = (index: number, current: Link): ts.Expression => {
    const link = links[index];
    if (!link) return valueOf(current);
    if (tsi.isNonNullExpression(link)) return step(index + 1, current);
    const optional = (link as ts.PropertyAccessExpression | ts.ElementAccessExpression | ts.CallExpression).questionDotToken !== undefined;
    if (tsi.isPropertyAccessExpression(link) || tsi.isElementAccessExpression(link)) {
      if (!optional) return step(index + 1, memberLink(link, valueOf(current)));
      const stored = temp();
      return skipIfNullish(stored, valueOf(current), step(index + 1, memberLink(link, stored)));
    }
    const call = link as ts.CallExpression;
    const spec = specOf(call);
    const args = call.arguments.map(visit);
    if (optional) {
      // `o.m?.(x)`: the function is tested, then called on the receiver it was read from.
      const fn = temp();
      let receiver: ts.Expression | undefined;
      let tested: ts.Expression;
      if ("value" in current) tested = current.value;
      else if (plainReceiver(current.object)) {
        receiver = current.object.kind === tsi.SyntaxKind.SuperKeyword ? f.createThis() : current.object;
        tested = current.member(current.object);
      } else {
        const stored = temp();
        receiver = stored;
        tested = current.member(f.createParenthesizedExpression(f.createAssignment(stored, current.object)));
      }
      const called = spec
        ? specialise(spec, receiver ?? f.createVoidZero(), fn, args)
        : receiver
          ? f.createCallExpression(f.createPropertyAccessExpression(fn, "call"), undefined, [receiver, ...args])
          : f.createCallExpression(fn, undefined, args);
      return skipIfNullish(fn, tested, step(index + 1, { value: called }));
    }
    if (!spec) return step(index + 1, { value: f.createCallExpression(valueOf(current), undefined, args) });
    if ("value" in current) return step(index + 1, { value: specialise(spec, f.createVoidZero(), current.value, args) });
    if (plainReceiver(current.object)) {
      const receiver = current.object.kind === tsi.SyntaxKind.SuperKeyword ? f.createThis() : current.object;
      return step(index + 1, { value: specialise(spec, receiver, current.member(current.object), args) });
    }
    const stored = temp();
    const called = f.createParenthesizedExpression(f.createCommaListExpression([f.createAssignment(stored, current.object), specialise(spec, stored, current.member(stored), args)]));
    return step(index + 1, { value: called });
  };

  const start: Link = tsi.isPropertyAccessExpression(root) || tsi.isElementAccessExpression(root) ? memberLink(root, visit(root.expression)) : { value: visit(root) };
  return step(0, start);
}
