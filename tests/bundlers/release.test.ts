/**
 * A rollup build that does not watch lets go of its TypeScript project services when it closes,
 * so a process that runs many builds (a test runner, a build script) does not keep every
 * Program. In process, from the sources: no install needed.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { rollup } from "rollup";
import { projectServiceCount } from "../../transformer/bundler/core";
import llmStrategy from "../../transformer/bundler/rollup";

jest.setTimeout(120_000);

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "llm-strategy-release-"));
  fs.mkdirSync(path.join(dir, "src"));
  fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, module: "esnext", target: "es2022", noEmit: true }, include: ["src"] }));
  // Plain JavaScript in a .ts file: rollup parses it without a TypeScript plugin.
  fs.writeFileSync(path.join(dir, "src", "main.ts"), "export const answer = 42;\n");
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test("closing a build disposes of the project service it used; the next build makes a new one and still works", async () => {
  for (let round = 0; round < 2; round++) {
    const bundle = await rollup({ input: path.join(dir, "src", "main.ts"), plugins: [llmStrategy({ tsconfig: path.join(dir, "tsconfig.json") })] });
    expect(projectServiceCount()).toBe(1);
    const { output } = await bundle.generate({ format: "es" });
    expect(output[0].code).toContain("const answer = 42;");
    await bundle.close();
    expect(projectServiceCount()).toBe(0);
  }
});

test("two builds that share a service: closing one keeps it for the other", async () => {
  const options = { input: path.join(dir, "src", "main.ts") };
  const first = await rollup({ ...options, plugins: [llmStrategy({ tsconfig: path.join(dir, "tsconfig.json") })] });
  const second = await rollup({ ...options, plugins: [llmStrategy({ tsconfig: path.join(dir, "tsconfig.json") })] });
  expect(projectServiceCount()).toBe(1);
  await first.close();
  expect(projectServiceCount()).toBe(1);
  expect((await second.generate({ format: "es" })).output[0].code).toContain("const answer = 42;");
  await second.close();
  expect(projectServiceCount()).toBe(0);
});
