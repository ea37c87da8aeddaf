// VS Code's JSON engine (vscode-json-languageservice) on sat-config documents, associated with the
// bundled schema as the README's `json.schemas` setting does, or through a document's `$schema`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { CURSOR, PROPERTY, docText, fileUri, hoverText, jsonEditor } from "./lib/editors.mjs";
import { readJson } from "./lib/engines.mjs";
import { corpus } from "./lib/corpus.mjs";
import { join } from "node:path";
import { BUNDLE, SCHEMAS } from "./lib/paths.mjs";
import { familySchema, modelTypes, propertyAt, propertyPaths } from "./lib/schema-walk.mjs";

const bundle = readJson(BUNDLE);
const BUNDLE_URI = fileUri(BUNDLE);
const NARROWED = ["autoencoder", "diffusion_cond", "lm"];
const editor = jsonEditor([{ uri: BUNDLE_URI, fileMatch: ["*.json"] }]);

const trainingKeys = (mt) => Object.keys(propertyAt(bundle, familySchema(bundle, mt), ["training"]).properties).sort();
const propertyLabels = (items) => items.filter((i) => i.kind === PROPERTY).map((i) => i.label).sort();
/** A schema-valid config of model type `mt`: its example, else a corpus or upstream one. */
const exampleOf = (mt) => {
  const all = corpus().filter((c) => c.valid && c.kind === "config" && c.data.model_type === mt);
  const found = all.find((c) => c.name.startsWith("examples/")) ?? all[0];
  if (!found) throw new Error(`no valid ${mt} config in the corpus`);
  return found;
};

/** `data` as 2-space JSON, with a key added to `training` (JSON.stringify keeps insertion order: last). */
function withTypo(data, key = "learning_rat") {
  const text = JSON.stringify({ ...data, training: { ...data.training, [key]: 1e-4 } }, null, 2);
  return { text, line: text.split("\n").findIndex((l) => l.includes(`"${key}"`)) };
}

test("completion inside training offers exactly the keys of that model_type, documented", async () => {
  for (const mt of NARROWED) {
    const items = await editor.complete(`{\n  "model_type": "${mt}",\n  "training": {${CURSOR}}\n}`);
    assert.deepEqual(propertyLabels(items), trainingKeys(mt), mt);
    const bare = items.filter((i) => i.kind === PROPERTY && !docText(i).trim()).map((i) => i.label);
    assert.deepEqual(bare, [], `${mt}: keys without a description`);
  }
  assert.equal(new Set(NARROWED.map((mt) => trainingKeys(mt).join())).size, NARROWED.length,
    "the model types' training keys should differ, or narrowing proves nothing");
});

test("narrowing works when model_type comes after the cursor", async () => {
  const items = await editor.complete(`{\n  "training": {${CURSOR}},\n  "model_type": "lm"\n}`);
  assert.deepEqual(propertyLabels(items), trainingKeys("lm"));
});

test("completion of the model_type value lists the six model types", async () => {
  const items = await editor.complete(`{\n  "model_type": ${CURSOR}\n}`);
  const values = items.map((i) => JSON.parse(i.label)).sort();
  assert.equal(values.length, 6);
  assert.deepEqual(values, [...modelTypes(bundle)].sort());
});

test("hover on a key shows its description and default", async () => {
  let checked = 0;
  for (const mt of NARROWED) {
    const training = propertyAt(bundle, familySchema(bundle, mt), ["training"]);
    for (const [key, prop] of Object.entries(training.properties)) {
      const sub = propertyAt(bundle, training, [key]);
      if (!("default" in sub) || !sub.description) continue;
      const text = `{"model_type": "${mt}", "training": {"${key.slice(0, 1)}${CURSOR}${key.slice(1)}": ${JSON.stringify(sub.default)}}}`;
      const shown = hoverText(await editor.hover(text));
      assert.ok(shown.includes(sub.description), `${mt} training.${key}: no description in ${JSON.stringify(shown)}`);
      assert.ok(shown.includes("**Default:**"), `${mt} training.${key}: no default in ${JSON.stringify(shown)}`);
      if (typeof sub.default !== "object" || sub.default === null) {
        assert.ok(shown.includes(`\`${JSON.stringify(sub.default)}\``), `${mt} training.${key}: ${shown}`);
      }
      checked += 1;
    }
  }
  assert.ok(checked >= 10, `only ${checked} keys with a default were hovered`);
});

