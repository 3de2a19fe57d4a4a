// Reads the names the request builder offers out of a schema: entity types (with enum ids), and actions
// with the principal and resource types they apply to. It is tolerant, not a validator: it tokenizes the
// Cedar schema format, skips what it does not understand up to the next `;`, and never throws. The wasm
// engine remains the one that parses and validates the schema; this only fills pickers, so a schema the
// engine rejects still offers whatever could be read from it.

/** @typedef {{ name: string, memberOf: string[], enumIds: string[] }} EntityTypeInfo */
/** @typedef {{ type: string, id: string, principalTypes: string[], resourceTypes: string[], appliesTo: boolean }} ActionInfo */
/** @typedef {{ entityTypes: EntityTypeInfo[], actions: ActionInfo[] }} SchemaInfo */

const TOKEN = /\s+|\/\/[^\n]*|"(?:[^"\\]|\\.)*"?|::|[A-Za-z_][A-Za-z0-9_]*|[^\sA-Za-z_"]/gy;

function tokenize(text) {
  const tokens = [];
  TOKEN.lastIndex = 0;
  let match;
  while (TOKEN.lastIndex < text.length && (match = TOKEN.exec(text))) {
    const value = match[0];
    if (/^\s/.test(value) || value.startsWith('//')) continue;
    if (value.startsWith('"')) tokens.push({ kind: 'string', value: unquote(value) });
    else if (/^[A-Za-z_]/.test(value)) tokens.push({ kind: 'ident', value });
    else tokens.push({ kind: 'punct', value });
  }
  return tokens;
}

function unquote(literal) {
  const body = literal.endsWith('"') && literal.length > 1 ? literal.slice(1, -1) : literal.slice(1);
  try {
    return JSON.parse(`"${body}"`);
  } catch {
    return body;
  }
}

/** A cursor over tokens with the few moves the reader needs. */
class Cursor {
  constructor(tokens) {
    this.tokens = tokens;
    this.at = 0;
  }
  peek(offset = 0) {
    return this.tokens[this.at + offset];
  }
  done() {
    return this.at >= this.tokens.length;
  }
  next() {
    return this.tokens[this.at++];
  }
  is(value, offset = 0) {
    const token = this.peek(offset);
    return token !== undefined && token.kind !== 'string' && token.value === value;
  }
  eat(value) {
    if (!this.is(value)) return false;
    this.at += 1;
    return true;
  }
  /** Skips to just past the next `;` (or up to a `}` closing the enclosing block) at the current depth. */
  skipDeclaration() {
    let depth = 0;
    while (!this.done()) {
      if (depth === 0 && this.is('}')) return;
      const token = this.next();
      if (token.kind === 'string') continue;
      if ('{[('.includes(token.value)) depth += 1;
      else if ('}])'.includes(token.value)) depth -= 1;
      else if (token.value === ';' && depth <= 0) return;
    }
  }
  /** `A::B::C`, joined. */
  path() {
    const parts = [];
    while (this.peek()?.kind === 'ident') {
      parts.push(this.next().value);
      if (!(this.is('::') && this.peek(1)?.kind === 'ident')) break;
      this.next();
    }
    return parts.join('::');
  }
  /** `Path` or `[Path, Path]`. */
  pathList() {
    if (!this.eat('[')) {
      const single = this.path();
      return single ? [single] : [];
    }
    const paths = [];
    while (!this.done() && !this.is(']')) {
      const path = this.path();
      if (path) paths.push(path);
      else this.next();
      this.eat(',');
    }
    this.eat(']');
    return paths;
  }
}

function skipAnnotations(cursor) {
  while (cursor.is('@')) {
    cursor.next();
    cursor.next();
    if (cursor.eat('(')) {
      while (!cursor.done() && !cursor.eat(')')) cursor.next();
    }
  }
}

function readEntity(cursor, namespace, out) {
  const names = [];
  do {
    const token = cursor.next();
    if (token?.kind === 'ident') names.push(token.value);
  } while (cursor.eat(','));
  let memberOf = [];
  const enumIds = [];
  if (cursor.eat('in')) memberOf = cursor.pathList();
  if (cursor.eat('enum') && cursor.eat('[')) {
    while (!cursor.done() && !cursor.is(']')) {
      const token = cursor.next();
      if (token.kind === 'string') enumIds.push(token.value);
    }
  }
  cursor.skipDeclaration();
  for (const name of names) out.entityTypes.push({ namespace, name, memberOf, enumIds });
}

function readAppliesTo(cursor, action) {
  if (!cursor.eat('{')) return;
  action.appliesTo = true;
  while (!cursor.done() && !cursor.is('}')) {
    const key = cursor.next();
    if (!cursor.eat(':')) continue;
    if (key.value === 'principal') action.principalTypes = cursor.pathList();
    else if (key.value === 'resource') action.resourceTypes = cursor.pathList();
    else skipValue(cursor);
    cursor.eat(',');
  }
  cursor.eat('}');
}

/** Skips one type expression (`Path`, `Set<...>`, `{...}`) up to a `,` or `}` at its own depth. */
function skipValue(cursor) {
  let depth = 0;
  while (!cursor.done()) {
    if (depth === 0 && (cursor.is(',') || cursor.is('}'))) return;
    const token = cursor.next();
    if (token.kind === 'string') continue;
    if ('{[(<'.includes(token.value)) depth += 1;
    else if ('}])>'.includes(token.value)) depth -= 1;
  }
}

