// Edits kept across a reload: the page's state (the same one share links carry) in the browser's
// localStorage, except the token, which is a credential: it is kept in sessionStorage, for this tab only,
// until the tab is closed. Storage can be missing or full (private windows, file:// pages): then nothing is
// kept, and the page works as before.
import { STATE_VERSION } from './share.mjs';

const STATE_KEY = 'cedar-test-bench/state';
const TOKEN_KEY = 'cedar-test-bench/token';

function storages() {
  try {
    return { local: globalThis.localStorage ?? null, session: globalThis.sessionStorage ?? null };
  } catch {
    return { local: null, session: null };
  }
}

/** The state saved by `saveState`, with the token of this tab put back; null when none (or unreadable). */
export function loadSavedState() {
  const { local, session } = storages();
  try {
    const state = JSON.parse(local?.getItem(STATE_KEY) ?? 'null');
    if (state?.v !== STATE_VERSION) return null;
    const token = session?.getItem(TOKEN_KEY);
    if (token && state.token) state.token.token = token;
    return state;
  } catch {
    return null;
  }
}

/** Saves the page's state (`token.token` goes to sessionStorage). Returns whether it was kept. */
export function saveState(state) {
  const { local, session } = storages();
  if (!local) return false;
  try {
    const token = state.token?.token ?? '';
    local.setItem(STATE_KEY, JSON.stringify({ v: STATE_VERSION, ...state, token: { ...state.token, token: '' } }));
    if (token) session?.setItem(TOKEN_KEY, token);
    else session?.removeItem(TOKEN_KEY);
    return true;
  } catch {
    return false;
  }
}

/** Forgets the saved state and token. */
export function forgetSavedState() {
  const { local, session } = storages();
  try {
    local?.removeItem(STATE_KEY);
    session?.removeItem(TOKEN_KEY);
  } catch {
    // Nothing was kept.
  }
}
