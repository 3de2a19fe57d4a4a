// The test bench page: compiles the engine, builds the panels and wires them together. Each panel lives in
// its own module; this one only decides what happens on Run, Add to batch and when the page opens.
import { initialize } from '../dist/web.mjs';
import examples from 'virtual:examples';
import { byTestId, debounce, pretty } from './dom.mjs';
import { Workspace } from './workspace.mjs';
import { StoreEditor } from './store-editor.mjs';
import { DiagnosticsPanel } from './diagnostics-panel.mjs';
import { RequestBuilder } from './request-builder.mjs';
import { TokenPanel } from './token-panel.mjs';
import { ResultPanel } from './result-panel.mjs';
import { BatchPanel } from './batch.mjs';
import { AllowedPanel, CoveragePanel } from './insight.mjs';
import { Toolbar, createBanner } from './toolbar.mjs';
import { SharePanel } from './share-panel.mjs';
import { decodeState, stateInFragment } from './share.mjs';
import { splitTests } from './store-files.mjs';
import { referenceParts } from './references.mjs';
import { measure, pageClock } from './timing.mjs';
import { forgetSavedState, loadSavedState, saveState } from './saved-state.mjs';

const DEFAULT_EXAMPLE = 'rides';

async function start() {
  const banner = createBanner();
  const clock = pageClock(location.search);
  byTestId('clock').textContent = clock.label;
  await initialize(new URL('./cedar_authorizer_bg.wasm', import.meta.url));

  const workspace = new Workspace({ clock: clock.now });
  const storeEditor = new StoreEditor(workspace, { onRun: () => run() });
  new DiagnosticsPanel(workspace, storeEditor);
  const batch = new BatchPanel(workspace, { onOpen: (testCase, group) => openCase(testCase, group) });
  const builder = new RequestBuilder(workspace, {
    onRun: () => run(),
    onAddToBatch: () => addToBatch(),
    entityLists: () => [parsedList(workspace.files['entities.json']), ...batch.entityLists()],
  });
  const tokenPanel = new TokenPanel(workspace);
  const result = new ResultPanel(workspace, storeEditor);
  new AllowedPanel(workspace, {
    builder,
    tokenPanel,
    onTry: (action) => {
      builder.setState({ ...builder.getState(), action: { type: action.actionType, id: action.actionId } });
      return run();
    },
  });
  new CoveragePanel(workspace, { storeEditor, batch });
  let origin = 'example';
  /** The example a reset loads: the last one loaded. */
  let exampleName = DEFAULT_EXAMPLE;
  const toolbar = new Toolbar({
    examples,
    workspace,
    banner,
    loadStore: (name, files, from) => loadStore(name, files, from),
  });
  let last = null;

  function loadStore(name, files, from) {
    const { store, tests } = splitTests(files);
    origin = from;
    if (from === 'example' && name in examples) exampleName = name;
    last = null;
    banner.hide();
    batch.load(tests);
    workspace.setStore(name, store);
    const first = batch.firstEntityCase();
    if (first) builder.setState(builderStateOf(first.testCase, first.group));
    const storeName = byTestId('store-name');
    storeName.textContent = from === 'example' ? `policies/${name}` : name;
    storeName.dataset.origin = from;
    toolbar.showOrigin(name, from);
  }

  async function run() {
    workspace.flush();
    const authorizer = workspace.authorizer;
    if (!authorizer) return result.showProblem('The store has errors (see Problems): fix them to run a request.');
    let request;
    try {
      request = builder.buildRequest();
    } catch (e) {
      return result.showProblem(e.message);
    }
    let answer;
    let timing;
    if (builder.source === 'token') {
      if (!tokenPanel.token) return result.showProblem('Paste a token in the Token panel, or take the principal from an entity.');
      request[tokenPanel.kind === 'access' ? 'accessToken' : 'identityToken'] = tokenPanel.token;
      const started = performance.now();
      answer = await authorizer.isAuthorizedWithToken(request);
      timing = { ms: performance.now() - started, runs: 1 };
    } else {
      ({ answer, timing } = measure(() => authorizer.isAuthorized(request)));
    }
    last = { key: requestKey(), decision: answer.decision };
    result.showAnswer(answer, timing);
  }

  function requestKey() {
    return JSON.stringify([builder.getState(), tokenPanel.token, tokenPanel.kind]);
  }

  function addToBatch() {
    let request;
    try {
      request = builder.buildRequest();
    } catch (e) {
      return result.showProblem(e.message);
    }
    let claims;
    if (builder.source === 'token') {
      claims = tokenPanel.explanation?.claims;
      if (!claims) return result.showProblem('Paste a readable token first: a batch row keeps its claims.');
    }
    const decision = last?.key === requestKey() ? last.decision : undefined;
    batch.addCase(BatchPanel.caseFrom({ request, claims, kind: tokenPanel.kind, decision }));
  }

  /** A batch row's Open: the row's request into the builder, scrolled to and run. */
  function openCase(testCase, group) {
    builder.setState(builderStateOf(testCase, group));
    const heading = byTestId('request-heading');
    heading.scrollIntoView({ block: 'start' });
    heading.focus({ preventScroll: true });
    return run();
  }

  function pageState({ includeToken }) {
    return {
      name: workspace.name,
      origin,
      files: workspace.files,
      tests: batch.toFiles(),
      activeFile: storeEditor.activeFile,
      request: builder.getState(),
      token: tokenPanel.getState({ includeToken }),
      ran: last !== null,
    };
  }

  async function restore(encoded) {
    await restoreState(await decodeState(encoded));
  }

  async function restoreState(state) {
    loadStore(state.name ?? 'store', { ...state.files, ...state.tests }, state.origin ?? 'link');
    if (state.exampleName in examples) exampleName = state.exampleName;
    builder.setState(state.request ?? {});
    tokenPanel.setState(state.token ?? {});
    if (state.activeFile) storeEditor.showFile(state.activeFile);
    if (state.ran) await run();
  }

  new SharePanel(pageState);
  document.addEventListener('keydown', (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key === 'Enter' && !event.defaultPrevented) {
      event.preventDefault();
      run();
    }
  });

  // Edits are kept in this browser: saved (debounced) after every change, at once when the page is left, and
  // restored on the next visit. A share link in the address bar wins, unless the saved state is that link's,
  // edited since. A start that keeps nothing of its own (an example, a reset, a link that cannot be read) is
  // not written until it is edited, so it never replaces edits kept earlier.
  const savedStatus = byTestId('saved-status');
  let started = false;
  let lastSaved = '';
  const stateToSave = () => ({ ...pageState({ includeToken: true }), link: stateInFragment() ?? null, exampleName });
  const settled = () => {
    lastSaved = JSON.stringify(stateToSave());
  };
  const saveNow = () => {
    if (!started) return;
    const state = stateToSave();
    const text = JSON.stringify(state);
    if (text === lastSaved) return;
    lastSaved = text;
    const kept = saveState(state);
    savedStatus.dataset.state = kept ? 'saved' : 'unavailable';
    savedStatus.textContent = kept ? 'Kept in this browser' : 'Not kept (no storage)';
  };
  const saveSoon = debounce(saveNow, 400);
  for (const type of ['input', 'change', 'click']) document.addEventListener(type, () => saveSoon(), true);
  workspace.addEventListener('validated', () => saveSoon());
  // A reload, a closed tab or a navigation within the debounce would otherwise lose the last edit.
  window.addEventListener('pagehide', () => saveSoon.flush());
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') saveSoon.flush();
  });

  byTestId('reset-example').addEventListener('click', () => {
    const name = exampleName in examples ? exampleName : DEFAULT_EXAMPLE;
    if (!confirm(`Forget every edit kept in this browser and load the policies/${name} example again?`)) return;
    forgetSavedState();
    history.replaceState(null, '', `${location.pathname}${location.search}`);
    workspace.keys.clear();
    tokenPanel.setState({});
    toolbar.loadExample(name);
    settled();
    savedStatus.dataset.state = 'reset';
    savedStatus.textContent = 'Example reset';
  });

  // A link pasted into the address bar of this open page changes only the fragment: it is loaded too.
  window.addEventListener('hashchange', async () => {
    const link = stateInFragment();
    if (!link || !started) return;
    try {
      await restore(link);
    } catch (e) {
      banner.show(`${e.message}. The page is left as it was.`);
      return;
    }
    saveNow();
  });

  const encoded = stateInFragment();
  const saved = loadSavedState();
  let from = 'example';
  try {
    if (saved && (!encoded || saved.link === encoded)) {
      await restoreState(saved);
      from = 'saved';
      savedStatus.dataset.state = 'restored';
      savedStatus.textContent = 'Edits restored';
    } else if (encoded) {
      await restore(encoded);
      from = 'link';
    } else toolbar.loadExample(DEFAULT_EXAMPLE);
  } catch (e) {
    toolbar.loadExample(DEFAULT_EXAMPLE);
    banner.show(`${e.message}. The ${DEFAULT_EXAMPLE} example is loaded instead.`);
  }
  started = true;
  // A link's state replaces what was kept (it is what the author opened); anything else is kept already or
  // has nothing to keep yet.
  if (from === 'link') saveNow();
  else settled();
  workspace.addEventListener('validated', () => showEngine(workspace));
  showEngine(workspace);
  registerServiceWorker();
  document.body.dataset.readyMs = performance.now().toFixed(0);
  document.body.dataset.ready = 'true';
}

