// TypeScript types from the bundled schema (json-schema-to-typescript).
//
//   node gen-types.mjs --write | --check  [--bundle BUNDLE.json] [--out FILE.d.ts]
//
// `TrainingConfig` is the union of one interface per model type, each with a literal
// `model_type`, so TypeScript narrows on it; `DatasetConfig` types dataset configs.
import { readFileSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { dirname, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { compile } from "json-schema-to-typescript";
import { BUNDLE, REPO, TYPES } from "./lib/paths.mjs";

const BANNER = `/* Generated from schemas/ by \`make generate\` (json-schema-to-typescript): do not edit.
 * Cross-field rules (if/then, not) are not expressible as types: validate with the schema too. */`;

// Keywords whose values are data, not schemas.
const DATA = new Set(["const", "enum", "default", "examples", "defaultSnippets", "enumDescriptions",
  "markdownEnumDescriptions"]);
// Validation-only rules a type cannot state, and editor-only annotations.
const DROP = new Set(["if", "then", "else", "not", "dependentRequired", "dependentSchemas",
  "markdownDescription", "enumDescriptions", "markdownEnumDescriptions", "defaultSnippets", "examples", "errorMessage",
  "$comment"]);
// Keywords that shape a type: an allOf entry with none of them left is only a rule.
const SHAPE = new Set(["type", "properties", "items", "prefixItems", "oneOf", "anyOf", "allOf", "$ref",
  "const", "enum", "additionalProperties", "required"]);

/**
 * The schema as json-schema-to-typescript should see it: rules dropped, and nothing beside a
 * `$ref` (the ref parser turns a `$ref` with siblings into a copy, which comes out as a second
 * type `Foo1` for the same definition).
 */
export function forTypes(node) {
  if (Array.isArray(node)) return node.map(forTypes);
  if (node === null || typeof node !== "object") return node;
  if (typeof node.$ref === "string") return { $ref: node.$ref };
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    if (!DROP.has(key)) out[key] = DATA.has(key) ? value : forTypes(value);
  }
  if (Array.isArray(out.allOf)) {
    out.allOf = out.allOf.filter((s) => typeof s !== "object" || Object.keys(s).some((k) => SHAPE.has(k)));
    if (out.allOf.length === 0) delete out.allOf;
  }
  return out;
}

const exportedNames = (text) => new Set([...text.matchAll(/^export (?:type|interface) (\w+)/gm)].map((m) => m[1]));

export async function generate(bundle) {
  const schema = forTypes(bundle);
  const options = { bannerComment: "", format: true, unreachableDefinitions: false };
  const training = await compile(schema, "TrainingConfig", options);
  const dataset = await compile({ ...schema.$defs.dataset, $defs: schema.$defs }, "DatasetConfig", options);
  const clash = [...exportedNames(dataset)].filter((name) => exportedNames(training).has(name));
  if (clash.length) throw new Error(`type names generated twice: ${clash.join(", ")}`);
  return `${BANNER}\n\n${training.trim()}\n\n${dataset.trim()}\n`;
}

async function main() {
  const { values } = parseArgs({
    options: {
      write: { type: "boolean" }, check: { type: "boolean" },
      bundle: { type: "string", default: BUNDLE }, out: { type: "string", default: TYPES },
    },
  });
  if (values.write === values.check) {
    console.error("usage: node gen-types.mjs --write | --check [--bundle FILE] [--out FILE]");
    return 2;
  }
  if (!existsSync(values.bundle)) {
    console.error(`${relative(REPO, values.bundle)} is missing: run \`make generate\` (the bundle comes first)`);
    return 1;
  }
  const text = await generate(JSON.parse(readFileSync(values.bundle, "utf8")));
  const shown = relative(REPO, values.out);
  if (values.write) {
    mkdirSync(dirname(values.out), { recursive: true });
    if (!existsSync(values.out) || readFileSync(values.out, "utf8") !== text) writeFileSync(values.out, text);
    return 0;
  }
  if (existsSync(values.out) && readFileSync(values.out, "utf8") === text) return 0;
  console.error(`${shown} is ${existsSync(values.out) ? "stale" : "missing"}: run \`make generate\``);
  return 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}
