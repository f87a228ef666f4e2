/**
 * The bundler plugins (`llm-strategy/vite`, `rollup`, `esbuild`, `webpack`, `rspack`), one
 * unplugin factory. A TypeScript file the bundler loads that holds stubs, `implement<I>()` calls
 * or calls of generic stubs is emitted through TypeScript with the transformer (the whole file,
 * so decorators of both flavours compile as `tsc` compiles them) and handed back as ES module
 * JavaScript with a source map; every other file is left to the bundler.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type * as ts from "typescript";
import { createUnplugin, type UnpluginBuildContext, type UnpluginContext, type UnpluginInstance, type UnpluginMessage, type UnpluginOptions } from "unplugin";
import { findTsconfig, formatDiagnostics } from "../project";
import type { LlmStrategyPluginOptions } from "./options";
import { normalizePath, ProjectService, type FileOutcome, type SourceMapJson } from "./project-service";

/** TypeScript modules the plugin may compile; declarations and anything under node_modules are left alone. */
const TYPESCRIPT_MODULE = /\.[cm]?tsx?$/;

/** One service per tsconfig and option set, shared by every plugin instance in the process (vite's environments, vitest's projects). */
const services = new Map<string, ProjectService>();
/** How many plugin instances use each service: the last one to let go of it disposes of it. */
const holders = new Map<ProjectService, number>();

/** How many project services the process holds (for tests: a finished build releases its own). @internal */
export function projectServiceCount(): number {
  return services.size;
}

export const llmStrategyUnplugin: UnpluginInstance<LlmStrategyPluginOptions | undefined, false> = createUnplugin<LlmStrategyPluginOptions | undefined, false>(
  (options = {}, meta) => {
    // unplugin's webpack and rspack loader passes a transform's map on only when the loader
    // itself received one, which the first loader never does: the map also goes inline, where
    // the next loader (swc, babel) reads it.
    const inlineMap = meta.framework === "webpack" || meta.framework === "rspack";
    const pluginOptions = {
      ...(options.manifest !== undefined ? { manifest: options.manifest } : {}),
      ...(options.warnings !== undefined ? { warnings: options.warnings } : {}),
      ...(options.runtimeModule !== undefined ? { runtimeModule: options.runtimeModule } : {}),
    };
    let root = process.cwd();
    const used = new Set<ProjectService>();
    const serviceByFile = new Map<string, ProjectService>();
    /** Project source -> the transformed files whose specs come partly from it. */
    const dependents = new Map<string, Set<string>>();

    function service(configPath: string): ProjectService {
      const key = `${configPath}\u0000${JSON.stringify(pluginOptions)}`;
      let found = services.get(key);
      if (!found) services.set(key, (found = new ProjectService(configPath, pluginOptions)));
      if (!used.has(found)) {
        used.add(found);
        holders.set(found, (holders.get(found) ?? 0) + 1);
      }
      return found;
    }

    /** After a build that will not run again: lets go of this instance's services, disposing of those no other instance uses. */
    function release(): void {
      for (const known of used) {
        const left = (holders.get(known) ?? 1) - 1;
        if (left > 0) {
          holders.set(known, left);
          continue;
        }
        holders.delete(known);
        for (const [key, service] of services) if (service === known) services.delete(key);
        known.dispose();
      }
      used.clear();
      serviceByFile.clear();
      dependents.clear();
    }
    /** Builds started and not yet closed: vite builds its environments with one instance, and may overlap them. */
    let openBuilds = 0;

    function serviceFor(file: string): ProjectService {
      let found = serviceByFile.get(file);
      if (!found) {
        const nearest = service(findTsconfig(options.tsconfig !== undefined ? root : path.dirname(file), options.tsconfig));
        found = options.tsconfig !== undefined ? nearest : (includingReference(nearest, file, new Set()) ?? nearest);
        serviceByFile.set(file, found);
      }
      return found;
    }

    function includingReference(candidate: ProjectService, file: string, seen: Set<string>): ProjectService | undefined {
      if (candidate.includes(file)) return candidate;
      seen.add(candidate.configPath);
      for (const reference of candidate.references()) {
        if (seen.has(reference)) continue;
        const found = includingReference(service(reference), file, seen);
        if (found) return found;
      }
      return undefined;
    }

    function compile(context: UnpluginContext & UnpluginBuildContext, code: string, id: string): { code: string; map?: SourceMapJson } | null {
      const file = normalizePath(id);
      const project = serviceFor(file);
      const outcome = project.transform(file, code);
      if (!outcome) return null;
      for (const watched of outcome.watchFiles) {
        let files = dependents.get(watched);
        if (!files) dependents.set(watched, (files = new Set()));
        files.add(file);
      }
      if (!report(context, project.tsi, outcome, file, root)) return null;
      const emitted = outcome.code!;
      const { map } = outcome;
      if (!map) return { code: emitted };
      const inline = `//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString("base64")}\n`;
      return { code: inlineMap ? emitted + inline : emitted, map };
    }

    // Rollup has no "pre": a TypeScript plugin that compiles in `load` (@rollup/plugin-typescript)
    // would hand on JavaScript. Loading the file ourselves, listed first, works with either kind.
    const compileHooks: Pick<UnpluginOptions, "load" | "loadInclude" | "transform" | "transformInclude"> =
      meta.framework === "rollup"
        ? {
            loadInclude: isTypeScriptModule,
            load(id) {
              return compile(this, fs.readFileSync(id, "utf8"), id);
            },
          }
        : {
            transformInclude: isTypeScriptModule,
            transform(code, id) {
              return compile(this, code, id);
            },
          };

    return {
      name: "llm-strategy",
      enforce: "pre",
      ...compileHooks,
      buildStart() {
        openBuilds++;
        for (const known of used) known.refreshFromDisk();
      },
      watchChange(id, change) {
        const file = normalizePath(id);
        if (change.event !== "update") serviceByFile.clear();
        for (const known of used) known.fileChanged(file, change.event);
      },
      writeBundle() {
        for (const known of used) known.restoreManifest();
      },
      // Rollup and vite only (unplugin passes this hook on to them): a build that does not watch
      // will not use its services again. In watch mode and vite's dev server they stay.
      closeBundle(this: { meta?: { watchMode?: boolean } } | undefined) {
        openBuilds = Math.max(0, openBuilds - 1);
        if (openBuilds === 0 && !this?.meta?.watchMode) release();
      },
      vite: {
        configResolved(config: { root: string }) {
          root = config.root;
        },
        // Vite only soft-invalidates a module that imports the changed one (it reuses the
        // transform and updates import URLs), but a stub file's specs are built from the types it
        // imports: transform it again.
        hotUpdate(this: { environment: { moduleGraph: ViteModuleGraph } }, update: { file: string; modules: ViteModule[]; timestamp: number }) {
          const files = dependents.get(normalizePath(update.file));
          if (!files) return undefined;
          const graph = this.environment.moduleGraph;
          const stale = [...files].flatMap((dependent) => [...(graph.getModulesByFile(dependent) ?? [])]);
          for (const module of stale) graph.invalidateModule(module, new Set(), update.timestamp, true);
          return [...new Set([...update.modules, ...stale])];
        },
      },
      webpack(compiler) {
        root = compiler.context;
      },
      rspack(compiler) {
        root = compiler.context;
      },
      esbuild: {
        onLoadFilter: TYPESCRIPT_MODULE,
        config(buildOptions) {
          if (buildOptions.absWorkingDir) root = buildOptions.absWorkingDir;
        },
      },
    };
  },
);

