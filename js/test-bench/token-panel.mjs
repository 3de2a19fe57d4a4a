// The token panel: paste a JWT and see, from the engine's explainToken, its decoded header and claims,
// whether it verified against the keys pasted for its issuer (or exactly why not), and the principal,
// parents, attributes and context it maps to.
import { byTestId, debounce, h, pretty, replaceChildren } from './dom.mjs';
import { entityText } from './references.mjs';

export const DEMO_JWKS_PATH = '/.well-known/demo-jwks.json';
const TIME_CLAIMS = ['exp', 'nbf', 'iat', 'auth_time'];

export class TokenPanel {
  /** The last explanation, for the batch panel (a token case becomes a claims case). */
  explanation = null;

  constructor(workspace) {
    this.workspace = workspace;
    this.tokenInput = byTestId('token-input');
    this.kindSelect = byTestId('token-kind');
    this.issuerSelect = byTestId('issuer-select');
    this.jwksInput = byTestId('jwks-input');
    this.jwksStatus = byTestId('jwks-status');
    this.output = byTestId('token-explanation');

    const explainSoon = debounce(() => this.explain(), 150);
    const applyKeysSoon = debounce(() => this.#applyKeys(), 250);
    this.tokenInput.addEventListener('input', () => {
      this.#selectTokenIssuer();
      explainSoon();
    });
    this.kindSelect.addEventListener('change', () => this.explain());
    this.issuerSelect.addEventListener('change', () => {
      this.jwksInput.value = workspace.keys.get(this.issuerSelect.value) ?? '';
      this.#showKeyStatus();
    });
    this.jwksInput.addEventListener('input', applyKeysSoon);
    byTestId('fetch-demo-jwks').addEventListener('click', () => this.#fetchDemoKeys());
    workspace.addEventListener('validated', () => {
      this.#fillIssuers();
      this.explain();
    });
    workspace.addEventListener('keys', () => this.explain());
  }

  get token() {
    return this.tokenInput.value.trim();
  }

  get kind() {
    return this.kindSelect.value;
  }

  /** Lists the store's issuers; while the store has errors the last list stays, so nothing typed is lost. */
  #fillIssuers() {
    if (!this.workspace.authorizer && this.issuerSelect.options.length) return;
    const before = this.issuerSelect.value;
    const issuers = this.workspace.issuers;
    replaceChildren(
      this.issuerSelect,
      issuers.length
        ? issuers.map((issuer) => h('option', { value: issuer }, issuer))
        : h('option', { value: '' }, 'the store has no identity source'),
    );
    if (issuers.includes(before)) this.issuerSelect.value = before;
    this.#selectTokenIssuer();
    if (this.issuerSelect.value !== before) this.jwksInput.value = this.workspace.keys.get(this.issuerSelect.value) ?? '';
    this.#showKeyStatus();
  }

  /** Chooses the token's own issuer (its unverified `iss`) when the store has it. */
  #selectTokenIssuer() {
    const iss = unverifiedIssuer(this.token);
    if (!iss || iss === this.issuerSelect.value || !this.workspace.issuers.includes(iss)) return;
    this.issuerSelect.value = iss;
    this.jwksInput.value = this.workspace.keys.get(iss) ?? '';
    this.#showKeyStatus();
  }

  #applyKeys() {
    const issuer = this.issuerSelect.value;
    if (!issuer) return;
    this.workspace.setKeys(issuer, this.jwksInput.value);
    this.#showKeyStatus();
  }

  #showKeyStatus() {
    const result = this.workspace.keyResults.get(this.issuerSelect.value);
    this.jwksStatus.dataset.state = result ? result.type : 'none';
    if (!result) this.jwksStatus.textContent = this.issuerSelect.value ? 'No keys for this issuer yet: paste its JWKS.' : '';
    else if (result.type === 'success') {
      const skipped = result.skipped?.length ? `; skipped ${result.skipped.join(', ')}` : '';
      this.jwksStatus.textContent = `✓ ${result.keys.length} key${result.keys.length === 1 ? '' : 's'} imported (${result.keys.join(', ') || 'none'})${skipped}`;
    } else this.jwksStatus.textContent = `✗ ${result.errors.map((e) => e.errorDescription).join('; ')}`;
  }

  /** Fetches the demo server's JWKS (only when the page is served by it; never needed offline). */
  async #fetchDemoKeys() {
    this.jwksStatus.dataset.state = 'pending';
    this.jwksStatus.textContent = "Fetching the demo issuer's keys…";
    try {
      const response = await fetch(new URL(DEMO_JWKS_PATH, location.origin), { cache: 'no-store' });
      if (!response.ok) throw new Error(`${DEMO_JWKS_PATH} answered ${response.status}: this page is not served by the demo server`);
      this.jwksInput.value = pretty(await response.json());
      this.#applyKeys();
    } catch (e) {
      this.jwksStatus.dataset.state = 'failure';
      this.jwksStatus.textContent = `✗ ${e.message}`;
    }
  }

  /** Asks the engine what the pasted token says and maps to, and shows it. */
  explain() {
    const authorizer = this.workspace.authorizer;
    if (!this.token) {
      this.explanation = null;
      replaceChildren(this.output, h('p', { class: 'hint' }, 'Paste a token to see what it says and maps to.'));
      return;
    }
    if (!authorizer) {
      this.explanation = null;
      replaceChildren(this.output, h('p', { class: 'hint' }, 'The store has errors: fix them to read the token against it.'));
      return;
    }
    this.explanation = authorizer.explainToken(this.token, this.kind);
    replaceChildren(this.output, renderExplanation(this.explanation, this.kind));
  }

  /** The panel's state, for share links (the token only when asked: it is a credential). */
  getState({ includeToken }) {
    return { token: includeToken ? this.tokenInput.value : '', kind: this.kind, keys: Object.fromEntries(this.workspace.keys) };
  }

  setState(state) {
    this.tokenInput.value = state.token ?? '';
    this.kindSelect.value = state.kind === 'access' ? 'access' : 'identity';
    for (const [issuer, text] of Object.entries(state.keys ?? {})) this.workspace.setKeys(issuer, text);
    this.#fillIssuers();
    this.jwksInput.value = this.workspace.keys.get(this.issuerSelect.value) ?? '';
    this.#showKeyStatus();
    this.explain();
  }
}

