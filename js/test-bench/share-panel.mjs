// The Share panel: builds the link for the current state, puts it in the address bar (so a reload keeps
// the case), and copies it.
import { byTestId } from './dom.mjs';
import { encodeState, linkFor } from './share.mjs';

export class SharePanel {
  /** Bumped by each refresh: only the latest one may show its link (encoding is asynchronous). */
  #generation = 0;

  /** @param {(options: { includeToken: boolean }) => object} getState the page's state to put in the link */
  constructor(getState) {
    this.getState = getState;
    this.toggle = byTestId('share-open');
    this.panel = byTestId('share-panel');
    this.urlField = byTestId('share-url');
    this.includeToken = byTestId('share-include-token');
    this.status = byTestId('share-status');
    this.toggle.addEventListener('click', () => (this.panel.hidden ? this.open() : this.close()));
    this.includeToken.addEventListener('change', () => this.refresh());
    byTestId('share-copy').addEventListener('click', () => this.#copy());
    this.panel.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        this.close();
        this.toggle.focus();
      }
    });
  }

  async open() {
    this.panel.hidden = false;
    this.toggle.setAttribute('aria-expanded', 'true');
    await this.refresh();
    this.urlField.focus();
    this.urlField.select();
  }

  close() {
    this.panel.hidden = true;
    this.toggle.setAttribute('aria-expanded', 'false');
  }

  /** Rebuilds the link from the current state. */
  async refresh() {
    const generation = ++this.#generation;
    this.panel.dataset.state = 'building';
    const link = linkFor(await encodeState(this.getState({ includeToken: this.includeToken.checked })));
    if (generation !== this.#generation) return this.urlField.value;
    history.replaceState(null, '', link);
    this.urlField.value = link;
    this.status.textContent = `${link.length.toLocaleString('en')} characters. The state is in the part after #, which browsers never send to a server.`;
    this.panel.dataset.state = 'ready';
    return link;
  }

  async #copy() {
    const link = await this.refresh();
    try {
      await navigator.clipboard.writeText(link);
      this.status.textContent = 'Copied.';
    } catch {
      this.urlField.focus();
      this.urlField.select();
      this.status.textContent = 'Copying is not allowed here: the link is selected, press Ctrl+C.';
    }
  }
}
