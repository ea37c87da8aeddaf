// Diagnostics VS Code's JSON engine gives files that name their schema only through their own
// "$schema" key (no settings), resolving offline (tests/schema/test_crosslang.py, for `sat-config init`).
//
//   node editor-check.mjs FILE...
//
// stdout: {"files": {"FILE": ["line:col message", ...]}, "refused": [non-file URIs requested]}
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileUri, jsonEditor } from "./lib/editors.mjs";

const editor = jsonEditor();
const files = {};
for (const file of process.argv.slice(2)) {
  const found = await editor.diagnostics(readFileSync(file, "utf8"), fileUri(resolve(file)));
  files[file] = found.map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1} ${d.message}`);
}
process.stdout.write(JSON.stringify({ files, refused: editor.refused }) + "\n");