/** The request builder's state for a test case with a principal, its file's shared entities included. */
function builderStateOf(testCase, group) {
  const [principal, action, resource] = [testCase.principal, testCase.action, testCase.resource].map(referenceParts);
  return {
    source: 'entity',
    principal,
    action,
    resource,
    context: pretty(testCase.context ?? {}),
    entities: pretty([...group.entities, ...(Array.isArray(testCase.entities) ? testCase.entities : [])]),
  };
}

function parsedList(text) {
  try {
    return text ? JSON.parse(text) : [];
  } catch {
    return [];
  }
}

function showEngine(workspace) {
  const hash = workspace.authorizer?.hash;
  byTestId('engine-info').textContent = hash
    ? `cedar-authorizer wasm engine · bundle ${hash.slice(0, 19)}…`
    : 'cedar-authorizer wasm engine · the store has errors';
}

/** Keeps the page working offline once loaded, where the browser allows service workers. */
function registerServiceWorker() {
  if (!('serviceWorker' in navigator) || !/^https?:$/.test(location.protocol)) return;
  navigator.serviceWorker.register(new URL('./sw.js', import.meta.url)).catch(() => {
    // Without it the page still works; it only cannot be reloaded offline.
  });
}

start().catch((e) => {
  const banner = document.querySelector('[data-testid="banner"]');
  banner.textContent = `The test bench could not start: ${e.message}`;
  banner.hidden = false;
  document.body.dataset.ready = 'failed';
  throw e;
});
