// Validate sat-config files from Node: node validate.mjs sat-config.schema.json CONFIG.json...
import { readFileSync } from "node:fs";
import Ajv2020 from "ajv/dist/2020.js";

const [schemaFile, ...files] = process.argv.slice(2);
const schema = JSON.parse(readFileSync(schemaFile, "utf8"));
const ajv = new Ajv2020({
  discriminator: true, // dispatch on model_type: errors come only from the chosen type
  allErrors: true,
  strictTypes: false, // cross-field rules test a key only when it has the type in question
  keywords: ["markdownDescription", "enumDescriptions", "markdownEnumDescriptions", "defaultSnippets", "errorMessage"],
});
ajv.addSchema(schema);
const model = ajv.getSchema(schema.$id);
const dataset = ajv.getSchema(`${schema.$id}#/$defs/dataset`);

let invalid = 0;
for (const file of files) {
  const config = JSON.parse(readFileSync(file, "utf8"));
  const validate = "dataset_type" in config ? dataset : model;
  if (validate(config)) {
    console.log(`${file}: ok`);
    continue;
  }
  invalid += 1;
  for (const e of validate.errors) {
    const key = e.params.additionalProperty ? ` '${e.params.additionalProperty}'` : "";
    console.log(`${file}: ${e.instancePath || "/"}: ${e.message}${key}`);
  }
}
process.exitCode = invalid ? 1 : 0;