function readAction(cursor, namespace, out) {
  const ids = [];
  do {
    const token = cursor.next();
    if (token && (token.kind === 'ident' || token.kind === 'string')) ids.push(token.value);
  } while (cursor.eat(','));
  const action = { principalTypes: [], resourceTypes: [], appliesTo: false };
  if (cursor.eat('in')) {
    // Parent actions: `"a"`, `Ns::Action::"a"` or a list of them. Only skipped: the picker lists every action.
    if (cursor.eat('[')) while (!cursor.done() && !cursor.eat(']')) cursor.next();
    else while (!cursor.done() && !cursor.is('appliesTo') && !cursor.is(';') && !cursor.is('}')) cursor.next();
  }
  if (cursor.eat('appliesTo')) readAppliesTo(cursor, action);
  cursor.skipDeclaration();
  for (const id of ids) out.actions.push({ namespace, id, ...action });
}

/** Declarations up to the `}` closing a namespace, or, outside one, up to the next `namespace`. */
function readDeclarations(cursor, namespace, out) {
  while (!cursor.done() && !cursor.is('}')) {
    skipAnnotations(cursor);
    if (!namespace && cursor.is('namespace')) return;
    if (cursor.eat('entity')) readEntity(cursor, namespace, out);
    else if (cursor.eat('action')) readAction(cursor, namespace, out);
    else cursor.skipDeclaration();
  }
}

function readCedarSchema(text) {
  const cursor = new Cursor(tokenize(text));
  const raw = { entityTypes: [], actions: [] };
  while (!cursor.done()) {
    skipAnnotations(cursor);
    if (cursor.eat('namespace')) {
      const namespace = cursor.path();
      if (cursor.eat('{')) {
        readDeclarations(cursor, namespace, raw);
        cursor.eat('}');
      }
    } else if (cursor.is('}')) {
      cursor.next();
    } else {
      const before = cursor.at;
      readDeclarations(cursor, '', raw);
      if (cursor.at === before) cursor.next();
    }
  }
  return qualify(raw);
}

const join = (namespace, name) => (namespace ? `${namespace}::${name}` : name);

/** Turns names local to their namespace into fully qualified ones, the way Cedar resolves them. */
function qualify(raw) {
  const declared = new Set(raw.entityTypes.map((e) => join(e.namespace, e.name)));
  const resolve = (namespace, name) => {
    if (declared.has(join(namespace, name))) return join(namespace, name);
    if (declared.has(name)) return name;
    return name.includes('::') ? name : join(namespace, name);
  };
  return {
    entityTypes: raw.entityTypes.map((e) => ({
      name: join(e.namespace, e.name),
      memberOf: e.memberOf.map((m) => resolve(e.namespace, m)),
      enumIds: e.enumIds,
    })),
    actions: raw.actions.map((a) => ({
      type: join(a.namespace, 'Action'),
      id: a.id,
      appliesTo: a.appliesTo,
      principalTypes: a.principalTypes.map((t) => resolve(a.namespace, t)),
      resourceTypes: a.resourceTypes.map((t) => resolve(a.namespace, t)),
    })),
  };
}

/** The JSON schema format: `{ "<namespace>": { entityTypes, actions, commonTypes } }`. */
function readJsonSchema(text) {
  let schema;
  try {
    schema = JSON.parse(text);
  } catch {
    return { entityTypes: [], actions: [] };
  }
  const raw = { entityTypes: [], actions: [] };
  for (const [namespace, body] of Object.entries(schema ?? {})) {
    if (!body || typeof body !== 'object') continue;
    for (const [name, entity] of Object.entries(body.entityTypes ?? {})) {
      raw.entityTypes.push({ namespace, name, memberOf: entity?.memberOfTypes ?? [], enumIds: entity?.enum ?? [] });
    }
    for (const [id, action] of Object.entries(body.actions ?? {})) {
      const appliesTo = action?.appliesTo;
      raw.actions.push({
        namespace,
        id,
        appliesTo: Boolean(appliesTo),
        principalTypes: appliesTo?.principalTypes ?? [],
        resourceTypes: appliesTo?.resourceTypes ?? [],
      });
    }
  }
  return qualify(raw);
}

/** The schema's entity types and actions, from whichever schema file the store has. */
export function readSchema(files) {
  const path = Object.keys(files).find((p) => /^schema\.cedarschema(\.json)?$/.test(p));
  if (!path) return { entityTypes: [], actions: [] };
  return path.endsWith('.json') ? readJsonSchema(files[path]) : readCedarSchema(files[path]);
}

/** The entity ids named anywhere in entity lists (Cedar `{uid}` or Verified Permissions `{identifier}`), by type. */
export function knownEntityIds(entityLists) {
  const byType = new Map();
  const add = (type, id) => {
    if (typeof type !== 'string' || typeof id !== 'string') return;
    if (!byType.has(type)) byType.set(type, new Set());
    byType.get(type).add(id);
  };
  for (const list of entityLists) {
    for (const entity of Array.isArray(list) ? list : []) {
      const uid = entity?.uid ?? entity?.identifier;
      add(uid?.type ?? uid?.entityType, uid?.id ?? uid?.entityId);
      for (const parent of entity?.parents ?? []) add(parent?.type ?? parent?.entityType, parent?.id ?? parent?.entityId);
    }
  }
  return byType;
}