test("a misspelled key is diagnosed on its own line, and nothing else is", async () => {
  for (const mt of NARROWED) {
    const { text, line } = withTypo({ ...exampleOf(mt).data, $schema: BUNDLE_URI });
    const found = await editor.diagnostics(text);
    assert.deepEqual(found.map((d) => [d.range.start.line, d.message]),
      [[line, "Property learning_rat is not allowed."]], mt);
  }
});

test("each example opens clean through its own relative $schema, fetching nothing", async () => {
  const plain = jsonEditor(); // no association: only the document's "$schema" key points at the schema
  for (const c of corpus().filter((x) => x.name.startsWith("examples/") && x.name.endsWith(".json"))) {
    const uri = fileUri(c.path);
    assert.equal(typeof c.data.$schema, "string", `${c.name} has no $schema`);
    assert.deepEqual(await plain.diagnostics(readFileSync(c.path, "utf8"), uri), [], c.name);
    const { text } = withTypo(c.data);
    assert.equal((await plain.diagnostics(text, uri)).length, 1, `${c.name}: the schema was not applied`);
  }
  assert.deepEqual(plain.refused, []);
});

test("defaultSnippets are offered where the schema has them", async () => {
  let offered = 0;
  for (const mt of modelTypes(bundle)) {
    for (const [path, schema] of propertyPaths(bundle, familySchema(bundle, mt), 4)) {
      if (!schema.defaultSnippets) continue;
      // {"model_type": mt, "a": {"b": §}}: the snippets come at the value position
      const open = path.map((k) => `"${k}": `).join("{");
      const text = `{"model_type": "${mt}", ${open}${CURSOR}${"}".repeat(path.length)}`;
      const labels = (await editor.complete(text)).map((i) => i.label);
      for (const snippet of schema.defaultSnippets) {
        assert.ok(labels.includes(snippet.label), `${mt} ${path.join(".")}: ${snippet.label} not in ${labels}`);
        offered += 1;
      }
    }
  }
  assert.ok(offered >= 5, `only ${offered} snippets found`);
  const trainingSnippets = modelTypes(bundle).filter((mt) => propertyAt(bundle, familySchema(bundle, mt), ["training"]).defaultSnippets);
  assert.ok(trainingSnippets.length > 0, "no model type offers a training block snippet");
});

test("enum values are offered with their enumDescriptions", async () => {
  let shown = 0;
  for (const mt of modelTypes(bundle)) {
    for (const [path, schema] of propertyPaths(bundle, familySchema(bundle, mt), 4)) {
      if (!schema.enum || !schema.enumDescriptions) continue;
      const open = path.map((k) => `"${k}": `).join("{");
      const items = await editor.complete(`{"model_type": "${mt}", ${open}${CURSOR}${"}".repeat(path.length)}`);
      schema.enum.forEach((value, i) => {
        const item = items.find((it) => it.label === JSON.stringify(value));
        assert.ok(item, `${mt} ${path.join(".")}: ${JSON.stringify(value)} not offered`);
        assert.ok(docText(item).includes(schema.enumDescriptions[i]), `${mt} ${path.join(".")}: ${value}`);
        shown += 1;
      });
    }
  }
  assert.ok(shown >= 3, `only ${shown} described enum values found`);
});

test("the editor's verdict on every corpus file matches the schema's", async () => {
  // JSON editors ignore a "#/$defs/dataset" fragment: dataset configs use their own file (README)
  const datasets = jsonEditor([{ uri: fileUri(join(SCHEMAS, "dataset.schema.json")), fileMatch: ["*.json"] }]);
  const wrong = [];
  for (const c of corpus()) {
    const { $schema, ...data } = c.data;
    const found = await (c.kind === "dataset" ? datasets : editor).diagnostics(JSON.stringify(data, null, 2));
    if ((found.length === 0) !== c.valid) {
      wrong.push(`${c.name}: expected ${c.valid ? "valid" : "invalid"}, got ${JSON.stringify(found.map((d) => d.message))}`);
    }
  }
  assert.deepEqual(wrong, []);
});
