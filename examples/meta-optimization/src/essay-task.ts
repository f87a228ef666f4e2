/**
 * The task being optimized: write a short essay about a topic for an audience. Three things about
 * it are hyperparameters (declared here, read while the task runs, set per run by the optimizer):
 * the essay stub's own instructions (its doc text, the start of its prompt), a word budget and a
 * style.
 */
import {
  chatChain,
  HyperparameterCollector,
  hyperparameter,
  LLMStrategyError,
  stub,
  traced,
  withHyperparameters,
  type HyperparameterFile,
  type HyperparameterValues,
  type LanguageModel,
} from "llm-strategy";
import type { TaskRun } from "./optimizer";

/** What an essay is about and whom it is for: the task's parameters. */
export interface EssayTopic {
  /** What the essay is about. */
  topic: string;
  /** Who will read it. */
  audience: string;
}

/** A short essay: the task's result. */
export interface Essay {
  title: string;
  /** The essay, paragraphs separated by blank lines. */
  text: string;
}

/** The essay task's hyperparameters, as the optimizer sees and changes them. */
export interface EssayHyperparameters {
  /** The instructions the essay writer gets: the doc text at the start of its prompt. */
  instructions: string;
  /**
   * How long the essay should be, in words.
   * @minimum 30
   * @maximum 1000
   */
  wordBudget: number;
  /** The voice to write in, e.g. "academic", "plain", "playful". */
  style: string;
}

const wordBudget = hyperparameter("essay.words", 400, { description: "How long the essay should be, in words" });
const style = hyperparameter("essay.style", "academic", { description: "The voice of the essay" });

/** The name under which the runtime lets `writeEssay`'s doc text be replaced (`prompt:<file> <stub>`). */
export const INSTRUCTIONS = "prompt:src/essay-task.ts writeEssay";

/**
 * Write an essay about the topic for the audience.
 * @param topic What the essay is about
 * @param audience Who will read it
 * @param wordBudget How long the essay should be, in words
 * @param style The voice to write in
 */
export function writeEssay(topic: string, audience: string, wordBudget: number, style: string): Promise<Essay> {
  return stub();
}

/** The values to give `withHyperparameters` for these essay hyperparameters. */
export function hyperparameterValues(hyperparameters: EssayHyperparameters): HyperparameterValues {
  return { [INSTRUCTIONS]: hyperparameters.instructions, [wordBudget.name]: hyperparameters.wordBudget, [style.name]: hyperparameters.style };
}

/** The essay hyperparameters a run actually read, from what its collector saw. */
function essayHyperparametersOf(read: HyperparameterFile): EssayHyperparameters {
  const value = (name: string) => {
    const entry = read.hyperparameters[name];
    // Read before the model is asked, so even a failed run has read them all.
    if (!entry) throw new Error(`the essay task did not read the hyperparameter "${name}"`);
    return entry.value;
  };
  return { instructions: value(INSTRUCTIONS) as string, wordBudget: value(wordBudget.name) as number, style: value(style.name) as string };
}

/**
 * Runs the essay task once, in its own chat chain, with `hyperparameters` (the defaults when not
 * given), and returns the run as the optimizer is told about it: the hyperparameters it read (as
 * a collector saw them, so the defaults too), the conversation, the essay or the error. A traced span (`essay task`) in the trace.
 */
export const runEssayTask = traced(
  "essay task",
  async (writer: LanguageModel, task: EssayTopic, hyperparameters?: EssayHyperparameters): Promise<TaskRun<EssayTopic, Essay, EssayHyperparameters>> => {
    // The collector records every hyperparameter the run reads with the value in force: the run's own record.
    const collector = new HyperparameterCollector();
    const chain = chatChain(writer);
    let returnValue: Essay | null = null;
    let exception: string | null = null;
    let messages = chain.messages;
    try {
      const write = () => chain.continueWith(() => writeEssay(task.topic, task.audience, wordBudget.value, style.value));
      const [essay, next] = await collector.run(() => (hyperparameters ? withHyperparameters(hyperparameterValues(hyperparameters), write) : write()));
      returnValue = essay;
      messages = next.messages;
    } catch (error) {
      // A failed run is data too: the optimizer sees the error instead of an essay.
      if (!(error instanceof LLMStrategyError)) throw error;
      exception = `${error.name}: ${error.message}`;
    }
    return {
      taskParameters: task,
      hyperparameters: essayHyperparametersOf(collector.toJSON()),
      allChatChains: [{ name: "writeEssay", messages: messages.map((message) => ({ role: message.role, content: message.content })) }],
      returnValue,
      exception,
    };
  },
);