/** The `iss` of a token, read without verifying anything: only to pick whose keys to show. */
function unverifiedIssuer(token) {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(payload.padEnd(Math.ceil(payload.length / 4) * 4, '='))).iss;
  } catch {
    return undefined;
  }
}

function renderExplanation(explanation, kind) {
  const { verified, error, mapping, mappingError, header, claims, entities } = explanation;
  const status = verified
    ? h(
        'div',
        { class: 'token-status ok', dataset: { testid: 'token-status', verified: 'true' } },
        h('strong', {}, '✓ Verified'),
        ` ${kind === 'access' ? 'access' : 'ID'} token: signature, issuer, audience, use and times all check out.`,
      )
    : h(
        'div',
        { class: 'token-status bad', dataset: { testid: 'token-status', verified: 'false', code: error?.code ?? '' } },
        h('strong', {}, `✗ Rejected: ${error?.code ?? 'unknown'}`),
        ` ${error?.errorDescription ?? ''}`,
      );
  return [
    status,
    mapping ? renderMapping(mapping, verified) : null,
    mappingError
      ? h(
          'div',
          { class: 'token-status bad', dataset: { testid: 'mapping-error', code: mappingError.code } },
          h('strong', {}, `Maps to nothing: ${mappingError.code}`),
          ` ${mappingError.errorDescription}`,
        )
      : null,
    header && claims ? null : unreadable(header, error),
    header ? section('Header', h('pre', { dataset: { testid: 'token-header' } }, pretty(header))) : null,
    claims ? section('Claims', h('pre', { dataset: { testid: 'token-claims' } }, pretty(claims)), timeTable(claims)) : null,
    entities
      ? section('Entities it adds to the request', h('pre', { dataset: { testid: 'token-entities' } }, pretty(entities)), null, true)
      : null,
  ];
}

/** What cannot be read of a malformed token, and why, instead of empty sections. */
function unreadable(header, error) {
  const what = header ? 'Its claims cannot be read' : 'This token cannot be read';
  return h(
    'div',
    { class: 'token-unreadable', dataset: { testid: 'token-unreadable' } },
    h('p', {}, h('strong', {}, what), `: ${error?.errorDescription ?? 'it is not a JWT'}.`),
    h(
      'p',
      { class: 'hint' },
      'A JWT is three base64url parts joined by dots: a JSON header, a JSON payload of claims, and a signature. ',
      header ? 'The header below could be read.' : 'Check that the whole token was pasted, without quotes or a "Bearer " prefix.',
    ),
  );
}

function renderMapping(mapping, verified) {
  const rows = [
    ['Principal', h('code', { dataset: { testid: 'token-principal' } }, entityText(mapping.principal))],
    [
      'Parents',
      mapping.groups.length
        ? h(
            'ul',
            { class: 'plain' },
            mapping.groups.map((g) => h('li', {}, h('code', { dataset: { testid: 'token-parent' } }, entityText(g)))),
          )
        : h('span', { class: 'hint' }, 'none'),
    ],
    [
      'Attributes',
      Object.keys(mapping.attributes).length
        ? h('pre', { dataset: { testid: 'token-attributes' } }, pretty(mapping.attributes))
        : h('span', { class: 'hint' }, 'none'),
    ],
  ];
  if (mapping.accessClaims) {
    rows.push([
      'Context',
      h(
        'div',
        {},
        h('pre', { dataset: { testid: 'token-context' } }, pretty({ token: mapping.accessClaims })),
        h('p', { class: 'hint' }, "Claims an access token offers as context.token: those the action's context declares are kept."),
      ),
    ]);
  }
  if (mapping.skipped.length) {
    rows.push([
      'Left out',
      h(
        'ul',
        { class: 'plain skipped' },
        mapping.skipped.map((s) => h('li', { class: s.mismatch ? 'mismatch' : '' }, h('code', {}, s.claim), `: ${s.reason}`)),
      ),
    ]);
  }
  return h(
    'div',
    { class: 'mapping' },
    h('h3', {}, verified ? 'Maps to' : 'Would map to (if it verified)'),
    h(
      'dl',
      { class: 'facts' },
      rows.map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]),
    ),
  );
}

function timeTable(claims) {
  const times = TIME_CLAIMS.filter((name) => typeof claims?.[name] === 'number');
  if (!times.length) return null;
  return h(
    'dl',
    { class: 'facts times' },
    times.map((name) => [h('dt', {}, name), h('dd', {}, new Date(claims[name] * 1000).toISOString())]),
  );
}

function section(title, body, extra = null, collapsed = false) {
  return h('details', { class: 'token-section', open: !collapsed }, h('summary', {}, title), body, extra);
}
