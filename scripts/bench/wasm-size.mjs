// What each part of a wasm module costs: function body sizes from the code section, attributed to a crate
// (and, for Cedar's core, a module) through the names in the `name` section, plus data segments.
import fs from 'node:fs';

function reader(bytes) {
  let pos = 0;
  const u32 = () => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[pos++];
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return result;
      shift += 7;
    }
  };
  return {
    u32,
    get pos() {
      return pos;
    },
    set pos(p) {
      pos = p;
    },
  };
}

/** `_ZN17cedar_policy_core6parser...E` to its path components (legacy Rust mangling); others as they are. */
function components(name) {
  if (!name.startsWith('_ZN')) return [name];
  const parts = [];
  let i = 3;
  while (i < name.length && name[i] !== 'E') {
    let len = 0;
    while (/[0-9]/.test(name[i])) len = len * 10 + Number(name[i++]);
    if (len === 0) break;
    parts.push(name.slice(i, i + len));
    i += len;
  }
  return parts;
}

const CORE_MODULES = ['parser', 'validator', 'evaluator', 'entities', 'ast', 'extensions', 'est', 'transitive_closure'];

/** The owner of a function: its crate, with Cedar's core split by module, found in trait-impl names too. */
function owner(name) {
  const text = components(name)
    .join('::')
    .replace(/\$LT\$|\$GT\$|\$u20\$|\$RF\$|\$C\$|\$LP\$|\$RP\$/g, ' ')
    .replace(/\.\./g, '::');
  // Generic code (`<alloc::vec::Vec<T> as core::ops::Drop>::drop`) belongs to the first crate other than the
  // standard library that its name mentions; the standard library counts only when nothing else is named.
  const crates = [...text.matchAll(/(?:^|[^:\w])([a-z_][a-z0-9_]*)::/g)].map((m) => m[1]);
  const crate = crates.find((c) => !['core', 'alloc', 'std'].includes(c)) ?? crates[0];
  if (!crate) return 'other';
  if (crate === 'cedar_policy_core') {
    const module = CORE_MODULES.find((m) => text.includes(`cedar_policy_core::${m}`));
    return module ? `cedar_policy_core::${module}` : 'cedar_policy_core (other)';
  }
  return ['core', 'alloc', 'std'].includes(crate) ? 'Rust standard library (generic code)' : crate;
}

/** `{ total, code, data, parts: [[owner, bytes], ...] }` for a wasm file that still has its name section. */
export function sizeBreakdown(file) {
  const bytes = fs.readFileSync(file);
  const r = reader(bytes);
  r.pos = 8;
  let imports = 0;
  let bodies = [];
  let names = new Map();
  let data = 0;
  while (r.pos < bytes.length) {
    const id = bytes[r.pos];
    r.pos += 1;
    const size = r.u32();
    const start = r.pos;
    if (id === 2) {
      const count = r.u32();
      for (let i = 0; i < count; i += 1) {
        for (let k = 0; k < 2; k += 1) r.pos += r.u32();
        const kind = bytes[r.pos++];
        if (kind === 0) {
          r.u32();
          imports += 1;
        } else if (kind === 1) {
          r.pos += 1;
          const flags = r.u32();
          r.u32();
          if (flags & 1) r.u32();
        } else if (kind === 2) {
          const flags = r.u32();
          r.u32();
          if (flags & 1) r.u32();
        } else if (kind === 3) r.pos += 2;
        else r.u32();
      }
    } else if (id === 10) {
      const count = r.u32();
      bodies = [];
      for (let i = 0; i < count; i += 1) {
        const len = r.u32();
        bodies.push(len);
        r.pos += len;
      }
    } else if (id === 11) {
      data += size;
    } else if (id === 0) {
      const nameLen = r.u32();
      const section = bytes.subarray(r.pos, r.pos + nameLen).toString();
      r.pos += nameLen;
      if (section === 'name') {
        while (r.pos < start + size) {
          const sub = bytes[r.pos++];
          const subSize = r.u32();
          const subEnd = r.pos + subSize;
          if (sub === 1) {
            const count = r.u32();
            for (let i = 0; i < count; i += 1) {
              const index = r.u32();
              const len = r.u32();
              names.set(index, bytes.subarray(r.pos, r.pos + len).toString());
              r.pos += len;
            }
          }
          r.pos = subEnd;
        }
      }
    }
    r.pos = start + size;
  }
  const parts = new Map();
  bodies.forEach((len, i) => {
    const key = owner(names.get(imports + i) ?? '');
    parts.set(key, (parts.get(key) ?? 0) + len);
  });
  parts.set('data (tables, strings)', data);
  const code = bodies.reduce((a, b) => a + b, 0);
  return { total: code + data, code, data, parts: [...parts.entries()].sort((a, b) => b[1] - a[1]) };
}
