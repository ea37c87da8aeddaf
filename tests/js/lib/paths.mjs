// Where the repository's artefacts live, seen from tests/js.
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export const SCHEMAS = join(REPO, "schemas");
export const BUNDLE = join(REPO, "generated", "bundle", "sat-config.schema.json");
export const TYPES = join(REPO, "generated", "typescript", "sat-config.d.ts");
export const EXAMPLES = join(REPO, "examples");
export const CORPUS = join(REPO, "tests", "corpus");
