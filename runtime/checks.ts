import type { CallSpec, CheckSpec } from "./spec";

/** What a run-time check hook learns about the call besides the value. */
export interface CheckInfo {
  /** The stub's spec id, e.g. `src/customer.ts:12 Customer.age`. */
  stub: string;
  /** For a generic stub: the call site's type arguments. */
  typeArguments?: string;
  /** The inputs sent to the model: `this` first, then arguments by name. */
  input: Record<string, unknown>;
  /** The stub's arguments as the caller passed them, in parameter order. */
  args: readonly unknown[];
  /** 1 for the first reply, 2 for the first repair's, ... */
  attempt: number;
}

/**
 * A check in code, for rules a `@check` expression cannot say (I/O, shared code): returns what is
 * wrong with the value (revived, as the stub returns it), one sentence each, in words the model
 * can act on; an empty array when nothing is. What it returns (or the message it throws) is a
 * validation error like a failed `@check`: sent back to the model in the repair request.
 */
export type CheckHook = (value: unknown, info: CheckInfo) => string[] | Promise<string[]>;

/** What a failed `@check` says, in the repair request and in `LLMOutputError`. */
export function checkFailure(check: Pick<CheckSpec, "expression" | "message">, threw?: unknown): string {
  const what = check.message ? `${check.message} (check \`${check.expression}\`)` : `check \`${check.expression}\``;
  if (threw === undefined) return `${what} failed`;
  return `${what} threw ${threw instanceof Error ? `${threw.name}: ${threw.message}` : String(threw)}`;
}

/**
 * Runs the stub's `@check`s, then the scope's check hooks, on an accepted value; returns every
 * failure. A check or hook that throws is a failure with the exception's message, never a crash.
 */
export async function failedChecks(
  spec: CallSpec,
  value: unknown,
  receiver: unknown,
  hooks: readonly CheckHook[],
  info: CheckInfo,
): Promise<string[]> {
  const failures: string[] = [];
  for (const check of spec.checks ?? []) {
    try {
      if (!check.test.call(receiver, value, ...info.args)) failures.push(checkFailure(check));
    } catch (error) {
      failures.push(checkFailure(check, error));
    }
  }
  for (const hook of hooks) {
    try {
      const found: unknown = await hook(value, info);
      if (!Array.isArray(found)) failures.push(`a check hook (withCallOptions({ check })) returned ${typeof found}, not an array of messages`);
      else for (const message of found) failures.push(String(message));
    } catch (error) {
      failures.push(`a check hook (withCallOptions({ check })) threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    }
  }
  return failures;
}
