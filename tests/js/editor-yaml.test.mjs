// yaml-language-server (the engine of the VS Code YAML extension) on YAML configs, with the bundled
// schema named by a modeline (`# yaml-language-server: $schema=...`) or by association.
import { afterEach, test } from "node:test";
import assert from "node:assert/strict";
import { stringify } from "yaml";
import { CURSOR, PROPERTY, docText, fileUri, hoverText, yamlEditor } from "./lib/editors.mjs";
import { readJson } from "./lib/engines.mjs";
import { corpus } from "./lib/corpus.mjs";
import { join } from "node:path";
import { BUNDLE, SCHEMAS } from "./lib/paths.mjs";
import { effective, familySchema, modelTypes, propertyAt, propertyPaths } from "./lib/schema-walk.mjs";

const bundle = readJson(BUNDLE);
const BUNDLE_URI = fileUri(BUNDLE);
const MODELINE = `# yaml-language-server: $schema=${BUNDLE_URI}\n`;
const NARROWED = ["autoencoder", "diffusion_cond", "lm"];
const editor = yamlEditor();

// yaml-ls swallows its own exceptions (a half-built completion list is the only symptom).
afterEach(() => assert.deepEqual(editor.errors.splice(0), []));

const trainingKeys = (mt) => Object.keys(propertyAt(bundle, familySchema(bundle, mt), ["training"]).properties).sort();
const propertyLabels = (items) => items.filter((i) => i.kind === PROPERTY).map((i) => i.label).sort();
/** A schema-valid config of model type `mt`: its example, else a corpus or upstream one. */
const exampleOf = (mt) => {
  const all = corpus().filter((c) => c.valid && c.kind === "config" && c.data.model_type === mt);
  const found = all.find((c) => c.name.startsWith("examples/")) ?? all[0];
  if (!found) throw new Error(`no valid ${mt} config in the corpus`);
  return found;
};
const toYaml = (data) => stringify(data, { version: "1.2", lineWidth: 0 });

/**
 * yaml-ls reads a string tag as possibly unfinished while completing: `diffusion_cond` also
 * matches `diffusion_cond_inpaint`, whose training keys are the same (offered twice, once with
 * each type's documentation). Types no other type's tag extends must come out exact.
 */
function assertNarrowed(items, mt) {
  const labels = propertyLabels(items);
  if (modelTypes(bundle).some((other) => other !== mt && other.startsWith(mt))) {
    assert.deepEqual([...new Set(labels)], trainingKeys(mt), mt);
  } else {
    assert.deepEqual(labels, trainingKeys(mt), mt);
  }
}

test("completion under training: offers exactly the keys of that model_type (modeline)", async () => {
  for (const mt of NARROWED) {
    const items = await editor.complete(`${MODELINE}model_type: ${mt}\ntraining:\n  ${CURSOR}\n`);
    assertNarrowed(items, mt);
    const bare = items.filter((i) => i.kind === PROPERTY && !docText(i).trim()).map((i) => i.label);
    assert.deepEqual(bare, [], `${mt}: keys without a description`);
  }
});

test("completion narrows with a yaml.schemas association too", async () => {
  const associated = yamlEditor([{ uri: BUNDLE_URI, fileMatch: ["*.yaml"] }]);
  const items = await associated.complete(`model_type: lm\ntraining:\n  ${CURSOR}\n`);
  assertNarrowed(items, "lm");
  assert.deepEqual([associated.refused, associated.errors], [[], []]);
});

test("completion of the model_type value lists the six model types", async () => {
  const items = await editor.complete(`${MODELINE}model_type: ${CURSOR}\n`);
  const values = items.map((i) => i.label).filter((l) => modelTypes(bundle).includes(l)).sort();
  assert.deepEqual(values, [...modelTypes(bundle)].sort());
  assert.equal(values.length, 6);
});

