/**
 * What every task of the example does to run once for the optimizer: in its own chat chain, with
 * the hyperparameters to try in force, recording what the run actually read (the defaults too),
 * and turning the conversation and the result or error into the `TaskRun` the optimizer is told about.
 */
import {
  chatChain,
  HyperparameterCollector,
  LLMStrategyError,
  traced,
  withHyperparameters,
  type HyperparameterFile,
  type HyperparameterValues,
  type JsonValue,
  type LanguageModel,
} from "llm-strategy";
import type { OptimizationTask } from "./optimize";
import type { TaskRun } from "./optimizer";

export interface TaskDefinition<P, R, H> {
  /** `essay`: the trace's spans are `essay task` (one run) and `optimize essay` (the loop). */
  name: string;
  /** The stub the task asks: the name of its chat chain in the `TaskRun`. */
  stub: string;
  seedParameters: P[];
  /** The name of the runtime hyperparameter behind each field of `H` (`wordBudget: "essay.words"`). */
  hyperparameterNames: { [K in keyof H & string]: string };
  /** Asks the task's stub for `parameters`; the hyperparameters are in force around the call. */
  ask(parameters: P): Promise<R>;
}

/** The optimizer's view of a task: each run is a traced span (`<name> task`) in its own chat chain. */
export function defineTask<P, R, H extends object>(definition: TaskDefinition<P, R, H>): OptimizationTask<P, R, H> {
  const names = Object.entries(definition.hyperparameterNames) as [keyof H & string, string][];
  const run = traced(`${definition.name} task`, async (writer: LanguageModel, parameters: P, hyperparameters?: H): Promise<TaskRun<P, R, H>> => {
    // The collector records every hyperparameter the run reads with the value in force: the run's own record.
    const collector = new HyperparameterCollector();
    const chain = chatChain(writer);
    let returnValue: R | null = null;
    let exception: string | null = null;
    let messages = chain.messages;
    try {
      const ask = () => chain.continueWith(() => definition.ask(parameters));
      // The optimizer's suggestions are JSON (its reply, validated against `H`'s schema).
      const values: HyperparameterValues | undefined = hyperparameters && Object.fromEntries(names.map(([field, name]) => [name, hyperparameters[field] as JsonValue]));
      const [result, next] = await collector.run(() => (values ? withHyperparameters(values, ask) : ask()));
      returnValue = result;
      messages = next.messages;
    } catch (error) {
      // A failed run is data too: the optimizer sees the error instead of a result.
      if (!(error instanceof LLMStrategyError)) throw error;
      exception = `${error.name}: ${error.message}`;
    }
    return {
      taskParameters: parameters,
      hyperparameters: hyperparametersRead(definition.name, names, collector.toJSON()),
      allChatChains: [{ name: definition.stub, messages: messages.map((message) => ({ role: message.role, content: message.content })) }],
      returnValue,
      exception,
    };
  });
  return { name: definition.name, seedParameters: definition.seedParameters, run };
}

/** The task's hyperparameters a run actually read, from what its collector saw. */
function hyperparametersRead<H>(task: string, names: [keyof H & string, string][], read: HyperparameterFile): H {
  const entries = names.map(([field, name]) => {
    const entry = read.hyperparameters[name];
    // Read before the model is asked, so even a failed run has read them all.
    if (!entry) throw new Error(`the ${task} task did not read the hyperparameter "${name}"`);
    return [field, entry.value];
  });
  return Object.fromEntries(entries) as H;
}
