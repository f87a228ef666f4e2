/**
 * The task being optimized: write a short essay about a topic for an audience. Three things about
 * it are hyperparameters (declared here, read while the task runs, set per run by the optimizer):
 * the essay stub's own instructions (its doc text, the start of its prompt), a word budget and a
 * style.
 */
import { hyperparameter, stub } from "llm-strategy";
import { defineTask } from "./task-runner";

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
export const ESSAY_INSTRUCTIONS = "prompt:src/essay-task.ts writeEssay";

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

/** The essay task as the optimizer runs it. Its runs are `essay task` spans in the trace. */
export const essayTask = defineTask<EssayTopic, Essay, EssayHyperparameters>({
  name: "essay",
  stub: "writeEssay",
  seedParameters: [
    { topic: "Why the sky is blue", audience: "curious ten-year-olds" },
    { topic: "How bees make honey", audience: "curious ten-year-olds" },
  ],
  hyperparameterNames: { instructions: ESSAY_INSTRUCTIONS, wordBudget: wordBudget.name, style: style.name },
  ask: (task) => writeEssay(task.topic, task.audience, wordBudget.value, style.value),
});

/** `Why the sky is blue, for curious ten-year-olds → "On ..." (176 words)`: an essay run in the output. */
export function describeEssay(topic: EssayTopic, essay: Essay): string {
  return `${topic.topic}, for ${topic.audience} → "${essay.title}" (${essay.text.split(/\s+/).filter(Boolean).length} words)`;
}
