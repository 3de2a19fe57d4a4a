// The request builder: principal, action and resource pickers filled from the schema (an action offers the
// principal and resource types it applies to), entity ids suggested from the store's entities and test
// files, context and extra entities as JSON.
import { byTestId, h, parseJsonField, replaceChildren } from './dom.mjs';
import { createEditor, replaceText } from './editor-setup.mjs';
import { knownEntityIds, readSchema } from './schema-reader.mjs';

const DEFAULT_CONTEXT = '{}';
const DEFAULT_ENTITIES = '[]';

export class RequestBuilder {
  #schema = { entityTypes: [], actions: [] };
  /**
   * Extra entities, kept per principal source: a token request may not carry entities of the principal's or
   * its groups' types (the token supplies those), which an entity request needs.
   */
  #entities = { entity: DEFAULT_ENTITIES, token: DEFAULT_ENTITIES };
  #shownSource = 'entity';

  /**
   * @param {import('./workspace.mjs').Workspace} workspace
   * @param {{ onRun: () => void, onAddToBatch: () => void, entityLists: () => unknown[][] }} hooks
   *   `entityLists` gives the entity lists (and references) whose ids are suggested in the id fields
   */
  constructor(workspace, { onRun, onAddToBatch, entityLists }) {
    this.workspace = workspace;
    this.entityLists = entityLists;
    this.sourceInputs = [byTestId('source-entity'), byTestId('source-token')];
    this.principalFields = byTestId('principal-fields');
    this.tokenNote = byTestId('token-principal-note');
    this.entitiesHint = byTestId('entities-hint');
    this.principalType = byTestId('principal-type');
    this.principalId = byTestId('principal-id');
    this.action = byTestId('action-select');
    this.resourceType = byTestId('resource-type');
    this.resourceId = byTestId('resource-id');
    this.contextEditor = createEditor({
      parent: byTestId('context-editor'),
      path: 'context.json',
      doc: DEFAULT_CONTEXT,
      label: 'Context, JSON',
      onRun,
    });
    this.entitiesEditor = createEditor({
      parent: byTestId('entities-editor'),
      path: 'entities.json',
      doc: DEFAULT_ENTITIES,
      label: 'Extra entities, JSON list',
      onRun,
    });

    for (const input of this.sourceInputs) input.addEventListener('change', () => this.#showSource());
    this.action.addEventListener('change', () => this.#fillTypes());
    this.principalType.addEventListener('change', () => this.#fillIds(this.principalType, this.principalId, 'principal-ids'));
    this.resourceType.addEventListener('change', () => this.#fillIds(this.resourceType, this.resourceId, 'resource-ids'));
    byTestId('run').addEventListener('click', () => onRun());
    byTestId('add-to-batch').addEventListener('click', () => onAddToBatch());
    workspace.addEventListener('store', () => this.reset());
    workspace.addEventListener('validated', () => this.#refreshSchema());
  }

  /** 'entity' or 'token'. */
  get source() {
    return this.sourceInputs.find((input) => input.checked)?.value ?? 'entity';
  }

  set source(value) {
    for (const input of this.sourceInputs) input.checked = input.value === value;
    this.#showSource();
  }

  #showSource() {
    const source = this.source;
    if (source !== this.#shownSource) {
      this.#entities[this.#shownSource] = this.entitiesEditor.state.doc.toString();
      replaceText(this.entitiesEditor, this.#entities[source]);
      this.#shownSource = source;
    }
    const fromToken = source === 'token';
    this.principalFields.hidden = fromToken;
    this.tokenNote.hidden = !fromToken;
    this.entitiesHint.textContent = fromToken
      ? "(JSON list, added to the store's; not the principal or its groups: the token supplies those)"
      : "(JSON list, added to the store's)";
  }

  /** Back to the store's first action, with the first known ids. */
  reset() {
    this.#refreshSchema();
    this.action.selectedIndex = this.action.options.length ? 0 : -1;
    this.#fillTypes();
    this.principalId.value = this.#suggestions(this.principalType.value)[0] ?? '';
    this.resourceId.value = this.#suggestions(this.resourceType.value)[0] ?? '';
    replaceText(this.contextEditor, DEFAULT_CONTEXT);
    this.#setEntities(DEFAULT_ENTITIES, DEFAULT_ENTITIES);
    this.source = 'entity';
  }

  #setEntities(entityText, tokenText) {
    this.#entities = { entity: entityText, token: tokenText };
    replaceText(this.entitiesEditor, this.#entities[this.#shownSource]);
  }

  #refreshSchema() {
    this.#schema = readSchema(this.workspace.files);
    const current = this.action.value;
    const byType = new Map();
    for (const action of this.#schema.actions) {
      if (!byType.has(action.type)) byType.set(action.type, []);
      byType.get(action.type).push(action);
    }
    replaceChildren(
      this.action,
      [...byType].map(([type, actions]) =>
        h(
          'optgroup',
          { label: type },
          actions.map((action) =>
            h(
              'option',
              {
                value: actionKey(action.type, action.id),
              },
              action.appliesTo ? action.id : `${action.id} (group: applies to nothing)`,
            ),
          ),
        ),
      ),
    );
    if (current) selectValue(this.action, current, current.split('\u0000')[1]);
    this.#fillTypes();
  }

  #actionInfo() {
    return this.#schema.actions.find((action) => actionKey(action.type, action.id) === this.action.value);
  }

  /** Offers the principal and resource types the chosen action applies to (every type if it names none). */
  #fillTypes() {
    const action = this.#actionInfo();
    const allTypes = this.#schema.entityTypes.map((entity) => entity.name);
    for (const [select, types] of [
      [this.principalType, action?.principalTypes],
      [this.resourceType, action?.resourceTypes],
    ]) {
      const current = select.value;
      const offered = types?.length ? types : allTypes;
      replaceChildren(
        select,
        offered.map((type) => h('option', { value: type }, type)),
      );
      if (current) selectValue(select, current, `${current} (not offered by this action)`);
    }
    this.#fillIds(this.principalType, this.principalId, 'principal-ids');
    this.#fillIds(this.resourceType, this.resourceId, 'resource-ids');
  }

  #suggestions(type) {
    const enumIds = this.#schema.entityTypes.find((entity) => entity.name === type)?.enumIds ?? [];
    const known = knownEntityIds(this.entityLists()).get(type) ?? new Set();
    return [...new Set([...enumIds, ...known])];
  }

  #fillIds(typeSelect, idInput, listId) {
    replaceChildren(
      document.getElementById(listId),
      this.#suggestions(typeSelect.value).map((id) => h('option', { value: id })),
    );
  }

