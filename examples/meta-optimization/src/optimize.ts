/**
 * The meta-optimization loop of the seed's `examples/research/meta_optimization.py`, for any task:
 * run the task with its default hyperparameters and reflect on each run; then, round after round,
 * ask for the next step, run what it suggests and reflect on it, summarize the runs about to be
 * forgotten, and stop when the probability of improvement falls below the threshold.
 *
 * The loop is generic in the task's parameters `P`, results `R` and hyperparameters `H`, and calls
 * the `LLMOptimizer` stubs with those type parameters. The transformer specialises it at each call
 * whose types it knows (`optimizeHyperparameters(essayTask, ...)`): the call passes a table of the
 * stubs' specs for the essay's types, so the model is sent the schemas of `EssayTopic`, `Essay` and
 * `EssayHyperparameters`; the quiz task's call sends the quiz's. The loop itself is compiled once.
 */
import { traced, type LanguageModel } from "llm-strategy";
import {
  LLMOptimizer,
  type ImprovementProbability,
  type OptimizationInfo,
  type OptimizationStep,
  type TaskInfo,
  type TaskReflection,
  type TaskRun,
} from "./optimizer";

/** A task the loop can optimize. */
export interface OptimizationTask<P, R, H> {
  /** What the task is called in the output and the trace (`optimize <name>`). */
  name: string;
  /** The task parameters of round 0 (the optimizer may suggest others later). */
  seedParameters: P[];
  /**
   * Runs the task once with `model`, with `hyperparameters` (the task's defaults when not given),
   * and returns the run as the optimizer is told about it: the hyperparameters it read, its
   * conversation, its result or error.
   */
  run(model: LanguageModel, parameters: P, hyperparameters?: H): Promise<TaskRun<P, R, H>>;
}

/** The two models: the task's and the optimizer's (the seed uses a cheaper one for the task). */
export interface OptimizationModels {
  /** Runs the task (the model of its chat chain). */
  writer: LanguageModel;
  /** Answers the four optimizer stubs (passed to them explicitly). */
  optimizer: LanguageModel;
}

/** One task run and the optimizer's reflection on it. */
export interface ReflectedRun<P, R, H> {
  run: TaskRun<P, R, H>;
  reflection: TaskReflection;
}

/** What happened in one round, for printing. Round 0 runs the defaults and has no step or probability. */
export interface RoundReport<P, R, H> {
  round: number;
  /** The step the round tried (rounds 1 and later). */
  step?: OptimizationStep<P, R, H>;
  runs: ReflectedRun<P, R, H>[];
  /** The summary of older runs written this round, if the list of recent runs grew too long. */
  summary?: string;
  /** The probability of improvement after this round (rounds 1 and later). */
  improvement?: ImprovementProbability;
}

export interface OptimizationOptions<P, R, H> {
  /** Rounds after round 0 at most, however likely an improvement still is. Default 6. */
  maxRounds?: number;
  /** Task runs kept verbatim in the optimization info; older ones are summarized. Default 4. */
  keepRecent?: number;
  /** Stop when the probability of improvement is below this. Default 0.5 (the seed's). */
  threshold?: number;
  /** Called when a round is done. */
  onRound?: (report: RoundReport<P, R, H>) => void;
}

export interface OptimizationResult<P, R, H> {
  rounds: RoundReport<P, R, H>[];
  stoppedBecause: "improvement unlikely" | "round limit";
  /** The optimizer's final step, asked after stopping (its suggestions are not tried): its `bestHyperparameters` weigh every run. */
  final: OptimizationStep<P, R, H>;
}

/**
 * Optimizes `task`'s hyperparameters, starting from its seed parameters. The whole optimization
 * is a traced span (`optimize <task name>`) holding one span per round (`round 0`, `round 1`, ...,
 * `final pick`), each holding the round's task runs and optimizer calls.
 */
export async function optimizeHyperparameters<P, R, H>(
  task: OptimizationTask<P, R, H>,
  models: OptimizationModels,
  options: OptimizationOptions<P, R, H> = {},
): Promise<OptimizationResult<P, R, H>> {
  const { maxRounds = 6, keepRecent = 4, threshold = 0.5, onRound } = options;
  const { optimizer } = models;
  return traced(`optimize ${task.name}`, async (): Promise<OptimizationResult<P, R, H>> => {
    const rounds: RoundReport<P, R, H>[] = [];
    const finish = (report: RoundReport<P, R, H>) => {
      rounds.push(report);
      onRound?.(report);
    };

    // Round 0: the defaults (no hyperparameters given: the run records the defaults it read).
    const seed = await traced("round 0", () => runAndReflect(task, models, task.seedParameters, [undefined]))();
    finish({ round: 0, runs: seed });
    let info: OptimizationInfo<P, R, H> = { olderTaskSummary: null, taskInfos: seed.map(taskInfoOf), bestHyperparameters: seed[0]!.run.hyperparameters };

    let stoppedBecause: OptimizationResult<P, R, H>["stoppedBecause"] = "round limit";
    for (let round = 1; round <= maxRounds; round++) {
      const report = await traced(`round ${round}`, async (): Promise<RoundReport<P, R, H>> => {
        const step = await LLMOptimizer.suggestNextOptimizationStep(optimizer, info);
        const runs = await runAndReflect(task, models, step.taskParametersSuggestions, step.hyperparameterSuggestions);
        info = { ...info, taskInfos: [...info.taskInfos, ...runs.map(taskInfoOf)], bestHyperparameters: step.bestHyperparameters };
        let summary: string | undefined;
        if (info.taskInfos.length > keepRecent) {
          // The runs about to be forgotten, with the older summary, become the new summary (the seed's order).
          const older = info.taskInfos.slice(0, info.taskInfos.length - keepRecent);
          summary = await LLMOptimizer.summarizeOptimizationInfo(optimizer, { ...info, taskInfos: older });
          info = { ...info, olderTaskSummary: summary, taskInfos: info.taskInfos.slice(-keepRecent) };
        }
        const improvement = await LLMOptimizer.probabilityForImprovement(optimizer, info);
        return { round, step, runs, ...(summary !== undefined ? { summary } : {}), improvement };
      })();
      finish(report);
      if (report.improvement!.probability < threshold) {
        stoppedBecause = "improvement unlikely";
        break;
      }
    }
    const final = await traced("final pick", () => LLMOptimizer.suggestNextOptimizationStep(optimizer, info))();
    return { rounds, stoppedBecause, final };
  })();
}

/**
 * Runs the task for every parameter set with every set of hyperparameters (`undefined`: the
 * defaults), one after the other, and reflects on each run. A generic helper too: the loop's table
 * passes it on with the task's types.
 */
async function runAndReflect<P, R, H>(
  task: OptimizationTask<P, R, H>,
  models: OptimizationModels,
  parameterSets: P[],
  hyperparameterSets: (H | undefined)[],
): Promise<ReflectedRun<P, R, H>[]> {
  const done: ReflectedRun<P, R, H>[] = [];
  for (const hyperparameters of hyperparameterSets) {
    for (const parameters of parameterSets) {
      const run = await task.run(models.writer, parameters, hyperparameters);
      const reflection = await LLMOptimizer.reflectOnTaskRun(models.optimizer, run);
      done.push({ run, reflection });
    }
  }
  return done;
}

function taskInfoOf<P, R, H>({ run, reflection }: ReflectedRun<P, R, H>): TaskInfo<P, R, H> {
  return { taskParameters: run.taskParameters, hyperparameters: run.hyperparameters, reflection };
}
