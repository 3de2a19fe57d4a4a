// Share links: the whole state of the page (store files, tests, request, keys, optionally the token) as
// JSON, compressed with deflate-raw and written base64url into the URL's fragment, which browsers never
// send to a server. Opening the link restores the same case.

export const STATE_VERSION = 1;
const FRAGMENT_KEY = 'state';

async function compress(text) {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function decompress(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Response(stream).text();
}

function toBase64Url(bytes) {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text) {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, '='));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** The state, compressed and encoded for a URL fragment. */
export async function encodeState(state) {
  return toBase64Url(await compress(JSON.stringify({ v: STATE_VERSION, ...state })));
}

/** The state from `encodeState`'s output; throws with a readable message when the link is damaged. */
export async function decodeState(encoded) {
  let state;
  try {
    state = JSON.parse(await decompress(fromBase64Url(encoded)));
  } catch (e) {
    throw new Error(`the link's state could not be read (was it cut short?): ${e.message}`, { cause: e });
  }
  if (state?.v !== STATE_VERSION) throw new Error(`the link's state is version ${state?.v}; this page reads version ${STATE_VERSION}`);
  return state;
}

/** The encoded state in a URL's fragment (`#state=...`), if any. */
export function stateInFragment(hash = location.hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  return params.get(FRAGMENT_KEY);
}

/** This page's URL (query kept: it may fix the clock) with the state in its fragment. */
export function linkFor(encoded, base = location.href) {
  const url = new URL(base);
  url.hash = `${FRAGMENT_KEY}=${encoded}`;
  return url.href;
}
