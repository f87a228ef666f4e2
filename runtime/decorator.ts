import type { LanguageModel } from "./model";

/** Models bound to classes by `@llmStrategy`, and to `implement<I>()` objects. */
const boundModels = new WeakMap<object, LanguageModel>();

/**
 * Binds a model to a class: its stubs, and the stubs it inherits, call `model` (unless a
 * call passes an explicit `LanguageModel` argument). A subclass's binding wins over its
 * base class's, so a stub declared on `CustomerDatabase` and called on a
 * `MockCustomerDatabase` uses the subclass's model.
 *
 * Works as a TypeScript 5 standard decorator and with `experimentalDecorators`.
 * @param model The model for this class's stubs, e.g. `openAI({ maxTokens: 256 })`.
 */
export function llmStrategy(model: LanguageModel) {
  // One signature that satisfies both decorator flavours: standard decorators pass a
  // context as the second argument, legacy ones pass nothing.
  return function bindClass<Class extends abstract new (...args: never[]) => unknown>(
    target: Class,
    context?: ClassDecoratorContext<Class>,
  ): void {
    void context;
    boundModels.set(target, model);
  };
}

/** Binds `model` to one object (what `implement<I>(model)` returns). */
export function bindModel(target: object, model: LanguageModel): void {
  boundModels.set(target, model);
}

/**
 * The model bound to `receiver` itself, else to its class or the nearest decorated class up
 * the prototype chain. For a static stub the receiver is the class, whose own prototype chain
 * (`Object.getPrototypeOf(Sub) === Base`) is the class hierarchy.
 */
export function boundModelOf(receiver: unknown): LanguageModel | undefined {
  if (receiver === null || (typeof receiver !== "object" && typeof receiver !== "function")) return undefined;
  const own = boundModels.get(receiver);
  if (own) return own;
  if (typeof receiver === "function") {
    for (let cls = Object.getPrototypeOf(receiver); cls && cls !== Function.prototype; cls = Object.getPrototypeOf(cls)) {
      const model = boundModels.get(cls);
      if (model) return model;
    }
    return undefined;
  }
  for (let proto = Object.getPrototypeOf(receiver); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    const cls = Object.prototype.hasOwnProperty.call(proto, "constructor") ? proto.constructor : undefined;
    const model = cls && boundModels.get(cls);
    if (model) return model;
  }
  return undefined;
}
