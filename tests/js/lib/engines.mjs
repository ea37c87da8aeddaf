// The JavaScript validators, each built from either form of the schemas: the bundled file
// (what users of other languages get) or the split files in schemas/ (registered by $id, so
// their relative $refs resolve offline, exactly as in Python).
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import { registerSchema, validate as hyperValidate } from "@hyperjump/json-schema/draft-2020-12";

// Annotation keywords editors read; ajv's strict mode rejects keywords it does not know.
export const EDITOR_KEYWORDS = [
  "markdownDescription", "enumDescriptions", "markdownEnumDescriptions", "defaultSnippets", "errorMessage",
];

export const readJson = (path) => JSON.parse(readFileSync(path, "utf8"));

/** Every `*.schema.json` in `dir`, as parsed objects, sorted by file name. */
export function loadSchemaFiles(dir) {
  return readdirSync(dir)
    .filter((name) => name.endsWith(".schema.json"))
    .sort()
    .map((name) => readJson(join(dir, name)));
}

/** The `$id` a document of `kind` ("config" or "dataset") is validated against. */
export function schemaUri(form, kind, bundle, files) {
  if (form === "bundle") return kind === "dataset" ? `${bundle.$id}#/$defs/dataset` : bundle.$id;
  const name = `${kind}.schema.json`;
  const file = files.find((s) => s.$id.endsWith(`/${name}`));
  if (!file) throw new Error(`no schema file ${name}`);
  return file.$id;
}

/**
 * ajv (`Ajv2020`, `discriminator: true`, `strict: true`: strictTypes and strictRequired included,
 * so a rule that tests a key without stating its type, or requires a key it does not declare,
 * fails to compile). Anything ajv only logs is collected in `warnings` so a test can insist there
 * is none.
 */
export function makeAjv(schemaList, { allErrors = false } = {}) {
  const warnings = [];
  const ajv = new Ajv2020({
    strict: true,
    discriminator: true,
    allErrors,
    keywords: EDITOR_KEYWORDS,
    logger: { log: () => {}, warn: (...m) => warnings.push(m.join(" ")), error: (...m) => warnings.push(m.join(" ")) },
  });
  for (const schema of schemaList) ajv.addSchema(schema);
  return { ajv, warnings, validator: (uri) => ajv.getSchema(uri) ?? fail(`ajv has no schema ${uri}`) };
}

let registered = new Set();

/** @hyperjump/json-schema (2020-12 dialect imported above); schemas are registered once per process. */
export async function makeHyperjump(schemaList) {
  for (const schema of schemaList) {
    if (!registered.has(schema.$id)) {
      registerSchema(schema);
      registered.add(schema.$id);
    }
  }
  const cache = new Map();
  return async (uri) => {
    if (!cache.has(uri)) cache.set(uri, await hyperValidate(uri));
    return cache.get(uri);
  };
}

/**
 * Verdict functions `(kind, data) => boolean` for every engine x schema form:
 * ajv/bundle, ajv/files, hyperjump/bundle, hyperjump/files.
 */
export async function allEngines(bundle, files) {
  const forms = { bundle: [bundle], files };
  const engines = {};
  for (const [form, list] of Object.entries(forms)) {
    const { validator } = makeAjv(list);
    const hyper = await makeHyperjump(list);
    const ajvFns = {}, hyperFns = {};
    for (const kind of ["config", "dataset"]) {
      const uri = schemaUri(form, kind, bundle, files);
      ajvFns[kind] = validator(uri);
      hyperFns[kind] = await hyper(uri);
    }
    engines[`ajv/${form}`] = (kind, data) => ajvFns[kind](data);
    engines[`hyperjump/${form}`] = (kind, data) => hyperFns[kind](data).valid;
  }
  return engines;
}

function fail(message) {
  throw new Error(message);
}
