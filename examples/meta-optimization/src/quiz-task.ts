/**
 * The second task the same optimizer tunes: write one multiple-choice question about a subject for
 * a learner. Its parameters, result and hyperparameters are other types than the essay's: the
 * question stub's instructions (its doc text), how many answers to choose from, and a difficulty
 * out of three.
 */
import { hyperparameter, stub } from "llm-strategy";
import { defineTask } from "./task-runner";

/** What the question is about and who answers it: the task's parameters. */
export interface QuizTopic {
  /** What the question tests. */
  subject: string;
  /** Who will answer it. */
  learner: string;
}

export type Difficulty = "easy" | "medium" | "hard";

/** One multiple-choice question: the task's result. */
export interface QuizQuestion {
  question: string;
  /** The answers to choose from, the right one among them. */
  choices: string[];
  /**
   * The position of the right answer in `choices`, from 0.
   * @minimum 0
   */
  answer: number;
  /** Why the right answer is right, for the learner to read afterwards (empty if not asked for). */
  explanation: string;
}

/** The quiz task's hyperparameters, as the optimizer sees and changes them. */
export interface QuizHyperparameters {
  /** The instructions the question writer gets: the doc text at the start of its prompt. */
  instructions: string;
  /**
   * How many answers the learner chooses from.
   * @minimum 2
   * @maximum 6
   */
  choices: number;
  /** How hard the question should be. */
  difficulty: Difficulty;
}

const choices = hyperparameter("quiz.choices", 5, { description: "How many answers the learner chooses from" });
const difficulty = hyperparameter("quiz.difficulty", "hard", { description: "How hard the question is: easy, medium or hard" });

/** The name under which the runtime lets `writeQuizQuestion`'s doc text be replaced (`prompt:<file> <stub>`). */
export const QUIZ_INSTRUCTIONS = "prompt:src/quiz-task.ts writeQuizQuestion";

/**
 * Write a multiple-choice question about the subject for the learner.
 * @param subject What the question tests
 * @param learner Who will answer it
 * @param choices How many answers to choose from
 * @param difficulty How hard the question should be
 */
export function writeQuizQuestion(subject: string, learner: string, choices: number, difficulty: Difficulty): Promise<QuizQuestion> {
  return stub();
}

/** The quiz task as the optimizer runs it. Its runs are `quiz task` spans in the trace. */
export const quizTask = defineTask<QuizTopic, QuizQuestion, QuizHyperparameters>({
  name: "quiz",
  stub: "writeQuizQuestion",
  seedParameters: [
    { subject: "Adding fractions", learner: "pupils new to fractions" },
    { subject: "The water cycle", learner: "pupils new to the water cycle" },
  ],
  hyperparameterNames: { instructions: QUIZ_INSTRUCTIONS, choices: choices.name, difficulty: difficulty.name },
  ask: (topic) => writeQuizQuestion(topic.subject, topic.learner, choices.value, difficulty.value as Difficulty),
});

/** `Adding fractions, for pupils new to fractions → "What is 1/2 + 1/4?" (5 choices, no explanation)`: a quiz run in the output. */
export function describeQuiz(topic: QuizTopic, question: QuizQuestion): string {
  const explained = question.explanation.trim() ? "explained" : "no explanation";
  return `${topic.subject}, for ${topic.learner} → "${question.question}" (${question.choices.length} choices, ${explained})`;
}
