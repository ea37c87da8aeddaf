// The corpus every engine must judge the same way, with the verdict its layout states:
// tests/corpus/valid, examples/ and tests/corpus/upstream are schema-valid; tests/corpus/invalid
// cases are schema-invalid unless their .expect.json says "kind": "semantic" (a mistake only the
// Python semantic checks see, so the schema accepts it).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parse as parseYaml } from "yaml";
import { CORPUS, EXAMPLES, REPO } from "./paths.mjs";

const CONFIG = /\.(json|ya?ml)$/;

function listDir(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((n) => CONFIG.test(n) && !n.endsWith(".expect.json")).sort().map((n) => join(dir, n));
}

/** A config file's content: JSON, or YAML read with YAML 1.2 rules as sat-config does. */
export function readConfig(path) {
  const text = readFileSync(path, "utf8");
  return path.endsWith(".json") ? JSON.parse(text) : parseYaml(text, { version: "1.2", uniqueKeys: true });
}

function schemaValid(path) {
  if (!path.startsWith(join(CORPUS, "invalid"))) return true;
  const expect = JSON.parse(readFileSync(path.replace(CONFIG, ".expect.json"), "utf8"));
  return expect.kind === "semantic";
}

/** [{name, path, kind, data, valid}] for every corpus file. */
export function corpus() {
  const files = [
    ...listDir(join(CORPUS, "valid")), ...listDir(join(CORPUS, "invalid")),
    ...listDir(EXAMPLES), ...listDir(join(CORPUS, "upstream")),
  ];
  return files.map((path) => {
    const data = readConfig(path);
    const kind = data && typeof data === "object" && "dataset_type" in data ? "dataset" : "config";
    return { name: relative(REPO, path), path, kind, data, valid: schemaValid(path) };
  });
}
