// Builds form fields from a provider field table (providers.js) and reads
// them back. Shared by the demo page and the extension's options page.

/** A small element helper: el('div', {class, text, onclick, …}, ...children). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (k in node && typeof v !== 'string') node[k] = v;
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c);
  return node;
}

/**
 * Label+input elements for `fields`, ids `${prefix}${key}` (dots become '-').
 * @param {object[]} fields
 * @param {string} prefix
 * @param {Record<string,string>} [values]  pre-filled values
 */
export function buildFields(fields, prefix, values = {}) {
  return fields.map((f) => {
    const id = prefix + (f.key || 'json').replaceAll('.', '-');
    let input;
    if (f.type === 'select') {
      input = el('select', { id, name: f.key, 'data-key': f.key }, ...f.options.map((o) => el('option', { value: o, text: o })));
      if (values[f.key]) input.value = values[f.key];
    } else if (f.type === 'json') {
      input = el('textarea', { id, name: f.key, 'data-key': f.key, rows: 3, spellcheck: 'false', placeholder: f.placeholder ?? '' });
      input.value = values[f.key] ?? '';
    } else {
      input = el('input', {
        id,
        name: f.key,
        'data-key': f.key,
        type: f.type === 'password' ? 'password' : f.type === 'expiresIn' ? 'number' : 'text',
        min: f.type === 'expiresIn' ? '1' : undefined,
        autocomplete: f.type === 'password' ? 'new-password' : 'off',
        spellcheck: 'false',
        placeholder: f.placeholder ?? '',
      });
      input.value = values[f.key] ?? '';
    }
    return el('label', { class: `field${f.required ? ' required' : ''}` }, el('span', { text: f.label }), input);
  });
}

/** The values of the fields built by buildFields inside `root`: {key: string}. */
export function readFields(root) {
  const values = {};
  for (const input of root.querySelectorAll('[data-key]')) values[input.dataset.key] = input.value;
  return values;
}

/** Empties every password and JSON field (credentials are not kept in the DOM). */
export function clearSecretFields(root) {
  for (const input of root.querySelectorAll('input[type=password], textarea[data-key]')) input.value = '';
}

/** "3 min 05 s", "42 s", "expired" for ms left. */
export function timeLeft(ms) {
  if (ms <= 0) return 'expired';
  const s = Math.ceil(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${String(m % 60).padStart(2, '0')} min`;
}

/** A VaultError's text without the "vaultlink: " prefix. */
export function errorText(e) {
  return String(e?.message ?? e).replace(/^vaultlink: /, '');
}