test("a misspelled key is diagnosed on its own line, and nothing else is", async () => {
  for (const mt of NARROWED) {
    const { $schema, ...data } = exampleOf(mt).data;
    const text = MODELINE + toYaml({ ...data, training: { ...data.training, learning_rat: 1e-4 } });
    const line = text.split("\n").findIndex((l) => l.trimStart().startsWith("learning_rat:"));
    const found = await editor.diagnostics(text);
    assert.deepEqual(found.map((d) => [d.range.start.line, d.message]),
      [[line, "Property learning_rat is not allowed."]], mt);
  }
});

test("hover on a key shows its description and default", async () => {
  let checked = 0;
  for (const mt of NARROWED) {
    const training = propertyAt(bundle, familySchema(bundle, mt), ["training"]);
    for (const key of Object.keys(training.properties)) {
      const sub = propertyAt(bundle, training, [key]);
      if (!("default" in sub) || !sub.description) continue;
      const value = JSON.stringify(sub.default); // JSON is YAML
      const shown = hoverText(await editor.hover(`${MODELINE}model_type: ${mt}\ntraining:\n  ${key[0]}${CURSOR}${key.slice(1)}: ${value}\n`));
      assert.ok(shown.includes(sub.description), `${mt} training.${key}: no description in ${JSON.stringify(shown)}`);
      // For an anyOf key whose every alternative matches (a null default of "object or null"),
      // yaml-ls shows the plain descriptions of the alternatives instead of markdownDescription.
      if (!effective(bundle, training.properties[key]).anyOf) {
        assert.ok(shown.includes("**Default:**"), `${mt} training.${key}: no default in ${JSON.stringify(shown)}`);
        checked += 1;
      }
    }
  }
  assert.ok(checked >= 10, `only ${checked} keys with a default were hovered`);
});

test("defaultSnippets are offered inside the sections that have them", async () => {
  let offered = 0;
  for (const mt of modelTypes(bundle)) {
    for (const [path, schema] of propertyPaths(bundle, familySchema(bundle, mt), 4)) {
      if (!schema.defaultSnippets) continue;
      const nested = path.map((k, i) => `${"  ".repeat(i)}${k}:\n`).join("");
      const text = `${MODELINE}model_type: ${mt}\n${nested}${"  ".repeat(path.length)}${CURSOR}\n`;
      const labels = (await editor.complete(text)).map((i) => i.label);
      for (const snippet of schema.defaultSnippets) {
        assert.ok(labels.includes(snippet.label), `${mt} ${path.join(".")}: ${snippet.label} not in ${labels}`);
        offered += 1;
      }
    }
  }
  assert.ok(offered >= 5, `only ${offered} snippets found`);
});

test("the YAML editor's verdict on every corpus file matches the schema's", async () => {
  // Dataset configs name their own schema file (README). A "#/$defs/dataset" fragment of the
  // bundle would work too, but yaml-ls 1.x then re-validates the bundle it has already resolved in
  // place (cyclic: pretransforms nest) and logs "could not be fully validated".
  const datasetModeline = `# yaml-language-server: $schema=${fileUri(join(SCHEMAS, "dataset.schema.json"))}\n`;
  const wrong = [];
  const warnings = [];
  const warn = console.warn;
  console.warn = (...args) => warnings.push(args.join(" "));
  try {
    for (const c of corpus()) {
      const { $schema, ...data } = c.data;
      const found = await editor.diagnostics((c.kind === "dataset" ? datasetModeline : MODELINE) + toYaml(data));
      if ((found.length === 0) !== c.valid) {
        wrong.push(`${c.name}: expected ${c.valid ? "valid" : "invalid"}, got ${JSON.stringify(found.map((d) => d.message))}`);
      }
    }
  } finally {
    console.warn = warn;
  }
  assert.deepEqual(wrong, []);
  assert.deepEqual(editor.refused, []);
  assert.deepEqual(warnings, [], "yaml-language-server warned about a schema");
});
