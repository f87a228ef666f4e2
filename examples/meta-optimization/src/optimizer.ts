/**
 * The seed's `LLMOptimizer`: four explicit generic LLM functions (static methods, as in the seed)
 * that reflect on a task run, summarize what was learned, suggest the next experiments and
 * estimate whether more experiments are worth it. The types are generic in the task's parameters
 * `P`, its results `R` and its hyperparameters `H`; the transformer specialises each call with the
 * concrete types its caller passes, also through generic helpers such as the optimisation loop, so
 * the model is sent the schema of, say, the essay task's hyperparameters.
 * Field comments are the seed's `Field(description=...)` texts.
 */
import { stub, type LanguageModel } from "llm-strategy";

/** One message of a conversation the task had with its model. */
export interface ChatTurn {
  role: "system" | "user" | "assistant";
  content: string;
}

/** One conversation (chat chain) of a task run. */
export interface ChatTranscript {
  /** Which part of the task held this conversation. */
  name: string;
  messages: ChatTurn[];
}

/**
 * The task run. This is the 'data' we use to optimize the hyperparameters.
 */
export interface TaskRun<P, R, H> {
  /** The task parameters. */
  taskParameters: P;
  /** The hyperparameters used for the task. We optimize these. */
  hyperparameters: H;
  /** The chat chains from the task execution. */
  allChatChains: ChatTranscript[];
  /** The results of the task. (null for exceptions/failure.) */
  returnValue: R | null;
  /** Exception that occurred during the task execution. */
  exception: string[] | string | null;
}

/**
 * The reflections on the task.
 *
 * This contains the lessons we learn from each task run to come up with better
 * hyperparameters to try.
 */
export interface TaskReflection {
  /**
   * Only look at the final results field. Does its content satisfy the task description and task
   * parameters? Does it contain all the relevant information from the all_chains and all_prompts
   * fields? What could be improved in the results?
   */
  feedback: string;
  /** The evaluation of the outputs given the task. Is the output satisfying? What is wrong? What is missing? */
  evaluation: string;
  /** How we want to change the hyperparameters to improve the results. What could we try to change? */
  hyperparameterSuggestion: string;
  /**
   * What hyperparameters are missing to improve the results? What could be changed that is not
   * exposed via hyperparameters?
   */
  hyperparameterMissing: string;
}

/**
 * The task run and the reflection on the experiment.
 */
export interface TaskInfo<P, R, H> {
  /** The task parameters. */
  taskParameters: P;
  /** The hyperparameters used for the task. We optimize these. */
  hyperparameters: H;
  /** The reflection on the task. */
  reflection: TaskReflection;
}

/**
 * The optimization information. This is the data we use to optimize the hyperparameters.
 */
export interface OptimizationInfo<P, R, H> {
  /**
   * A summary of previous experiments and the proposed changes with the goal of avoiding trying
   * the same changes repeatedly.
   */
  olderTaskSummary: string | null;
  /** The most recent tasks we have run and our reflections on them. */
  taskInfos: TaskInfo<P, R, H>[];
  /** The best hyperparameters we have found so far. */
  bestHyperparameters: H;
}

/**
 * The next optimization steps. New hyperparameters we want to try experiments and new task
 * parameters we want to evaluate on given the previous experiments.
 */
export interface OptimizationStep<P, R, H> {
  /** The best hyperparameters we have found so far given task_infos and history. */
  bestHyperparameters: H;
  /**
   * The suggestions for the next experiments. What could we try to change? We will try several
   * tasks next and several sets of hyperparameters. Let's think step by step.
   */
  suggestion: string;
  /**
   * The task parameters we want to try next.
   * @minItems 1
   * @maxItems 4
   */
  taskParametersSuggestions: P[];
  /**
   * The hyperparameters we want to try next.
   * @minItems 1
   * @maxItems 2
   */
  hyperparameterSuggestions: H[];
}

/** How likely more experiments improve on the best hyperparameters. */
export interface ImprovementProbability {
  /** The considerations for potential improvements. */
  considerations: string[];
  /**
   * The probability of improvement.
   * @minimum 0
   * @maximum 1
   */
  probability: number;
}

/** The seed's `LLMOptimizer`: each stub is given the model to ask as its first argument. */
export class LLMOptimizer {
  /**
   * Reflect on the results given the task parameters and hyperparameters.
   *
   * This contains the lessons we learn from each task run to come up with better
   * hyperparameters to try.
   */
  static reflectOnTaskRun<P, R, H>(model: LanguageModel, taskRun: TaskRun<P, R, H>): Promise<TaskReflection> {
    return stub();
  }

  /**
   * Summarize the optimization info. We want to preserve all relevant knowledge for
   * improving the hyperparameters in the future. All information from previous
   * experiments will be forgotten except for what this summary.
   */
  static summarizeOptimizationInfo<P, R, H>(model: LanguageModel, optimizationInfo: OptimizationInfo<P, R, H>): Promise<string> {
    return stub();
  }

  /**
   * Suggest the next optimization step.
   */
  static suggestNextOptimizationStep<P, R, H>(model: LanguageModel, optimizationInfo: OptimizationInfo<P, R, H>): Promise<OptimizationStep<P, R, H>> {
    return stub();
  }

  /**
   * Return the probability for improvement (between 0 and 1).
   *
   * This is your confidence that your next optimization steps will improve the
   * hyperparameters given the information provided. If you think that the
   * information available is unlikely to lead to better hyperparameters, return 0.
   * If you think that the information available is very likely to lead to better
   * hyperparameters, return 1. Be concise.
   */
  static probabilityForImprovement<P, R, H>(model: LanguageModel, optimizationInfo: OptimizationInfo<P, R, H>): Promise<ImprovementProbability> {
    return stub();
  }
}
