import * as path from "node:path";
import type * as ts from "typescript";
import type { TransformerContext } from "../context";

/**
 * How emitted code reaches a class it revives, always through a thunk (a decorated class is a `let` initialised late, so a direct reference could hit its temporal dead zone):
 * `() => Customer` for a module-scope class of the same file, or `() => ns.Customer` through a
 * namespace import the transformer adds. It never reuses the user's own import binding: TypeScript
 * elides imports used only as types, and under CommonJS it renames the bindings it keeps
 * (`customer_1.Customer`), which a synthesized identifier would miss.
 */
export type ClassAccess = { kind: "local"; name: string } | { kind: "module"; specifier: string; exportName: string };

export type ClassResolution = { ok: true; access: ClassAccess } | { ok: false; reason: string };

/** Resolves class declarations to how the given file's emitted code can reach them; cached per declaration. */
export function createClassResolver(context: TransformerContext, file: ts.SourceFile): (declaration: ts.ClassLikeDeclaration) => ClassResolution {
  const { ts: tsi, checker, program } = context;
  const cache = new Map<ts.ClassLikeDeclaration, ClassResolution>();
  let importedModules: { specifier: string; module: ts.Symbol }[] | undefined;

  function modulesImportedByFile(): { specifier: string; module: ts.Symbol }[] {
    if (importedModules) return importedModules;
    importedModules = [];
    for (const statement of file.statements) {
      const specifier =
        (tsi.isImportDeclaration(statement) || tsi.isExportDeclaration(statement)) && statement.moduleSpecifier && tsi.isStringLiteral(statement.moduleSpecifier)
          ? statement.moduleSpecifier
          : undefined;
      if (!specifier) continue;
      const module = checker.getSymbolAtLocation(specifier);
      if (module) importedModules.push({ specifier: specifier.text, module });
    }
    return importedModules;
  }

  function exportNameOf(module: ts.Symbol, classSymbol: ts.Symbol): string | undefined {
    for (const exported of checker.getExportsOfModule(module)) {
      const target = exported.flags & tsi.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      if (target === classSymbol) return exported.getName();
    }
    return undefined;
  }

  function resolve(declaration: ts.ClassLikeDeclaration): ClassResolution {
    const declaringFile = declaration.getSourceFile();
    const className = declaration.name?.text ?? "(anonymous class)";
    if (!tsi.isClassDeclaration(declaration)) {
      return { ok: false, reason: "it is a class expression; declare it as `class " + className + " { ... }` at module scope" };
    }
    if (declaringFile === file) {
      if (!tsi.isSourceFile(declaration.parent)) {
        return { ok: false, reason: "it is declared inside a function, block or namespace; move it to module scope" };
      }
      if (!declaration.name) return { ok: false, reason: "it is an anonymous default export; give the class a name" };
      return { ok: true, access: { kind: "local", name: declaration.name.text } };
    }
    const classSymbol = declaration.name ? checker.getSymbolAtLocation(declaration.name) : undefined;
    const declaringModule = checker.getSymbolAtLocation(declaringFile);
    if (!classSymbol || !declaringModule) {
      return { ok: false, reason: `it is declared in ${displayPath(context, declaringFile)}, which is not a module` };
    }
    // Prefer a module this file already imports (its own specifier is right for the project's resolution).
    const imports = modulesImportedByFile();
    const ordered = [...imports.filter((entry) => entry.module === declaringModule), ...imports.filter((entry) => entry.module !== declaringModule)];
    for (const entry of ordered) {
      const exportName = exportNameOf(entry.module, classSymbol);
      if (exportName) return { ok: true, access: { kind: "module", specifier: entry.specifier, exportName } };
    }
    const exportName = exportNameOf(declaringModule, classSymbol);
    if (!exportName) return { ok: false, reason: `it is not exported from ${displayPath(context, declaringFile)}` };
    if (declaringFile.isDeclarationFile || program.isSourceFileFromExternalLibrary(declaringFile)) {
      return { ok: false, reason: `it is declared in ${displayPath(context, declaringFile)}; import it in this file` };
    }
    return { ok: true, access: { kind: "module", specifier: relativeSpecifier(context, file, declaringFile), exportName } };
  }

  return (declaration) => {
    let resolution = cache.get(declaration);
    if (!resolution) {
      resolution = resolve(declaration);
      cache.set(declaration, resolution);
    }
    return resolution;
  };
}

function displayPath(context: TransformerContext, file: ts.SourceFile): string {
  const relative = path.posix.relative(context.projectDir, file.fileName.replace(/\\/g, "/"));
  return relative.startsWith("../node_modules/") || relative.includes("/node_modules/") ? relative.slice(relative.lastIndexOf("node_modules/")) : relative;
}

/**
 * A relative specifier from one source file to another that works in the emitted JavaScript:
 * with the output extension (`.js`, `.mjs`, `.cjs`) where Node's ESM resolution needs one (ESM
 * files under `node16`/`nodenext`) or the file already writes extensions, else without.
 */
function relativeSpecifier(context: TransformerContext, from: ts.SourceFile, to: ts.SourceFile): string {
  const { ts: tsi } = context;
  const fromPath = from.fileName.replace(/\\/g, "/");
  const toPath = to.fileName.replace(/\\/g, "/");
  const sourceExtension = /\.(d\.)?[cm]?tsx?$/.exec(toPath)?.[0] ?? "";
  let specifier = path.posix.relative(path.posix.dirname(fromPath), toPath.slice(0, toPath.length - sourceExtension.length));
  if (!specifier.startsWith(".")) specifier = "./" + specifier;
  const outputExtension = sourceExtension.endsWith("mts") ? ".mjs" : sourceExtension.endsWith("cts") ? ".cjs" : ".js";
  const options = context.program.getCompilerOptions();
  const resolution = options.moduleResolution ?? defaultResolution(tsi, options.module);
  const nodeEsm =
    (resolution === tsi.ModuleResolutionKind.Node16 || resolution === tsi.ModuleResolutionKind.NodeNext) &&
    from.impliedNodeFormat === tsi.ModuleKind.ESNext;
  const needsExtension = nodeEsm || outputExtension !== ".js" || writesExtensions(tsi, from);
  return needsExtension ? specifier + outputExtension : specifier;
}

function defaultResolution(tsi: typeof ts, module: ts.ModuleKind | undefined): ts.ModuleResolutionKind | undefined {
  if (module === tsi.ModuleKind.Node16) return tsi.ModuleResolutionKind.Node16;
  if (module === tsi.ModuleKind.NodeNext) return tsi.ModuleResolutionKind.NodeNext;
  return undefined;
}

/** The file's own relative imports name extensions (`./customer.js`): follow its convention. */
function writesExtensions(tsi: typeof ts, file: ts.SourceFile): boolean {
  return file.statements.some(
    (statement) =>
      (tsi.isImportDeclaration(statement) || tsi.isExportDeclaration(statement)) &&
      statement.moduleSpecifier !== undefined &&
      tsi.isStringLiteral(statement.moduleSpecifier) &&
      /^\.\.?\/.*\.[cm]?[jt]sx?$/.test(statement.moduleSpecifier.text),
  );
}
