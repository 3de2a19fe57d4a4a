// Policy store files in the page: which file is what, the order the editor shows them in, and the three
// ways a store arrives from outside (an embedded example, a folder from disk, a bundle file).

export const BUNDLE_FORMAT = 'cedar-authorizer/bundle';
export const OPTIONAL_JSON_FILES = ['links.json', 'entities.json', 'authorizer.json'];
const STORE_EXTENSIONS = ['.cedar', '.cedarschema', '.json'];

/** What a store path holds: 'schema', 'policies', 'links', 'entities', 'authorizer', 'test' or 'other'. */
export function fileKind(path) {
  if (/^schema\.cedarschema(\.json)?$/.test(path)) return 'schema';
  if (path.startsWith('tests/') && path.endsWith('.json')) return 'test';
  if (path.endsWith('.cedar')) return 'policies';
  if (path === 'links.json') return 'links';
  if (path === 'entities.json') return 'entities';
  if (path === 'authorizer.json') return 'authorizer';
  return 'other';
}

const KIND_ORDER = ['schema', 'policies', 'links', 'entities', 'authorizer', 'other'];

/** Editor tab order: schema, policy files by name, then links, entities and authorizer.json. */
export function compareStorePaths(a, b) {
  const byKind = KIND_ORDER.indexOf(fileKind(a)) - KIND_ORDER.indexOf(fileKind(b));
  return byKind !== 0 ? byKind : a.localeCompare(b);
}

/** Splits store files into the editable store and its test files. */
export function splitTests(files) {
  const store = {};
  const tests = {};
  for (const [path, text] of Object.entries(files)) (fileKind(path) === 'test' ? tests : store)[path] = text;
  return { store, tests };
}

/** A new name for a policy file that the store does not have yet. */
export function freshPolicyFileName(files, wanted = 'policies.cedar') {
  let name = wanted.trim().replace(/^\/+/, '') || 'policies.cedar';
  if (!name.endsWith('.cedar')) name += '.cedar';
  if (!(name in files)) return name;
  const stem = name.slice(0, -'.cedar'.length);
  for (let n = 2; ; n += 1) if (!(`${stem}-${n}.cedar` in files)) return `${stem}-${n}.cedar`;
}

/** The starting text of an optional JSON file added from the editor. */
export function emptyJsonFile(path) {
  if (path === 'authorizer.json') return '{\n  "identitySources": []\n}\n';
  return '[]\n';
}

/** A store's files back out of a bundle (tests are not part of a bundle). */
export function filesFromBundle(bundle) {
  if (!bundle || bundle.format !== BUNDLE_FORMAT) {
    throw new Error(`not a policy store bundle: its "format" is ${JSON.stringify(bundle?.format)}, not "${BUNDLE_FORMAT}"`);
  }
  const files = {};
  if (bundle.schema?.file) files[bundle.schema.file] = bundle.schema.text;
  for (const policyFile of bundle.policyFiles ?? []) files[policyFile.file] = policyFile.text;
  if (bundle.links?.length) files['links.json'] = `${JSON.stringify(bundle.links, null, 2)}\n`;
  if (bundle.entities?.length) files['entities.json'] = `${JSON.stringify(bundle.entities, null, 2)}\n`;
  if (bundle.authorizer && Object.keys(bundle.authorizer).length)
    files['authorizer.json'] = `${JSON.stringify(bundle.authorizer, null, 2)}\n`;
  return files;
}

/**
 * Reads the files picked with `<input type=file webkitdirectory>` into store files, relative to the picked
 * folder, by the rules `cedar-authorizer` uses for a store folder: `.cedar`, `.cedarschema` and `.json`
 * files, skipping hidden folders and node_modules.
 */
export async function filesFromFolder(fileList) {
  const files = {};
  for (const file of fileList) {
    const parts = (file.webkitRelativePath || file.name).split('/');
    const relative = parts.length > 1 ? parts.slice(1) : parts;
    if (relative.some((part) => part.startsWith('.') || part === 'node_modules')) continue;
    if (!STORE_EXTENSIONS.some((ext) => file.name.endsWith(ext))) continue;
    files[relative.join('/')] = await file.text();
  }
  return files;
}

/** The folder name of a picked folder, for naming exports. */
export function folderName(fileList) {
  const first = fileList[0];
  return first?.webkitRelativePath?.split('/')[0] || 'store';
}
