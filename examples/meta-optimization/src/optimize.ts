/**
 * The meta-optimization loop of the seed's `examples/research/meta_optimization.py`, for the essay
 * task: run the task with the default hyperparameters and reflect on each run; then, round after
 * round, ask for the next step, run what it suggests and reflect on it, summarize the runs about to
 * be forgotten, and stop when the probability of improvement falls below the threshold.
 *
 * The calls of the four generic stubs are written here with the essay task's concrete types, so the
 * transformer sends the model the schemas of `EssayTopic`, `Essay` and `EssayHyperparameters`. (Inside
 * a generic helper `optimize<P, R, H>()` the call sites would see only the type parameters, which
 * have no schema: specialisation happens at compile time, at the call the compiler can see.)
 */
import { traced, type LanguageModel } from "llm-strategy";
import { runEssayTask, type Essay, type EssayHyperparameters, type EssayTopic } from "./essay-task";
import {
  probabilityForImprovement,
  reflectOnTaskRun,
  suggestNextOptimizationStep,
  summarizeOptimizationInfo,
  type ImprovementProbability,
  type OptimizationInfo,
  type OptimizationStep,
  type TaskInfo,
  type TaskReflection,
  type TaskRun,
} from "./optimizer";

type EssayRun = TaskRun<EssayTopic, Essay, EssayHyperparameters>;
type EssayInfo = TaskInfo<EssayTopic, Essay, EssayHyperparameters>;
type EssayOptimizationInfo = OptimizationInfo<EssayTopic, Essay, EssayHyperparameters>;
type EssayStep = OptimizationStep<EssayTopic, Essay, EssayHyperparameters>;

/** The two models: the task's and the optimizer's (the seed uses a cheaper one for the task). */
export interface OptimizationModels {
  /** Writes the essays (the chat chain's model). */
  writer: LanguageModel;
  /** Answers the four optimizer stubs (passed to them explicitly). */
  optimizer: LanguageModel;
}

/** What happened in one round, for printing. Round 0 runs the defaults and has no step or probability. */
export interface RoundReport {
  round: number;
  /** The step the round tried (rounds 1 and later). */
  step?: EssayStep;
  runs: { run: EssayRun; reflection: TaskReflection }[];
  /** The summary of older runs written this round, if the list of recent runs grew too long. */
  summary?: string;
  /** The probability of improvement after this round (rounds 1 and later). */
  improvement?: ImprovementProbability;
}

export interface OptimizationOptions {
  /** Rounds after round 0 at most, however likely an improvement still is. Default 6. */
  maxRounds?: number;
  /** Task runs kept verbatim in the optimization info; older ones are summarized. Default 4. */
  keepRecent?: number;
  /** Stop when the probability of improvement is below this. Default 0.5 (the seed's). */
  threshold?: number;
  /** Called when a round is done. */
  onRound?: (report: RoundReport) => void;
}

export interface OptimizationResult {
  rounds: RoundReport[];
  stoppedBecause: "improvement unlikely" | "round limit";
  /** The optimizer's final step, asked after stopping (its suggestions are not tried): its `bestHyperparameters` weigh every run. */
  final: EssayStep;
}

/**
 * Optimizes the essay task's hyperparameters on `seedTopics`. Each round is a traced span
 * (`round 0`, `round 1`, ...) holding the round's task runs and optimizer calls.
 */
export async function optimizeEssayHyperparameters(models: OptimizationModels, seedTopics: EssayTopic[], options: OptimizationOptions = {}): Promise<OptimizationResult> {
  const { maxRounds = 6, keepRecent = 4, threshold = 0.5, onRound } = options;
  const { optimizer } = models;
  const rounds: RoundReport[] = [];
  const finish = (report: RoundReport) => {
    rounds.push(report);
    onRound?.(report);
  };

  // Round 0: the defaults (no hyperparameters given: the run records the defaults it read).
  const seed = await traced("round 0", () => runAndReflect(models, seedTopics, [undefined]))();
  finish({ round: 0, runs: seed });
  let info: EssayOptimizationInfo = { olderTaskSummary: null, taskInfos: seed.map(taskInfoOf), bestHyperparameters: seed[0]!.run.hyperparameters };

  let stoppedBecause: OptimizationResult["stoppedBecause"] = "round limit";
  for (let round = 1; round <= maxRounds; round++) {
    const report = await traced(`round ${round}`, async (): Promise<RoundReport> => {
      const step = await suggestNextOptimizationStep(optimizer, info);
      const runs = await runAndReflect(models, step.taskParametersSuggestions, step.hyperparameterSuggestions);
      info = { ...info, taskInfos: [...info.taskInfos, ...runs.map(taskInfoOf)], bestHyperparameters: step.bestHyperparameters };
      let summary: string | undefined;
      if (info.taskInfos.length > keepRecent) {
        // The runs about to be forgotten, with the older summary, become the new summary (the seed's order).
        const older = info.taskInfos.slice(0, info.taskInfos.length - keepRecent);
        summary = await summarizeOptimizationInfo(optimizer, { ...info, taskInfos: older });
        info = { ...info, olderTaskSummary: summary, taskInfos: info.taskInfos.slice(-keepRecent) };
      }
      const improvement = await probabilityForImprovement(optimizer, info);
      return { round, step, runs, ...(summary !== undefined ? { summary } : {}), improvement };
    })();
    finish(report);
    if (report.improvement!.probability < threshold) {
      stoppedBecause = "improvement unlikely";
      break;
    }
  }
  const final = await traced("final pick", () => suggestNextOptimizationStep(optimizer, info))();
  return { rounds, stoppedBecause, final };
}

/** Runs the task for every topic with every set of hyperparameters (`undefined`: the defaults), one after the other, and reflects on each run. */
async function runAndReflect(
  models: OptimizationModels,
  topics: EssayTopic[],
  hyperparameterSets: (EssayHyperparameters | undefined)[],
): Promise<{ run: EssayRun; reflection: TaskReflection }[]> {
  const done: { run: EssayRun; reflection: TaskReflection }[] = [];
  for (const hyperparameters of hyperparameterSets) {
    for (const topic of topics) {
      const run = await runEssayTask(models.writer, topic, hyperparameters);
      const reflection = await reflectOnTaskRun(models.optimizer, run);
      done.push({ run, reflection });
    }
  }
  return done;
}

function taskInfoOf({ run, reflection }: { run: EssayRun; reflection: TaskReflection }): EssayInfo {
  return { taskParameters: run.taskParameters, hyperparameters: run.hyperparameters, reflection };
}
