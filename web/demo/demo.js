// The vaultlink demo: a small API client. Every {{vault:NAME}} reference is
// resolved by the wasm core; the page only shows where each one went and why
// some did not. Values are masked in the page unless you ask to reveal them.

import { createVault, VaultError } from '../src/vault.js';

const $ = (sel) => document.querySelector(sel);
const MASK = '••••••';
const TOKEN_RE = /\{\{([^{}]*?)\}\}/g; // Postman's REGEX_EXTRACT_VARS
const enc = new TextEncoder();

// Clearly fake values: this is a demo.
const DEMO_SECRETS = [
  {
    name: 'echo-token',
    value: 'demo-echo-token-456',
    domains: 'http://127.0.0.1',
    note: 'allowed on the local echo server',
  },
  { name: 'stripe-key', value: 'demo-stripe-key-123', domains: 'api.stripe.com' },
  { name: 'api-user', value: 'demo-user-42', domains: '' },
  { name: 'old-token', value: 'demo-old-token-000', domains: '', enabled: false },
];

const REASONS = {
  unknown: 'unknown secret',
  disabled: 'secret disabled',
  domain_not_allowed: 'domain not allowed',
  not_connected: 'provider not connected',
  binary_value: 'binary value',
  reauth_required: 'reauthentication required',
  permission_denied: 'permission denied',
  not_found: 'not found at provider',
  unreachable: 'provider unreachable',
};
const reasonLabel = (r) => REASONS[r] ?? String(r).replaceAll('_', ' ');

let vault = null;
let liveSeq = 0;
let last = null; // the last Resolve/Send: {template, out, unresolved, values, echo}

// ---------------------------------------------------------------- helpers ---

