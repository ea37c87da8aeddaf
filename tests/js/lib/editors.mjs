// The engines behind the editors: VS Code's JSON language service and yaml-language-server,
// configured as an offline editor would be (only file: URIs are served; any other request is
// refused and recorded, so a test can prove nothing was fetched).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { TextDocument } from "vscode-languageserver-textdocument";

const require = createRequire(import.meta.url);
const jsonls = require("vscode-json-languageservice");
const yamlls = require("yaml-language-server/lib/umd/index.js");

export const CURSOR = "§";
export const fileUri = (path) => pathToFileURL(path).href;

const MARKDOWN = { documentationFormat: ["markdown", "plaintext"], snippetSupport: true };
const CAPABILITIES = {
  textDocument: { completion: { completionItem: MARKDOWN }, hover: { contentFormat: ["markdown", "plaintext"] } },
};

function offlineServices() {
  const refused = [];
  const schemaRequestService = async (uri) => {
    if (uri.startsWith("file:")) return readFileSync(fileURLToPath(uri), "utf8");
    refused.push(uri);
    throw new Error(`offline: not fetching ${uri}`);
  };
  const workspaceContext = { resolveRelativePath: (rel, resource) => new URL(rel, resource).href };
  return { refused, schemaRequestService, workspaceContext };
}

let counter = 0;
/** A text document with its own URI (yaml-ls caches parsed documents by URI and version). */
function document(text, language, uri) {
  const offset = text.indexOf(CURSOR);
  const clean = offset >= 0 ? text.replace(CURSOR, "") : text;
  const ext = language === "json" ? "json" : "yaml";
  const doc = TextDocument.create(uri ?? `file:///editor-test/doc-${++counter}.${ext}`, language, 1, clean);
  return { doc, position: offset >= 0 ? doc.positionAt(offset) : undefined };
}

/** `schemas`: [{uri, fileMatch}] associations (none: the document's own `$schema` decides). */
export function jsonEditor(schemas = []) {
  const { refused, ...params } = offlineServices();
  const ls = jsonls.getLanguageService({ ...params, clientCapabilities: CAPABILITIES });
  ls.configure({ validate: true, allowComments: false, schemas });
  const parse = (text, uri) => {
    const { doc, position } = document(text, "json", uri);
    return { doc, position, json: ls.parseJSONDocument(doc) };
  };
  return {
    refused,
    async complete(text) {
      const { doc, position, json } = parse(text);
      return (await ls.doComplete(doc, position, json)).items;
    },
    async hover(text) {
      const { doc, position, json } = parse(text);
      return ls.doHover(doc, position, json);
    },
    async diagnostics(text, uri) {
      const { doc, json } = parse(text, uri);
      return ls.doValidation(doc, json);
    },
  };
}

/** `schemas`: [{uri, fileMatch}] associations (none: a `# yaml-language-server: $schema=` modeline). */
export function yamlEditor(schemas = []) {
  const { refused, ...params } = offlineServices();
  // yaml-ls catches its own exceptions and reports them only to telemetry: keep them visible.
  const errors = [];
  const telemetry = { send() {}, sendTrack() {}, sendError: (name, err) => errors.push(`${name}: ${err?.stack ?? err}`) };
  const ls = yamlls.getLanguageService({ ...params, telemetry, clientCapabilities: CAPABILITIES });
  ls.configure({ validate: true, completion: true, hover: true, schemas });
  return {
    refused,
    errors,
    async complete(text) {
      const { doc, position } = document(text, "yaml");
      return (await ls.doComplete(doc, position, false)).items;
    },
    async hover(text) {
      const { doc, position } = document(text, "yaml");
      return ls.doHover(doc, position);
    },
    async diagnostics(text, uri) {
      const { doc } = document(text, "yaml", uri);
      return ls.doValidation(doc, false);
    },
  };
}

export const PROPERTY = 10; // CompletionItemKind.Property
export const docText = (item) => (typeof item.documentation === "string" ? item.documentation : item.documentation?.value ?? "");
export const hoverText = (hover) => [hover?.contents ?? []].flat().map((c) => (typeof c === "string" ? c : c.value)).join("\n");
