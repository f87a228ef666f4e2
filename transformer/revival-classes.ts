import type { Revival, RevivalPlan } from "../runtime/spec";

/**
 * The same revival plan with every class reference mapped: planning resolves analysis's class
 * declarations to how the file can reach them, emit turns those into thunks.
 */
export function mapRevivalClasses<A, B>(plan: RevivalPlan<A>, mapClass: (reference: A) => B): RevivalPlan<B> {
  const map = (revival: Revival<A>): Revival<B> => {
    const mapProps = (props: { [property: string]: Revival<A> }): { [property: string]: Revival<B> } =>
      Object.fromEntries(Object.entries(props).map(([name, inner]) => [name, map(inner)]));
    switch (revival.kind) {
      case "date":
      case "ref":
        return { ...revival };
      case "class":
        return { kind: "class", class: mapClass(revival.class), ...(revival.props ? { props: mapProps(revival.props) } : {}) };
      case "object":
        return { kind: "object", props: mapProps(revival.props) };
      case "array":
        return { kind: "array", items: map(revival.items) };
      case "tuple":
        return { kind: "tuple", items: revival.items.map((item) => (item ? map(item) : null)) };
      case "record":
        return { kind: "record", values: map(revival.values) };
      case "union":
        return { kind: "union", options: revival.options.map((option) => ({ match: option.match, revive: map(option.revive) })) };
    }
  };
  return {
    value: map(plan.value),
    ...(plan.definitions ? { definitions: Object.fromEntries(Object.entries(plan.definitions).map(([name, revival]) => [name, map(revival)])) } : {}),
  };
}