function el(tag, attrs = {}, ...children) {
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
 * Splits a template into text and {{…}} segments. `offset` is the UTF-8 byte
 * offset, which is how the core reports where an unresolved token sits.
 */
function segments(str) {
  const out = [];
  let last = 0;
  for (const m of str.matchAll(TOKEN_RE)) {
    if (m.index > last) out.push({ text: str.slice(last, m.index) });
    const inner = m[1];
    out.push({
      token: m[0],
      vault: inner.startsWith('vault:'),
      name: inner.slice(6),
      offset: enc.encode(str.slice(0, m.index)).length,
    });
    last = m.index + m[0].length;
  }
  if (last < str.length) out.push({ text: str.slice(last) });
  return out;
}

/** The unresolved report indexed by "where@offset". */
function indexUnresolved(list) {
  const map = new Map();
  for (const u of list) map.set(`${u.where}@${u.offset}`, u);
  return map;
}

function tokenChip(seg, problem) {
  if (!seg.vault) return el('span', { class: 'tok other', title: 'not a vault reference (left as is)', text: seg.token });
  if (!problem) return el('span', { class: 'tok ok', title: `vault secret "${seg.name}" resolves here`, text: seg.token });
  return el(
    'span',
    { class: 'tok bad', title: problem.message, 'data-reason': problem.reason },
    seg.token,
    el('span', { class: 'reason', text: reasonLabel(problem.reason) }),
  );
}

/** Fills `box` with the template, each reference coloured by its outcome. */
function paintPreview(box, str, where, problems) {
  box.replaceChildren();
  const segs = segments(str);
  box.hidden = !segs.some((s) => s.token);
  for (const s of segs) box.append(s.token ? tokenChip(s, problems?.get(`${where}@${s.offset}`)) : s.text);
}

// ---------------------------------------------------------------- request ---

function headerRows() {
  return [...document.querySelectorAll('#headers .header-row')];
}

function addHeaderRow(name = '', value = '') {
  const row = $('#header-row').content.firstElementChild.cloneNode(true);
  row.querySelector('.h-name').value = name;
  row.querySelector('.h-value').value = value;
  row.querySelector('.h-remove').addEventListener('click', () => {
    row.remove();
    scheduleLive();
  });
  row.addEventListener('input', scheduleLive);
  $('#headers').append(row);
  return row;
}

/** The request as typed (templates, no values). Empty header rows are skipped. */
function currentRequest() {
  const headers = [];
  for (const row of headerRows()) {
    const name = row.querySelector('.h-name').value;
    const value = row.querySelector('.h-value').value;
    if (name.trim() === '' && value.trim() === '') continue;
    headers.push([name, value]);
  }
  const method = $('#method').value;
  const body = $('#body').value;
  const req = { method, url: $('#url').value.trim(), headers };
  if (body !== '') req.body = body;
  return req;
}

/** The header rows that take part in the request, in order (matches headers[i]). */
function activeRows() {
  return headerRows().filter((row) => row.querySelector('.h-name').value.trim() !== '' || row.querySelector('.h-value').value.trim() !== '');
}

function paintEditorPreviews(req, problems) {
  paintPreview($('#url-preview'), req.url, 'url', problems);
  paintPreview($('#body-preview'), req.body ?? '', 'body', problems);
  for (const row of headerRows()) {
    row.querySelector('.h-name-preview').hidden = true;
    row.querySelector('.h-value-preview').hidden = true;
  }
  activeRows().forEach((row, i) => {
    paintPreview(row.querySelector('.h-name-preview'), req.headers[i][0], `headers[${i}].name`, problems);
    paintPreview(row.querySelector('.h-value-preview'), req.headers[i][1], `headers[${i}].value`, problems);
  });
  const noBody = req.method === 'GET' || req.method === 'HEAD';
  $('#body-hint').textContent = noBody && req.body ? `${req.method} requests are sent without a body` : '';
}

let liveTimer = 0;
function scheduleLive() {
  clearTimeout(liveTimer);
  liveTimer = setTimeout(liveResolve, 120);
}

/** Resolves in the background to colour the previews; the output is dropped at once. */
async function liveResolve() {
  const seq = ++liveSeq;
  const req = currentRequest();
  if (!vault || vault.wiped) {
    paintEditorPreviews(req, null);
    return;
  }
  try {
    const { unresolved } = await vault.resolve(req, { postmanCompat: $('#compat').checked });
    if (seq !== liveSeq) return;
    paintEditorPreviews(req, indexUnresolved(unresolved));
  } catch (e) {
    if (seq !== liveSeq) return;
    paintEditorPreviews(req, null);
    if (!(e instanceof VaultError) || e.code !== 'wiped') showBanner(`Cannot resolve this request: ${e.message}`, null);
  }
}

// ------------------------------------------------------- resolve and send ---

/**
 * Each resolved secret's value as substituted into this request, so that the
 * page can mask it (or reveal it on request) wherever it shows up.
 */
async function valuesFor(req, unresolved, postmanCompat) {
  const failed = new Set(unresolved.map((u) => u.name));
  const names = new Set();
  const fields = [req.url, req.body ?? '', ...req.headers.flat()];
  for (const f of fields) for (const s of segments(f)) if (s.vault && !failed.has(s.name)) names.add(s.name);
  const values = new Map();
  for (const name of names) {
    const r = await vault.resolve({ method: req.method, url: req.url, body: `{{vault:${name}}}` }, { postmanCompat });
    if (!r.unresolved.some((u) => u.where === 'body') && typeof r.body === 'string') values.set(name, r.body);
  }
  return values;
}

async function resolveNow() {
  clearBanner();
  const req = currentRequest();
  const postmanCompat = $('#compat').checked;
  const out = await vault.resolve(req, { postmanCompat });
  const values = await valuesFor(req, out.unresolved, postmanCompat);
  last = { template: req, out, unresolved: out.unresolved, values, echo: null };
  paintEditorPreviews(req, indexUnresolved(out.unresolved));
  renderResult();
  return last;
}

/** One field of the resolved request, built from its template: values masked or shown. */
function resolvedField(template, where, problems, values, reveal) {
  const frag = document.createDocumentFragment();
  for (const s of segments(template)) {
    if (!s.token) frag.append(s.text);
    else if (!s.vault) frag.append(el('span', { class: 'tok other', text: s.token }));
    else {
      const problem = problems.get(`${where}@${s.offset}`);
      if (problem) frag.append(tokenChip(s, problem));
      else if (reveal && values.has(s.name)) frag.append(el('span', { class: 'val revealed', title: `{{vault:${s.name}}}`, text: values.get(s.name) }));
      else frag.append(el('span', { class: 'val masked', title: `value of {{vault:${s.name}}}`, text: MASK }));
    }
  }
  return frag;
}

function renderResult() {
  if (!last) return;
  const reveal = $('#reveal').checked;
  const { template, unresolved, values } = last;
  const problems = indexUnresolved(unresolved);
  const box = $('#resolved');
  box.dataset.masked = String(!reveal);
  box.replaceChildren(
    el('div', { class: 'line' }, el('span', { class: 'method', text: template.method }), ' ', resolvedField(template.url, 'url', problems, values, reveal)),
    ...template.headers.map(([n, v], i) =>
      el(
        'div',
        { class: 'line' },
        el('span', { class: 'hname' }, resolvedField(n, `headers[${i}].name`, problems, values, reveal)),
        ': ',
        resolvedField(v, `headers[${i}].value`, problems, values, reveal),
      ),
    ),
    ...(template.body !== undefined ? [el('div', { class: 'body' }, resolvedField(template.body, 'body', problems, values, reveal))] : []),
  );

  const tbody = $('#unresolved tbody');
  tbody.replaceChildren(
    ...unresolved.map((u) =>
      el(
        'tr',
        { 'data-name': u.name, 'data-reason': u.reason },
        el('td', {}, el('code', { text: u.token })),
        el('td', { text: u.where }),
        el('td', {}, el('span', { class: `badge ${u.reason}`, text: reasonLabel(u.reason) })),
        el('td', { class: 'muted', text: u.message }),
      ),
    ),
  );
  $('#unresolved').hidden = unresolved.length === 0;
  $('#unresolved-none').hidden = unresolved.length !== 0;
  $('#unresolved-count').textContent = unresolved.length ? String(unresolved.length) : '';
  $('#result').hidden = false;
  renderEcho();
}

/** Masks every resolved value (raw or percent-encoded) in text the server sent back. */
function maskedText(text, values, reveal) {
  const frag = document.createDocumentFragment();
  const needles = new Set();
  for (const v of values.values()) {
    if (!v) continue;
    needles.add(v);
    needles.add(encodeURIComponent(v));
    needles.add(encodeURI(v));
  }
  const list = [...needles].sort((a, b) => b.length - a.length);
  let i = 0;
  let plain = '';
  outer: while (i < text.length) {
    for (const n of list) {
      if (text.startsWith(n, i)) {
        if (plain) frag.append(plain);
        plain = '';
        frag.append(el('span', { class: reveal ? 'val revealed' : 'val masked', text: reveal ? n : MASK }));
        i += n.length;
        continue outer;
      }
    }
    plain += text[i++];
  }
  if (plain) frag.append(plain);
  return frag;
}

function renderEcho() {
  const box = $('#echo-out');
  if (!last || !last.echo) {
    $('#echo').hidden = true;
    return;
  }
  $('#echo').hidden = false;
  const reveal = $('#reveal').checked;
  const { echo } = last;
  box.dataset.masked = String(!reveal);
  if (echo.error) {
    box.replaceChildren(el('div', { class: 'error', text: echo.error }));
    $('#echo-hint').textContent = '';
    return;
  }
  const r = echo.received;
  const values = last.values;
  if (!r || typeof r !== 'object' || !Array.isArray(r.headers)) {
    // Not our echo server: show the response as text.
    box.replaceChildren(el('div', { class: 'line muted', text: `HTTP ${echo.status}` }), el('div', { class: 'body' }, maskedText(echo.text, values, reveal)));
    $('#echo-hint').textContent = 'response from a server other than the demo echo';
    return;
  }
  // The headers this request set first; the ones the browser added folded away.
  const ours = new Set(last.out.headers.map(([n]) => n.toLowerCase()));
  const headerLine = ([n, v]) =>
    el('div', { class: 'line' }, el('span', { class: 'hname' }, maskedText(n, values, reveal)), ': ', maskedText(v, values, reveal));
  const mine = r.headers.filter(([n]) => ours.has(n.toLowerCase()));
  const added = r.headers.filter(([n]) => !ours.has(n.toLowerCase()));
  box.replaceChildren(
    el('div', { class: 'line' }, el('span', { class: 'method', text: r.method }), ' ', maskedText(r.url, values, reveal)),
    ...mine.map(headerLine),
    ...(added.length
      ? [el('details', { class: 'added' }, el('summary', { text: `${added.length} more header${added.length === 1 ? '' : 's'} added by the browser` }), ...added.map(headerLine))]
      : []),
    ...(r.body ? [el('div', { class: 'body' }, maskedText(r.body, values, reveal))] : []),
  );
  $('#echo-hint').textContent = `HTTP ${echo.status} from ${new URL(last.out.url, location.href).host}`;
}

async function send() {
  const { out } = await resolveNow();
  const noBody = out.method === 'GET' || out.method === 'HEAD';
  let echo;
  try {
    const res = await fetch(out.url, {
      method: out.method,
      headers: out.headers,
      body: noBody ? undefined : out.body,
      credentials: 'omit',
      cache: 'no-store',
      redirect: 'error',
    });
    const text = await res.text();
    let received = null;
    try {
      received = JSON.parse(text);
    } catch {
      /* not JSON: shown as text */
    }
    echo = { status: res.status, text, received };
  } catch (e) {
    echo = { error: `The browser refused or could not send this request: ${e.message}. (Unresolved tokens in a header name are not valid header names; other servers need CORS.)` };
  }
  last.echo = echo;
  renderEcho();
}

// ------------------------------------------------------------------ vault ---

function renderSecrets() {
  const list = $('#secrets');
  if (!vault || vault.wiped) {
    list.replaceChildren(el('li', { class: 'muted empty', text: 'The vault was wiped.' }));
    return;
  }
  const links = vault.links();
  $('#status').textContent = `vault ready · ${links.length} secret${links.length === 1 ? '' : 's'}`;
  if (!links.length) {
    list.replaceChildren(el('li', { class: 'muted empty', text: 'No secrets yet. Add one below.' }));
    return;
  }
  list.replaceChildren(
    ...links.map((l) =>
      el(
        'li',
        { class: `secret${l.enabled ? '' : ' off'}`, 'data-name': l.name },
        el(
          'div',
          { class: 'secret-main' },
          el('code', { class: 'secret-name', text: l.name }),
          el('span', { class: 'provider', text: l.source?.provider ?? '?' }),
        ),
        el(
          'div',
          { class: 'domains' },
          l.domains.length ? l.domains.map((d) => el('span', { class: 'domain', text: d })) : el('span', { class: 'domain any', text: 'any domain' }),
        ),
        el(
          'div',
          { class: 'secret-actions' },
          el(
            'label',
            { class: 'switch', title: l.enabled ? 'Disable this secret' : 'Enable this secret' },
            el('input', {
              type: 'checkbox',
              class: 'enabled-toggle',
              checked: l.enabled,
              'aria-label': `Enable ${l.name}`,
              onchange: (e) => vaultAction(() => vault.setEnabled(l.name, e.target.checked)),
            }),
            el('span', { class: 'slider', 'aria-hidden': 'true' }),
          ),
          el('button', {
            type: 'button',
            class: 'btn icon delete',
            title: `Delete ${l.name}`,
            'aria-label': `Delete ${l.name}`,
            text: '×',
            onclick: () => vaultAction(() => vault.unlink(l.name)),
          }),
        ),
      ),
    ),
  );
}

function vaultAction(fn) {
  try {
    fn();
  } catch (e) {
    showBanner(e.message, null);
  }
  renderSecrets();
  scheduleLive();
}

function addSecret(ev) {
  ev.preventDefault();
  const msg = $('#form-msg');
  msg.className = 'form-msg';
  msg.textContent = '';
  const name = $('#new-name').value.trim();
  const valueInput = $('#new-value');
  try {
    const existed = vault.links().some((l) => l.name === name);
    vault.link(name, { provider: 'local', value: valueInput.value }, { domains: $('#new-domains').value, enabled: $('#new-enabled').checked });
    valueInput.value = '';
    $('#new-name').value = '';
    $('#new-domains').value = '';
    $('#new-enabled').checked = true;
    msg.classList.add('ok');
    msg.textContent = existed ? `Replaced “${name}”.` : `Added “${name}”.`;
  } catch (e) {
    msg.classList.add('error');
    msg.textContent = e instanceof VaultError ? e.message.replace(/^vaultlink: /, '') : String(e.message);
  }
  renderSecrets();
  scheduleLive();
}

// -------------------------------------------------------------- lifecycle ---

function showBanner(text, action) {
  $('#banner-text').textContent = text;
  $('#banner-action').hidden = !action;
  $('#banner').hidden = false;
}

function clearBanner() {
  $('#banner').hidden = true;
}

function setWiped(why) {
  document.body.dataset.state = 'wiped';
  $('#status').textContent = 'vault wiped';
  $('#status').classList.add('wiped');
  last = null;
  $('#result').hidden = true;
  $('#echo').hidden = true;
  for (const b of document.querySelectorAll('#resolve, #send, #wipe, #add-form button')) b.disabled = true;
  renderSecrets();
  paintEditorPreviews(currentRequest(), null);
  showBanner(why, true);
}

async function startVault() {
  // wipeOnLeave (the default) wipes on pagehide and freeze; the page adds no
  // unload handlers, so the back/forward cache stays usable and the wipe runs.
  vault = await createVault({ cacheTtlMinutes: 60 });
  for (const s of DEMO_SECRETS) {
    vault.link(s.name, { provider: 'local', value: s.value }, { domains: s.domains, enabled: s.enabled ?? true });
  }
  document.body.dataset.state = 'ready';
  $('#status').classList.remove('wiped');
  for (const b of document.querySelectorAll('#resolve, #send, #wipe, #add-form button')) b.disabled = false;
  clearBanner();
  renderSecrets();
  scheduleLive();
}

function guard(fn) {
  return async (...a) => {
    try {
      await fn(...a);
    } catch (e) {
      if (vault?.wiped) setWiped('The vault was wiped.');
      else showBanner(e.message, null);
    }
  };
}

function init() {
  $('#reveal').checked = false; // values start masked, whatever the browser restored
  const origin = location.protocol === 'file:' ? 'http://127.0.0.1:8787' : location.origin;
  $('#url').value = `${origin}/echo/v1/charges?user={{vault:api-user}}&key={{vault:stripe-key}}`;
  addHeaderRow('Authorization', 'Bearer {{vault:echo-token}}');
  addHeaderRow('X-Legacy-Token', '{{vault:old-token}}');
  addHeaderRow('X-Team', '{{vault:team-id}}');
  addHeaderRow('Content-Type', 'application/json');
  $('#body').value = '{\n  "amount": 1000,\n  "user": "{{vault:api-user}}",\n  "signature": "{{vault:echo-token}}"\n}';

  for (const id of ['#url', '#body']) $(id).addEventListener('input', scheduleLive);
  $('#method').addEventListener('change', scheduleLive);
  $('#compat').addEventListener('change', scheduleLive);
  $('#add-header').addEventListener('click', () => addHeaderRow().querySelector('.h-name').focus());
  $('#resolve').addEventListener('click', guard(resolveNow));
  $('#send').addEventListener('click', guard(send));
  $('#reveal').addEventListener('change', () => {
    renderResult();
  });
  $('#add-form').addEventListener('submit', guard(addSecret));
  $('#wipe').addEventListener('click', () => {
    vault.wipe();
    setWiped('You wiped the vault: its memory was zero-filled and every secret is gone.');
  });
  $('#banner-action').addEventListener('click', guard(startVault));
  // Back from the back/forward cache: the vault was wiped on pagehide.
  addEventListener('pageshow', (e) => {
    if (e.persisted && vault?.wiped) setWiped('The vault was wiped when you left the page.');
  });

  paintEditorPreviews(currentRequest(), null);
  startVault().catch((e) => {
    document.body.dataset.state = 'error';
    $('#status').textContent = 'failed to load';
    showBanner(`Could not start the vault: ${e.message}`, null);
  });
}

init();
