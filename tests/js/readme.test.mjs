// The README's editor settings and Node example, run as written.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { fileUri, jsonEditor, yamlEditor } from "./lib/editors.mjs";
import { corpus } from "./lib/corpus.mjs";
import { BUNDLE, REPO } from "./lib/paths.mjs";

const README = readFileSync(join(REPO, "README.md"), "utf8");

/** The fenced code blocks (language, text) of the README section titled `title`. */
function blocks(title) {
  const start = README.indexOf(`\n## ${title}\n`);
  assert.ok(start >= 0, `README has no section ${title}`);
  const end = README.indexOf("\n## ", start + 1);
  const section = README.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], text: m[2] }));
}

const example = (kind) => corpus().find((c) => c.valid && c.kind === kind && c.name.endsWith(".json"));

test("the Node + ajv example in the README is readme-example.mjs, and it works", (t) => {
  const [code, usage] = blocks("Validate from another language");
  assert.equal(code.lang, "js");
  assert.equal(code.text, readFileSync(new URL("./readme-example.mjs", import.meta.url), "utf8"));
  const dir = mkdtempSync(join(tmpdir(), "sat-config-readme-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const good = example("config");
  const bad = join(dir, "model_config.json");
  writeFileSync(bad, JSON.stringify({ ...good.data, training: { ...good.data.training, learning_rat: 1e-4 } }));
  const args = [BUNDLE, good.path, example("dataset").path, bad];
  const run = spawnSync(process.execPath, [new URL("./readme-example.mjs", import.meta.url).pathname, ...args], { encoding: "utf8" });
  assert.equal(run.status, 1, run.stderr);
  const shownError = usage.text.split("\n").find((l) => l.startsWith("# ")).slice(2);
  assert.deepEqual(run.stdout.trim().split("\n"), [
    `${good.path}: ok`, `${example("dataset").path}: ok`, shownError.replace("model_config.json", bad),
  ]);
  const ok = execFileSync(process.execPath, [new URL("./readme-example.mjs", import.meta.url).pathname, BUNDLE, good.path], { encoding: "utf8" });
  assert.equal(ok, `${good.path}: ok\n`);
});

test("the README's VS Code settings associate configs with schemas that apply", async () => {
  const settings = JSON.parse(blocks("Editor setup").find((b) => b.lang === "json").text);
  const resolve = (url) => {
    const path = join(REPO, url);
    assert.ok(existsSync(path), `${url} does not exist`);
    return fileUri(path);
  };
  const editor = jsonEditor(settings["json.schemas"].map((s) => ({ uri: resolve(s.url), fileMatch: s.fileMatch })));
  for (const [dir, kind] of [["model_configs/x", "config"], ["dataset_configs/x", "dataset"]]) {
    const { $schema, ...data } = example(kind).data;
    const uri = fileUri(join(REPO, `${dir}/config.json`));
    assert.deepEqual(await editor.diagnostics(JSON.stringify(data, null, 2), uri), [], kind);
    const typo = JSON.stringify({ ...data, bogus_key: 1 }, null, 2);
    assert.deepEqual((await editor.diagnostics(typo, uri)).map((d) => d.message), ["Property bogus_key is not allowed."], kind);
  }
  const yamlEditors = yamlEditor(Object.entries(settings["yaml.schemas"]).map(([url, fileMatch]) => ({ uri: resolve(url), fileMatch })));
  const { $schema, ...data } = example("config").data;
  const found = await yamlEditors.diagnostics(stringify({ ...data, bogus_key: 1 }), fileUri(join(REPO, "model_configs/x/config.yaml")));
  assert.deepEqual(found.map((d) => d.message), ["Property bogus_key is not allowed."]);
  assert.deepEqual([editor.refused, yamlEditors.refused], [[], []]);
});

test("the README's YAML modeline resolves relative to the file", async () => {
  const modeline = blocks("Editor setup").find((b) => b.lang === "yaml").text.split("\n")[0];
  const { $schema, ...data } = example("config").data;
  const editor = yamlEditor();
  // two files: yaml-ls caches a parsed document by URI and version
  const uri = (name) => fileUri(join(REPO, "model_configs", name));
  assert.deepEqual(await editor.diagnostics(`${modeline}\n${stringify(data)}`, uri("good.yaml")), []);
  const found = await editor.diagnostics(`${modeline}\n${stringify({ ...data, bogus_key: 1 })}`, uri("typo.yaml"));
  assert.deepEqual(found.map((d) => d.message), ["Property bogus_key is not allowed."]);
  assert.deepEqual([editor.refused, editor.errors], [[], []]);
});
