/**
 * Preloaded (`node -r`) into a child process by cache-processes.test.ts: makes `better-sqlite3`
 * unresolvable, as for a user who did not install the optional dependency.
 */
import Module = require("node:module");

const resolvable = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
const resolve = resolvable._resolveFilename;
resolvable._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]): string {
  if (request === "better-sqlite3") {
    throw Object.assign(new Error(`Cannot find module '${request}'`), { code: "MODULE_NOT_FOUND" });
  }
  return resolve.call(this, request, ...rest);
};