/** The parts of vite's environment module graph `hotUpdate` uses (vite's own types need bundler resolution). */
interface ViteModuleGraph {
  getModulesByFile(file: string): Set<ViteModule> | undefined;
  invalidateModule(module: ViteModule, seen: Set<ViteModule>, timestamp: number, isHmr: boolean): void;
}
type ViteModule = object;

function isTypeScriptModule(id: string): boolean {
  return TYPESCRIPT_MODULE.test(id) && !/\.d\.[cm]?ts$/.test(id) && !/[\\/]node_modules[\\/]/.test(id) && !id.includes("?") && !id.startsWith("\0");
}

/**
 * Hands the file's diagnostics to the bundler as `tsc` prints them (`src/a.ts(12,5): error
 * TS91001: LLM1001: ...`), with file and line where the bundler shows them. Returns whether the
 * emitted code may be used (no errors, and there is code).
 */
function report(context: UnpluginContext, tsi: typeof ts, outcome: FileOutcome, file: string, root: string): boolean {
  // Also when the file fails: fixing an imported type is how some errors are fixed.
  const watcher = context as Partial<{ addWatchFile(id: string): void }>;
  for (const watched of outcome.watchFiles) watcher.addWatchFile?.(watched);
  for (const warning of outcome.warnings) context.warn(message(tsi, warning, file, root));
  if (outcome.errors.length > 0) {
    const first = message(tsi, outcome.errors[0]!, file, root);
    context.error({ ...first, message: outcome.errors.map((error) => message(tsi, error, file, root).message).join("\n") });
    return false;
  }
  return outcome.code !== undefined;
}

function message(tsi: typeof ts, diagnostic: ts.Diagnostic, file: string, root: string): UnpluginMessage {
  const text = formatDiagnostics(tsi, [diagnostic], root).trimEnd();
  const source = diagnostic.file;
  if (!source || diagnostic.start === undefined) return { message: text, id: file, plugin: "llm-strategy" };
  const { line, character } = source.getLineAndCharacterOfPosition(diagnostic.start);
  return { message: text, id: source.fileName, plugin: "llm-strategy", loc: { file: source.fileName, line: line + 1, column: character } };
}
