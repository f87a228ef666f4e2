import type { Completion, CompletionRequest, ModeFallback } from "../model";
import { redactText } from "../redact";

/**
 * How a model asks for JSON, best first, and what it learnt about endpoints: the one fallback
 * mechanism of the models that have several ways of asking (`openAI()`, `anthropic()`).
 *
 * An endpoint may refuse a mode (a 400 that names the feature): the request is made again in the
 * next mode. Or it may accept the schema and ignore it, which only the reply shows
 * (`CompletionRequest.schemaIgnored`): the request goes out in `withoutSchema`, the output types
 * in the prompt. Either way the endpoint (`baseURL|model`) starts in that mode from then on, and
 * the step is listed in `Completion.fallbacks` (so in `CallInfo.fallbacks`). A refusal of one
 * schema ("invalid schema") is remembered for that schema only. A mode the user set is never left.
 */
export class ModeLadder<M extends string> {
  /** Modes learnt per endpoint, shared by all models on it. */
  private readonly endpointModes = new Map<string, M>();
  /** Modes learnt per schema, when an endpoint rejected one schema rather than the mode. */
  private readonly schemaModes = new Map<string, M>();

  constructor(
    /** Modes in the order tried after a refusal, best first. */
    private readonly order: readonly M[],
    /** Whether a mode gives the endpoint the reply schema (and so sends the prompt without output types). */
    readonly sendsSchema: (mode: M) => boolean,
    /** Where a model goes when an endpoint ignored the schema. */
    private readonly withoutSchema: M,
  ) {}

  /** The mode a request to `endpoint` starts in: the user's, else what was learnt for its schema or the endpoint, else the best. */
  modeFor(endpoint: string, schemaHash: string, fixed: M | undefined): M {
    if (fixed !== undefined) return fixed;
    // No key is built per call until some endpoint has refused a schema.
    const forSchema = this.schemaModes.size ? this.schemaModes.get(`${endpoint}|${schemaHash}`) : undefined;
    return forSchema ?? this.endpointModes.get(endpoint) ?? this.order[0]!;
  }

  /**
   * The mode after the last reply showed the endpoint ignored the schema (`request.schemaIgnored`):
   * `withoutSchema`, remembered for the endpoint, with the step to report (also when another call
   * taught the endpoint first, so each call's info says why its mode changed); else `mode` as it is.
   */
  afterIgnoredSchema(endpoint: string, request: CompletionRequest, mode: M, fixed: M | undefined): { mode: M; fallback?: ModeFallback } {
    const ignored = request.schemaIgnored;
    if (ignored === undefined || fixed !== undefined) return { mode };
    const from = ignored.mode ?? mode;
    if (this.sendsSchema(mode)) {
      this.endpointModes.set(endpoint, this.withoutSchema);
      mode = this.withoutSchema;
    }
    return from === mode ? { mode } : { mode, fallback: { from, to: mode, reason: redactText(ignored.reason) } };
  }

  /**
   * The endpoint refused `mode` (`reason`: its error message): remembers the next mode for the
   * endpoint (for the schema only on "invalid schema") and returns the step, or undefined when
   * there is no next mode.
   */
  refused(endpoint: string, schemaHash: string, mode: M, reason: string): ModeFallback | undefined {
    const next = this.order[this.order.indexOf(mode) + 1];
    if (!next) return undefined;
    const redacted = redactText(reason);
    // A rejected schema says nothing about the endpoint's other schemas.
    if (/invalid schema/i.test(redacted)) this.schemaModes.set(`${endpoint}|${schemaHash}`, next);
    else this.endpointModes.set(endpoint, next);
    return { from: mode, to: next, reason: redacted };
  }

  /**
   * Runs `attempt` in the endpoint's mode, stepping down as described above.
   * @param isRefusal Whether an error is the endpoint refusing the mode (not a failure to retry or report).
   * @param fail Turns the final error into the one the caller gets.
   */
  async run(
    request: CompletionRequest,
    endpoint: string,
    fixed: M | undefined,
    attempt: (mode: M) => Promise<Completion>,
    isRefusal: (error: unknown) => boolean,
    fail: (error: unknown, mode: M) => Error,
  ): Promise<Completion> {
    const start = this.afterIgnoredSchema(endpoint, request, this.modeFor(endpoint, request.spec.hash, fixed), fixed);
    let mode = start.mode;
    const fallbacks: ModeFallback[] = start.fallback ? [start.fallback] : [];
    for (;;) {
      try {
        const completion = await attempt(mode);
        if (fallbacks.length) completion.fallbacks = [...fallbacks, ...(completion.fallbacks ?? [])];
        return completion;
      } catch (error) {
        const step = fixed === undefined && isRefusal(error) ? this.refused(endpoint, request.spec.hash, mode, (error as Error).message) : undefined;
        if (!step) throw fail(error, mode);
        fallbacks.push(step);
        mode = step.to as M;
      }
    }
  }
}
