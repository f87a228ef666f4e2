/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  testPathIgnorePatterns: ["/fixtures/"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] },
  // A worker that compiled TypeScript programs holds a large heap, and on a loaded machine it takes
  // seconds to exit; at jest's default of 500 ms it was force-killed with a warning about leaked
  // handles, where none was left open. A real leak is still reported, 30 s later.
  workerGracefulExitTimeout: 30_000,
};
