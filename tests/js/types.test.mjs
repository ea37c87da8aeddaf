// The generated TypeScript types (generated/typescript/sat-config.d.ts), checked by tsc: every
// schema-valid corpus config type-checks as the union, the union narrows on model_type, and a
// misspelled key, an unknown model_type or a quoted number is rejected.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";
import { readJson } from "./lib/engines.mjs";
import { corpus } from "./lib/corpus.mjs";
import { BUNDLE, TYPES } from "./lib/paths.mjs";
import { familySchema, modelTypes } from "./lib/schema-walk.mjs";

const bundle = readJson(BUNDLE);
const IMPORT = JSON.stringify(TYPES.replace(/\.d\.ts$/, ""));

const SOURCES = {};

/** Register a source file importing the generated types; `typecheck(name)` gives its diagnostics. */
function source(name, lines) {
  SOURCES[name] = [`import type * as T from ${IMPORT};`, ...lines].join("\n");
}

let results;
/** tsc diagnostics of source `name`, as "line: TScode message"; one program checks every source. */
function typecheck(name) {
  if (!results) {
    const dir = mkdtempSync(join(tmpdir(), "sat-config-ts-"));
    const files = Object.entries(SOURCES).map(([n, text]) => [n, join(dir, `${n}.ts`), text]);
    for (const [, file, text] of files) writeFileSync(file, text);
    const program = ts.createProgram(files.map(([, file]) => file), {
      noEmit: true, strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler, types: [],
    });
    results = Object.fromEntries(files.map(([n, file]) => [n, ts.getPreEmitDiagnostics(program, program.getSourceFile(file))
      .map((d) => `${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`)]));
    const library = ts.getPreEmitDiagnostics(program).filter((d) => !files.some(([, f]) => d.file?.fileName === f));
    results.types = library.map((d) => ts.flattenDiagnosticMessageText(d.messageText, " "));
    rmSync(dir, { recursive: true, force: true });  // the program has read every source
  }
  return results[name];
}

const typeName = (mt) => familySchema(bundle, mt).title;
const validCases = corpus().filter((c) => c.valid);
const types = modelTypes(bundle);

source("valid", validCases.map((c, i) =>
  `export const case${i}: T.${c.kind === "dataset" ? "DatasetConfig" : "TrainingConfig"} = ${JSON.stringify(c.data)}; // ${c.name}`));

source("narrowing", [
  "export function tagOf(config: T.TrainingConfig): string {",
  "  switch (config.model_type) {",
  ...types.map((mt) => `    case ${JSON.stringify(mt)}: { const narrowed: T.${typeName(mt)} = config; return narrowed.model_type; }`),
  "    default: { const unreachable: never = config; return unreachable; }",
  "  }",
  "}",
]);

const base = validCases.find((c) => c.kind === "config" && c.name.startsWith("examples/")).data;
const WRONG = {
  "misspelled key": { ...base, training: { ...base.training, learning_rat: 1e-4 } },
  "unknown model_type": { ...base, model_type: "gan" },
  "quoted number": { ...base, sample_rate: "44100" },
};
// Every @ts-expect-error must be used: an unused one is itself an error (TS2578).
source("rejected", Object.entries(WRONG).map(([why, data], i) =>
  `// @ts-expect-error ${why}\nexport const bad${i}: T.TrainingConfig = ${JSON.stringify(data)};`));
source("typo", [`export const typo: T.TrainingConfig = ${JSON.stringify(WRONG["misspelled key"])};`]);

test("the generated declarations themselves type-check", () => {
  assert.deepEqual(typecheck("types"), []);
});

test("every schema-valid corpus config type-checks as TrainingConfig / DatasetConfig", () => {
  assert.ok(validCases.length >= 40, `only ${validCases.length} valid cases`);
  assert.deepEqual(typecheck("valid"), []);
});

test("TrainingConfig is exactly the union of the model types and narrows on model_type", () => {
  assert.equal(types.length, 6);
  assert.deepEqual(typecheck("narrowing"), []);
});

test("a misspelled key, an unknown model_type and a quoted number are type errors", () => {
  assert.deepEqual(typecheck("rejected"), []);
  const typo = typecheck("typo");
  assert.equal(typo.length, 1, typo.join("\n"));
  assert.match(typo[0], /^2: TS2353 .*learning_rat/);
});
