// The top bar: load an example store, open a folder or a bundle from disk, export the store as a bundle.
import { buildBundle, bundleText } from '../dist/web.mjs';
import { byTestId, download, h, replaceChildren } from './dom.mjs';
import { filesFromBundle, filesFromFolder, folderName } from './store-files.mjs';

const CUSTOM = '';

export class Toolbar {
  /**
   * @param {{ examples: Record<string, Record<string, string>>, loadStore: (name: string, files: object, origin: string) => void,
   *   workspace: import('./workspace.mjs').Workspace, banner: { show: (message: string) => void } }} options
   */
  constructor({ examples, loadStore, workspace, banner }) {
    this.examples = examples;
    this.loadStore = loadStore;
    this.workspace = workspace;
    this.banner = banner;
    this.exampleSelect = byTestId('example-select');
    this.folderInput = byTestId('folder-input');
    this.bundleInput = byTestId('bundle-input');
    this.exportButton = byTestId('export-bundle');

    replaceChildren(
      this.exampleSelect,
      h('option', { value: CUSTOM, disabled: true }, 'your store'),
      Object.keys(examples).map((name) => h('option', { value: name }, `policies/${name}`)),
    );
    this.exampleSelect.addEventListener('change', () => this.loadExample(this.exampleSelect.value));
    byTestId('open-folder').addEventListener('click', () => this.folderInput.click());
    byTestId('open-bundle').addEventListener('click', () => this.bundleInput.click());
    this.folderInput.addEventListener('change', () => this.#openFolder());
    this.bundleInput.addEventListener('change', () => this.#openBundle());
    this.exportButton.addEventListener('click', () => this.#exportBundle());
    workspace.addEventListener('validated', () => {
      this.exportButton.disabled = !workspace.authorizer;
      this.exportButton.title = workspace.authorizer
        ? 'Download the validated store as one bundle file'
        : 'The store has errors: fix them to export';
    });
  }

  loadExample(name) {
    if (!(name in this.examples)) throw new Error(`no example store named ${name}`);
    this.loadStore(name, this.examples[name], 'example');
  }

  /** Shows which example the store came from, or 'your store'. */
  showOrigin(name, origin) {
    this.exampleSelect.value = origin === 'example' && name in this.examples ? name : CUSTOM;
  }

  async #openFolder() {
    const list = [...this.folderInput.files];
    this.folderInput.value = '';
    if (!list.length) return;
    try {
      const files = await filesFromFolder(list);
      if (!Object.keys(files).length) throw new Error('the folder has no .cedar, .cedarschema or .json files');
      this.loadStore(folderName(list), files, 'folder');
    } catch (e) {
      this.banner.show(`Could not open the folder: ${e.message}`);
    }
  }

  async #openBundle() {
    const file = this.bundleInput.files[0];
    this.bundleInput.value = '';
    if (!file) return;
    try {
      const files = filesFromBundle(JSON.parse(await file.text()));
      this.loadStore(file.name.replace(/(\.bundle)?\.json$/, ''), files, 'bundle');
    } catch (e) {
      this.banner.show(`Could not open ${file.name}: ${e.message}`);
    }
  }

  #exportBundle() {
    this.workspace.flush();
    const { bundle, diagnostics } = buildBundle(this.workspace.files);
    if (!bundle) {
      this.banner.show(`The store has ${diagnostics.length} problem${diagnostics.length === 1 ? '' : 's'}: fix them to export a bundle.`);
      return;
    }
    download(`${this.workspace.name}.bundle.json`, `${bundleText(bundle, { pretty: true })}\n`);
  }
}

/** The dismissable banner for problems that are not about a file (a damaged link, an unreadable bundle). */
export function createBanner() {
  const element = byTestId('banner');
  return {
    show(message) {
      replaceChildren(
        element,
        h('span', {}, message),
        h(
          'button',
          {
            type: 'button',
            class: 'link-button',
            'aria-label': 'Dismiss',
            onclick: () => {
              element.hidden = true;
            },
          },
          'Dismiss',
        ),
      );
      element.hidden = false;
    },
    hide() {
      element.hidden = true;
    },
  };
}