  /** The request as Verified Permissions' IsAuthorized input (no principal in token mode). Throws on bad JSON. */
  buildRequest() {
    if (!this.action.value) throw new Error('choose an action: the schema declares none that could be read');
    const [actionType, actionId] = this.action.value.split('\u0000');
    const request = {
      action: { actionType, actionId },
      resource: { entityType: this.resourceType.value, entityId: this.resourceId.value },
      context: parseJsonField(this.contextEditor.state.doc.toString(), 'Context', {}),
      entities: parseJsonField(this.entitiesEditor.state.doc.toString(), 'Extra entities', []),
    };
    if (this.source === 'entity') request.principal = { entityType: this.principalType.value, entityId: this.principalId.value };
    return request;
  }

  /** The builder's state, for share links. */
  getState() {
    const [actionType, actionId] = this.action.value.split('\u0000');
    const entities = { ...this.#entities, [this.#shownSource]: this.entitiesEditor.state.doc.toString() };
    return {
      source: this.source,
      principal: { type: this.principalType.value, id: this.principalId.value },
      action: { type: actionType ?? '', id: actionId ?? '' },
      resource: { type: this.resourceType.value, id: this.resourceId.value },
      context: this.contextEditor.state.doc.toString(),
      entities: entities.entity,
      tokenEntities: entities.token,
    };
  }

  /**
   * Restores a state from `getState`, or a batch row's request (which keeps the token request's entities).
   * Values the schema lacks are kept, and offered.
   */
  setState(state) {
    this.#refreshSchema();
    if (state.action?.type)
      selectValue(this.action, actionKey(state.action.type, state.action.id), `${state.action.id} (not in the schema)`);
    this.#fillTypes();
    if (state.principal?.type)
      selectValue(this.principalType, state.principal.type, `${state.principal.type} (not offered by this action)`);
    if (state.resource?.type) selectValue(this.resourceType, state.resource.type, `${state.resource.type} (not offered by this action)`);
    this.principalId.value = state.principal?.id ?? '';
    this.resourceId.value = state.resource?.id ?? '';
    this.#fillIds(this.principalType, this.principalId, 'principal-ids');
    this.#fillIds(this.resourceType, this.resourceId, 'resource-ids');
    replaceText(this.contextEditor, state.context ?? DEFAULT_CONTEXT);
    this.#setEntities(state.entities ?? DEFAULT_ENTITIES, state.tokenEntities ?? this.#entities.token);
    this.source = state.source === 'token' ? 'token' : 'entity';
  }
}

const actionKey = (type, id) => `${type}\u0000${id}`;

/** Selects `value`, adding it as an option (with `label`) when the list lacks it, so no state is lost. */
function selectValue(select, value, label) {
  if (![...select.options].some((option) => option.value === value)) select.append(h('option', { value }, label));
  select.value = value;
}
