// Reading the bundled schema the way a person reads it: follow $refs, list an object's keys.
// Tests use this to compute what editors should offer, independently of the editor engines.

/** The node a "#/a/b" pointer names in `doc`. */
export function at(doc, ref) {
  return ref.replace(/^#/, "").split("/").slice(1)
    .map((t) => t.replaceAll("~1", "/").replaceAll("~0", "~"))
    .reduce((node, token) => {
      if (node === undefined || !(token in node)) throw new Error(`dangling reference ${ref}`);
      return node[token];
    }, doc);
}

/** `node` with its $ref chain merged in (keywords beside a $ref win). */
export function effective(doc, node) {
  const layers = [node];
  while (typeof layers.at(-1)?.$ref === "string") layers.push(at(doc, layers.at(-1).$ref));
  const merged = Object.assign({}, ...layers.reverse());
  delete merged.$ref;
  return merged;
}

export const modelTypes = (bundle) => bundle.oneOf.map((b) => effective(bundle, b).properties.model_type.const);

/** The schema of model type `mt` (its file, embedded in the bundle). */
export function familySchema(bundle, mt) {
  const branch = bundle.oneOf.map((b) => effective(bundle, b)).find((s) => s.properties.model_type.const === mt);
  if (!branch) throw new Error(`no model type ${mt} in the bundle`);
  return branch;
}

/**
 * The object schema `schema` stands for: itself, or its one object alternative when it is an
 * `anyOf`/`oneOf` of an object and non-objects (the nullable-section pattern).
 */
export function objectView(bundle, schema) {
  const node = effective(bundle, schema);
  if (node.properties) return node;
  const objects = [...(node.anyOf ?? []), ...(node.oneOf ?? [])].map((b) => effective(bundle, b)).filter((b) => b.properties);
  return objects.length === 1 ? { ...objects[0], ...annotations(node) } : node;
}

const annotations = (node) => Object.fromEntries(Object.entries(node).filter(([k]) => !["anyOf", "oneOf", "type"].includes(k)));

/** The schema reached from `schema` through `properties` along `path` (keys only). */
export function propertyAt(bundle, schema, path) {
  let node = objectView(bundle, schema);
  for (const key of path) {
    const sub = node.properties?.[key];
    if (!sub) throw new Error(`no property ${path.join(".")}`);
    node = objectView(bundle, sub);
  }
  return node;
}

/** Every [path, schema] reachable through `properties` only, to `depth` keys. */
export function propertyPaths(bundle, schema, depth, prefix = []) {
  if (prefix.length >= depth) return [];
  const node = objectView(bundle, schema);
  const out = [];
  for (const [key, sub] of Object.entries(node.properties ?? {})) {
    const path = [...prefix, key];
    out.push([path, objectView(bundle, sub)]);
    out.push(...propertyPaths(bundle, sub, depth, path));
  }
  return out;
}
