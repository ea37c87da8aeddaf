// Verdicts of every JavaScript engine for documents produced in Python (tests/schema/test_crosslang.py).
//
//   node verdicts.mjs --bundle BUNDLE.json --schemas DIR CASES.json
//
// CASES.json: [{"kind": "config" | "dataset", "data": ...}, ...]
// stdout:     {"engines": ["ajv/bundle", ...], "verdicts": [[true, false, ...], ...]}  (one row per case)
import { parseArgs } from "node:util";
import { allEngines, loadSchemaFiles, readJson } from "./lib/engines.mjs";

const { values, positionals } = parseArgs({
  options: { bundle: { type: "string" }, schemas: { type: "string" } },
  allowPositionals: true,
});
if (!values.bundle || !values.schemas || positionals.length !== 1) {
  console.error("usage: node verdicts.mjs --bundle BUNDLE.json --schemas DIR CASES.json");
  process.exit(2);
}
const engines = await allEngines(readJson(values.bundle), loadSchemaFiles(values.schemas));
const names = Object.keys(engines);
const verdicts = readJson(positionals[0]).map(({ kind, data }) => names.map((n) => engines[n](kind, data)));
process.stdout.write(JSON.stringify({ engines: names, verdicts }) + "\n");
