// ajv and @hyperjump/json-schema, on the bundled schema and on the split files, give every corpus
// file the verdict the corpus states. (tests/schema/test_crosslang.py compares with Python's verdicts.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { allEngines, loadSchemaFiles, makeAjv, readJson, schemaUri } from "./lib/engines.mjs";
import { corpus } from "./lib/corpus.mjs";
import { BUNDLE, SCHEMAS } from "./lib/paths.mjs";

const bundle = readJson(BUNDLE);
const files = loadSchemaFiles(SCHEMAS);

test("every corpus file gets the stated verdict from every JS engine", async () => {
  const engines = await allEngines(bundle, files);
  const cases = corpus();
  assert.ok(cases.length >= 60, `only ${cases.length} corpus files`);
  const wrong = [];
  for (const c of cases) {
    for (const [name, verdict] of Object.entries(engines)) {
      const got = verdict(c.kind, c.data);
      if (got !== c.valid) wrong.push(`${c.name}: expected ${c.valid ? "valid" : "invalid"}, ${name} says ${got ? "valid" : "invalid"}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test("ajv compiles both schema forms in full strict mode (strictTypes, strictRequired) without a warning", () => {
  for (const [form, list] of [["bundle", [bundle]], ["files", files]]) {
    const { validator, warnings } = makeAjv(list);
    for (const kind of ["config", "dataset"]) validator(schemaUri(form, kind, bundle, files));
    assert.deepEqual(warnings, [], `${form}: ${warnings.join("\n")}`);
  }
});

test("ajv with allErrors reports a misspelled key by name, at its instance path", () => {
  const { validator } = makeAjv([bundle], { allErrors: true });
  const validate = validator(bundle.$id);
  const example = corpus().find((c) => c.kind === "config" && c.valid && c.name.startsWith("examples/"));
  const data = structuredClone(example.data);
  data.training.learning_rat = 1e-4;
  assert.equal(validate(data), false);
  assert.deepEqual(
    validate.errors.map((e) => [e.instancePath, e.keyword, e.params.additionalProperty]),
    [["/training", "additionalProperties", "learning_rat"]],
  );
});
