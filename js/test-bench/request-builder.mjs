// The request builder: principal, action and resource pickers filled from the schema (an action offers the
// principal and resource types it applies to), entity ids suggested from the store's entities and test
// files, context and extra entities as forms laid out from the schema (schema-forms.mjs) or as raw JSON.
import { byTestId, h, parseJson, parseJsonField, pretty, replaceChildren } from './dom.mjs';
import { createEditor, replaceText } from './editor-setup.mjs';
import { knownEntityIds, pickerInfo } from './schema-reader.mjs';
import { attributeFields, parentsText, parseParents } from './schema-forms.mjs';

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
  /** How the context and the extra entities are edited: 'form' or 'json'. */
  #modes = { context: 'form', entities: 'form' };
  #formOutline = null;

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

    this.forms = { context: byTestId('context-form'), entities: byTestId('entities-form') };
    this.editorHosts = { context: byTestId('context-editor'), entities: byTestId('entities-editor') };
    for (const which of ['context', 'entities']) {
      for (const mode of ['form', 'json']) byTestId(`${which}-mode-${mode}`).addEventListener('click', () => this.setMode(which, mode));
    }

    for (const input of this.sourceInputs) input.addEventListener('change', () => this.#showSource());
    this.action.addEventListener('change', () => {
      this.#fillTypes();
      this.#renderForm('context');
    });
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
      ? "(added to the store's; not the principal or its groups: the token supplies those)"
      : "(added to the store's)";
    this.#renderForm('entities');
  }

  /** Edits the context or the extra entities ('context' or 'entities') as a form or as JSON. */
  setMode(which, mode) {
    this.#modes[which] = mode;
    byTestId(`${which}-mode-form`).setAttribute('aria-pressed', String(mode === 'form'));
    byTestId(`${which}-mode-json`).setAttribute('aria-pressed', String(mode === 'json'));
    this.forms[which].hidden = mode !== 'form';
    this.editorHosts[which].hidden = mode !== 'json';
    if (mode === 'form') this.#renderForm(which);
    else (which === 'context' ? this.contextEditor : this.entitiesEditor).requestMeasure();
  }

  #renderForms() {
    this.#renderForm('context');
    this.#renderForm('entities');
  }

  #renderForm(which) {
    if (this.#modes[which] !== 'form') return;
    this.#formOutline = this.workspace.outline;
    if (which === 'context') this.#renderContextForm();
    else this.#renderEntitiesForm();
  }

  #formNote(which, message) {
    replaceChildren(
      this.forms[which],
      h(
        'p',
        { class: 'hint form-note', dataset: { testid: 'form-note' } },
        message,
        ' ',
        h('button', { type: 'button', class: 'link-button', onclick: () => this.setMode(which, 'json') }, 'Edit as JSON'),
      ),
    );
  }

  #renderContextForm() {
    const [type, id] = this.action.value.split('\u0000');
    const action = this.workspace.outline.actions.find((a) => a.type === type && a.id === id);
    let context;
    try {
      context = parseJson(this.contextEditor.state.doc.toString() || '{}');
    } catch (e) {
      return this.#formNote('context', `The context's JSON does not parse (${e.message}).`);
    }
    if (!context || typeof context !== 'object' || Array.isArray(context))
      return this.#formNote('context', 'The context is not a JSON object.');
    if ('contextMap' in context) return this.#formNote('context', "This context is in Verified Permissions' contextMap form.");
    if (!action) return this.#formNote('context', 'Choose an action of the schema to see its context.');
    if (!action.context.length) {
      return replaceChildren(
        this.forms.context,
        h('p', { class: 'hint form-note', dataset: { testid: 'form-note' } }, `The schema declares no context for ${action.id}.`),
      );
    }
    const fields = attributeFields(
      action.context,
      context,
      (name, value) => {
        if (value === undefined) delete context[name];
        else context[name] = value;
        replaceText(this.contextEditor, pretty(context));
      },
      { idPrefix: 'context-field', suggestions: (t) => this.#suggestions(t) },
    );
    replaceChildren(this.forms.context, fields);
  }

  #renderEntitiesForm() {
    let entities;
    try {
      entities = parseJson(this.entitiesEditor.state.doc.toString() || '[]');
    } catch (e) {
      return this.#formNote('entities', `The entities' JSON does not parse (${e.message}).`);
    }
    if (!Array.isArray(entities)) return this.#formNote('entities', 'The extra entities are not a JSON list.');
    const types = this.workspace.outline.entityTypes;
    const write = () => replaceText(this.entitiesEditor, pretty(entities));
    const rerender = (focusIndex) => {
      write();
      this.#renderEntitiesForm();
      if (focusIndex !== undefined) this.forms.entities.querySelectorAll('[data-testid="entity-id"]')[focusIndex]?.focus();
    };
    const cards = entities.map((entity, index) => {
      const uid = entity?.uid;
      if (!uid || typeof uid !== 'object' || typeof uid.type !== 'string' || '__entity' in uid) {
        return h(
          'div',
          { class: 'entity-card', dataset: { testid: 'entity-card' } },
          h('p', { class: 'hint' }, `Entity ${index + 1} is not written as { uid: { type, id }, attrs, parents }: edit it as JSON.`),
        );
      }
      const typeInfo = types.find((t) => t.name === uid.type);
      const idPrefix = `entity-${index}`;
      const typeSelect = h(
        'select',
        {
          id: `${idPrefix}-type`,
          dataset: { testid: 'entity-type' },
          onchange: (event) => {
            uid.type = event.target.value;
            rerender();
          },
        },
        [...new Set([...types.map((t) => t.name), uid.type])].map((name) =>
          h('option', { value: name, selected: name === uid.type }, name),
        ),
      );
      const idInput = h('input', {
        id: `${idPrefix}-id`,
        type: 'text',
        spellcheck: 'false',
        autocomplete: 'off',
        placeholder: 'id',
        dataset: { testid: 'entity-id' },
        oninput: (event) => {
          uid.id = event.target.value;
          write();
        },
      });
      idInput.value = typeof uid.id === 'string' ? uid.id : '';
      const parentsInput = h('input', {
        id: `${idPrefix}-parents`,
        type: 'text',
        spellcheck: 'false',
        autocomplete: 'off',
        placeholder: typeInfo?.memberOf.length ? `${typeInfo.memberOf[0]}::"id", …` : 'Type::"id", …',
        dataset: { testid: 'entity-parents' },
        oninput: (event) => {
          const parsed = parseParents(event.target.value);
          event.target.setAttribute('aria-invalid', String(Boolean(parsed.error)));
          event.target.title = parsed.error ?? '';
          if (parsed.error) return;
          entity.parents = parsed.value;
          write();
        },
      });
      parentsInput.value = parentsText(entity.parents);
      const attributes = typeInfo?.attributes ?? [];
      return h(
        'div',
        { class: 'entity-card', dataset: { testid: 'entity-card', type: uid.type } },
        h(
          'div',
          { class: 'entity-card-head' },
          h('label', { class: 'visually-hidden', for: `${idPrefix}-type` }, `Entity ${index + 1} type`),
          typeSelect,
          h('label', { class: 'visually-hidden', for: `${idPrefix}-id` }, `Entity ${index + 1} id`),
          idInput,
          h(
            'button',
            {
              type: 'button',
              class: 'link-button',
              dataset: { testid: 'entity-remove' },
              title: 'Remove this entity',
              onclick: () => {
                entities.splice(index, 1);
                rerender();
              },
            },
            'Remove',
          ),
        ),
        h(
          'div',
          { class: 'form-row' },
          h(
            'label',
            { for: `${idPrefix}-parents`, class: 'form-label' },
            h('span', { class: 'form-name' }, 'parents'),
            h('span', { class: 'form-type' }, typeInfo?.memberOf.length ? `in ${typeInfo.memberOf.join(' | ')}` : 'Type::"id", …'),
          ),
          parentsInput,
        ),
        attributeFields(
          attributes,
          entity.attrs ?? {},
          (name, value) => {
            entity.attrs = entity.attrs ?? {};
            if (value === undefined) delete entity.attrs[name];
            else entity.attrs[name] = value;
            write();
          },
          { idPrefix: `${idPrefix}-attr`, suggestions: (t) => this.#suggestions(t) },
        ),
      );
    });
    const newType = h(
      'select',
      { dataset: { testid: 'entity-add-type' }, 'aria-label': 'Type of the entity to add' },
      types.map((t) => h('option', { value: t.name }, t.name)),
    );
    replaceChildren(
      this.forms.entities,
      cards.length ? cards : h('p', { class: 'hint form-note' }, "None: the request uses the store's entities only."),
      types.length
        ? h(
            'div',
            { class: 'entity-add' },
            newType,
            h(
              'button',
              {
                type: 'button',
                dataset: { testid: 'entity-add' },
                onclick: () => {
                  entities.push({ uid: { type: newType.value, id: '' }, attrs: {}, parents: [] });
                  rerender(entities.length - 1);
                },
              },
              'Add entity',
            ),
          )
        : null,
    );
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
    this.#renderForms();
  }

  #setEntities(entityText, tokenText) {
    this.#entities = { entity: entityText, token: tokenText };
    replaceText(this.entitiesEditor, this.#entities[this.#shownSource]);
  }

  #refreshSchema() {
    this.#schema = pickerInfo(this.workspace.outline);
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
    if (this.#formOutline !== this.workspace.outline) this.#renderForms();
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
    this.#renderForms();
  }
}

const actionKey = (type, id) => `${type}\u0000${id}`;

/** Selects `value`, adding it as an option (with `label`) when the list lacks it, so no state is lost. */
function selectValue(select, value, label) {
  if (![...select.options].some((option) => option.value === value)) select.append(h('option', { value }, label));
  select.value = value;
}
