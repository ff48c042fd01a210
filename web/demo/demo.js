// The vaultlink demo: a small API client. Every {{vault:NAME}} reference is
// resolved by the wasm core; the page only shows where each one went and why
// some did not. Values are masked in the page unless you ask to reveal them.

import { createVault, VaultError } from '../src/vault.js';
import { fetchTransport } from '../src/transports/fetch.js';
import { tunnelTransport } from '../src/transports/tunnel.js';
import { PROVIDERS, providerSpec, providerIds, sourceFromForm, credentialsFromForm, valuesFromObject, describeSource, providerOf } from './providers.js';
import { el as elFrom, buildFields, readFields, clearSecretFields, timeLeft, errorText } from './forms.js';
import { exportLinks, parseImport, curlFromTemplate } from './links-io.js';

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
  credentials_rejected: 'credentials rejected',
  key_not_found: 'key not found in the secret',
  permission_denied: 'permission denied',
  not_found: 'not found at provider',
  unreachable: 'provider unreachable',
  pending: 'fetched on Send',
  disabled_at_provider: 'disabled at provider',
  throttled: 'throttled by provider',
  malformed_response: 'malformed response',
  misconfigured: 'link misconfigured',
};
const reasonLabel = (r) => REASONS[r] ?? String(r).replaceAll('_', ' ');

let vault = null;
let liveSeq = 0;
let services = null; // /demo-services.json: the local emulators and their demo credentials

// Resolves run one at a time. A preview resolve (the live colouring) must not
// fetch anything: while it runs, the transport answers every provider job with
// a network failure, and the references it would have fetched show "fetched on Send".
let queue = Promise.resolve();
let previewing = false;
let suppressed = 0;
const realTransport = fetchTransport();
// The tunnel (default when the demo server runs a relay): TLS inside wasm, the
// relay sees only TLS records. The switch in the top bar picks per page.
let mode = 'direct';
let tunnel = null;
const current = () => (mode === 'tunnel' && tunnel ? tunnel : realTransport);
/** The connect details an emulator publishes for the current transport. */
const connectInfo = (info) => (mode === 'tunnel' && info?.tunnel ? info.tunnel.connect : info?.connect);
const demoTransport = {
  name: 'demo',
  perform(job) {
    if (previewing) {
      suppressed++;
      return Promise.resolve({ status: 0, headers: [['x-vaultlink-error', 'preview']], body: new Uint8Array(0) });
    }
    return current().perform(job);
  },
};

function serialResolve(req, opts, { preview = false } = {}) {
  const run = async () => {
    previewing = preview;
    suppressed = 0;
    try {
      const r = await vault.resolve(req, opts);
      if (preview && suppressed) for (const u of r.unresolved) if (u.reason === 'unreachable') u.reason = 'pending';
      return r;
    } finally {
      previewing = false;
    }
  };
  const p = queue.then(run, run);
  queue = p.catch(() => {});
  return p;
}
let last = null; // the last Resolve/Send: {template, out, unresolved, values, echo}

// ---------------------------------------------------------------- helpers ---

const el = elFrom;

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
  if (problem?.reason === 'pending') {
    return el('span', { class: 'tok pending', title: `vault secret "${seg.name}" is fetched from its provider when you send`, 'data-reason': 'pending' }, seg.token);
  }
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
    const { unresolved } = await serialResolve(req, { postmanCompat: $('#compat').checked }, { preview: true });
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
    const r = await serialResolve({ method: req.method, url: req.url, body: `{{vault:${name}}}` }, { postmanCompat });
    if (!r.unresolved.some((u) => u.where === 'body') && typeof r.body === 'string') values.set(name, r.body);
  }
  return values;
}

async function resolveNow() {
  clearBanner();
  const req = currentRequest();
  const postmanCompat = $('#compat').checked;
  const out = await serialResolve(req, { postmanCompat });
  const values = await valuesFor(req, out.unresolved, postmanCompat);
  last = { template: req, out, unresolved: out.unresolved, values, echo: null };
  tick(); // what was just cached, and any credentials that turned out expired
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
    list.replaceChildren(el('li', { class: 'muted empty', text: 'No secrets yet. Link one below.' }));
    return;
  }
  list.replaceChildren(
    ...links.map((l) =>
      el(
        'li',
        { class: `secret${l.enabled ? '' : ' off'}`, 'data-name': l.name, 'data-provider': providerOf(l.source) },
        el(
          'div',
          { class: 'secret-main' },
          el('code', { class: 'secret-name', text: l.name }),
          el('span', { class: 'provider', text: providerOf(l.source) }),
        ),
        el('div', { class: 'source mono', title: 'linked source', text: describeSource(l.source) }),
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

function setMsg(node, kind, text) {
  node.className = `form-msg${kind ? ' ' + kind : ''}`;
  node.textContent = text;
}

// ------------------------------------------------------------ link form ---

function knownProviders() {
  return providerIds(vault && !vault.wiped ? vault.status().providers : []);
}

function renderProviderSelect() {
  const select = $('#new-provider');
  const keep = select.value || 'local';
  const ids = knownProviders();
  select.replaceChildren(...ids.map((id) => el('option', { value: id, text: providerSpec(id).label })));
  select.value = ids.includes(keep) ? keep : 'local';
  renderLinkFields();
}

function renderLinkFields() {
  const id = $('#new-provider').value;
  $('#link-fields').replaceChildren(...buildFields(providerSpec(id).link, 'new-'));
  $('#link-fields').dataset.provider = id;
}

function addSecret(ev) {
  ev.preventDefault();
  const msg = $('#form-msg');
  setMsg(msg, '', '');
  const name = $('#new-name').value.trim();
  const provider = $('#new-provider').value;
  try {
    if (!name) throw new Error('Name is required');
    const source = sourceFromForm(provider, readFields($('#link-fields')));
    const existed = vault.links().some((l) => l.name === name);
    vault.link(name, source, { domains: $('#new-domains').value, enabled: $('#new-enabled').checked });
    renderLinkFields(); // clears the fields, the value with them
    $('#new-name').value = '';
    $('#new-domains').value = '';
    $('#new-enabled').checked = true;
    setMsg(msg, 'ok', existed ? `Replaced “${name}”. Reset the cache if its old value was cached.` : `Linked “${name}”.`);
  } catch (e) {
    setMsg(msg, 'error', errorText(e));
    const pw = $('#link-fields input[type=password]');
    if (pw) pw.value = '';
  }
  renderSecrets();
  scheduleLive();
}

// ------------------------------------------------------------- providers ---

let providerKey = ''; // which provider cards are shown, to rebuild only when it changes
const providerState = new Map(); // provider → 'connected' | 'disconnected' | 'reauth'

function stateOf(p) {
  return p.connected ? 'connected' : p.reauthRequired ? 'reauth' : p.credentialsRejected ? 'rejected' : 'disconnected';
}

function renderProviders(status) {
  const box = $('#providers');
  const key = status.providers.map((p) => p.provider).join(',');
  if (key !== providerKey) {
    providerKey = key;
    box.replaceChildren(...status.providers.map((p) => providerCard(p.provider)));
    renderProviderSelect();
  }
  for (const p of status.providers) {
    const card = box.querySelector(`.provider-card[data-provider="${CSS.escape(p.provider)}"]`);
    if (!card) continue;
    const state = stateOf(p);
    card.dataset.state = state;
    const pill = card.querySelector('.state');
    pill.className = `state ${state}`;
    pill.textContent =
      state === 'connected' ? 'connected' : state === 'reauth' ? 'reauthentication required' : state === 'rejected' ? 'credentials rejected' : 'not connected';
    card.querySelector('.expiry').textContent =
      p.connected && p.expiresAt ? `expires in ${timeLeft(p.expiresAt - Date.now())}` : p.connected ? 'no expiry' : '';
    card.querySelector('.connect').textContent = state === 'disconnected' ? 'Connect' : 'Re-authenticate';
    card.querySelector('.disconnect').disabled = state === 'disconnected';
    if (providerState.has(p.provider) && providerState.get(p.provider) !== state) {
      if (state === 'reauth') setMsg(card.querySelector('.form-msg'), '', '');
      scheduleLive();
    }
    providerState.set(p.provider, state);
  }
}

function providerCard(id) {
  const spec = providerSpec(id);
  const info = services?.[id];
  const fields = el('div', { class: 'fields' }, ...buildFields(spec.connect, `connect-${id}-`, valuesFromObject(spec.connect, connectInfo(info))));
  const msg = el('span', { class: 'form-msg', role: 'alert' });
  const form = el(
    'form',
    {
      class: 'provider-card',
      'data-provider': id,
      autocomplete: 'off',
      novalidate: true,
      onsubmit: async (ev) => {
        ev.preventDefault();
        try {
          const creds = credentialsFromForm(id, readFields(fields));
          setMsg(msg, '', 'Checking the credentials with the provider…');
          // connect() asks the provider who these credentials are (issue #13):
          // a rejection shows here, before anything is sent.
          const r = await vault.connect(id, creds);
          setMsg(
            msg,
            'ok',
            r.verified
              ? `Connected — verified as ${r.identity ?? 'a valid credential'}.`
              : 'Connected — not verified (this provider has no cheap check; a wrong credential shows on Send).',
          );
          // Typed credentials leave the page; the demo's fake ones are put back.
          clearSecretFields(fields);
          for (const [k, v] of Object.entries(valuesFromObject(spec.connect, connectInfo(info)))) {
            const input = fields.querySelector(`[data-key="${CSS.escape(k)}"]`);
            if (input && !input.value) input.value = v;
          }
        } catch (e) {
          setMsg(msg, 'error', errorText(e));
        }
        tick();
        scheduleLive();
      },
    },
    el(
      'div',
      { class: 'provider-head' },
      el('strong', { text: spec.label }),
      el('span', { class: 'state disconnected', text: 'not connected' }),
      el('span', { class: 'expiry muted small' }),
    ),
    info?.url
      ? el('div', {
          class: 'muted small',
          text: `demo emulator at ${mode === 'tunnel' && info.tunnel ? `${info.tunnel.url} (through the relay)` : info.url}${Object.keys(info.connect ?? {}).length ? ' (fake credentials pre-filled)' : ''}`,
        })
      : null,
    info?.note && mode !== 'tunnel' ? el('div', { class: 'small note', text: info.note }) : null,
    el('details', { class: 'connect-fields', open: !info }, el('summary', { text: 'Credentials' }), fields),
    el(
      'div',
      { class: 'form-foot' },
      el('button', { type: 'submit', class: 'btn small primary connect', text: 'Connect' }),
      el('button', {
        type: 'button',
        class: 'btn small disconnect',
        text: 'Disconnect',
        onclick: () => {
          try {
            vault.disconnect(id);
            setMsg(msg, 'ok', 'Disconnected: its credentials and cached values are wiped.');
          } catch (e) {
            setMsg(msg, 'error', errorText(e));
          }
          tick();
          scheduleLive();
        },
      }),
      msg,
    ),
  );
  return form;
}

// ----------------------------------------------------------------- cache ---

function renderCache(status) {
  const ttl = $('#cache-ttl');
  if (document.activeElement !== ttl && ttl.dataset.shown !== String(status.cacheTtlMinutes)) {
    ttl.value = String(status.cacheTtlMinutes);
    ttl.dataset.shown = String(status.cacheTtlMinutes);
  }
  const list = $('#cache');
  if (!status.cache.length) {
    list.replaceChildren(el('li', { class: 'muted empty', text: 'Nothing cached.' }));
    return;
  }
  list.replaceChildren(
    ...status.cache.map((c) =>
      el(
        'li',
        { 'data-name': c.name, title: c.key },
        el('code', { text: c.name }),
        el('span', { class: 'muted small key', text: c.key.replace(/^[^|]*\|/, '') }),
        el('span', { class: 'left', text: timeLeft(c.expiresAt - Date.now()) }),
      ),
    ),
  );
}

function setTtl(ev) {
  ev.preventDefault();
  const msg = $('#cache-msg');
  try {
    const n = Number($('#cache-ttl').value);
    vault.setCacheTtl(Number.isInteger(n) ? n : NaN);
    $('#cache-ttl').dataset.shown = '';
    setMsg(msg, 'ok', `Values cached from now on expire after ${n} minute${n === 1 ? '' : 's'}.`);
  } catch (e) {
    setMsg(msg, 'error', errorText(e));
  }
  tick();
}

function resetCache() {
  vault.resetCache();
  setMsg($('#cache-msg'), 'ok', 'Cache reset: every cached value was wiped.');
  tick();
  scheduleLive();
}

// The status poll: provider states, expiries and cached entries' time left.
let pollTimer = 0;
function tick() {
  if (!vault || vault.wiped) return;
  vault.sweep();
  const status = vault.status();
  renderProviders(status);
  renderCache(status);
}

// -------------------------------------------------------- import / export ---

function exportNow() {
  const doc = exportLinks(vault.links());
  $('#io-text').value = JSON.stringify(doc, null, 2);
  const skipped = vault.links().length - doc.links.length;
  setMsg($('#io-msg'), 'ok', `Exported ${doc.links.length} link definition${doc.links.length === 1 ? '' : 's'}${skipped ? ` (${skipped} local secret${skipped === 1 ? '' : 's'} left out: their values are not exported)` : ''}.`);
  const a = $('#export-download');
  if (a.href) URL.revokeObjectURL(a.href);
  a.href = URL.createObjectURL(new Blob([$('#io-text').value], { type: 'application/json' }));
  a.hidden = false;
}

function importText(text) {
  const msg = $('#io-msg');
  try {
    const { kind, links, skipped } = parseImport(text);
    const failed = [];
    let ok = 0;
    for (const l of links) {
      try {
        vault.link(l.name, l.source, { domains: l.domains, enabled: l.enabled });
        ok++;
      } catch (e) {
        failed.push(`${l.name}: ${errorText(e)}`);
      }
    }
    const notes = [...skipped.map((s) => `${s.name}: ${s.why}`), ...failed];
    setMsg(msg, failed.length ? 'error' : 'ok', `${kind}: linked ${ok}${notes.length ? `; not linked: ${notes.join('; ')}` : ''}.`);
  } catch (e) {
    setMsg(msg, 'error', `Import failed: ${errorText(e)}`);
  }
  renderSecrets();
  scheduleLive();
}

// ------------------------------------------------------------------ cURL ---

async function copyCurl() {
  const text = curlFromTemplate(currentRequest());
  const pre = $('#curl');
  pre.textContent = text;
  pre.hidden = false;
  try {
    await navigator.clipboard.writeText(text);
    $('#curl-hint').textContent = 'Copied, vault values masked.';
  } catch {
    $('#curl-hint').textContent = 'Vault values masked (the clipboard is not available here: copy from the box).';
  }
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
  for (const b of document.querySelectorAll(CONTROLS)) b.disabled = true;
  clearInterval(pollTimer);
  providerKey = '';
  providerState.clear();
  $('#providers').replaceChildren();
  $('#cache').replaceChildren();
  renderSecrets();
  paintEditorPreviews(currentRequest(), null);
  showBanner(why, true);
}

const CONTROLS = '#resolve, #send, #wipe, #add-form button, #ttl-form button, #reset-cache, #export, #import';

/** The local emulators `scripts/demo` started (none when the page is served elsewhere). */
async function loadServices() {
  if (services) return services;
  try {
    const res = await fetch('/demo-services.json', { cache: 'no-store' });
    services = res.ok ? await res.json() : {};
  } catch {
    services = {};
  }
  return services;
}

/** Switches the transport: providers connected for the other one are disconnected (their endpoints differ). */
function setMode(next) {
  mode = next === 'tunnel' && tunnel ? 'tunnel' : 'direct';
  $('#transport').value = mode;
  document.body.dataset.transport = mode;
  if (vault && !vault.wiped) {
    for (const p of vault.status().providers) if (p.connected && p.provider !== 'sealed') vault.disconnect(p.provider);
  }
  providerKey = ''; // the cards are built again with this transport's endpoints
  tick();
  scheduleLive();
}

async function startVault() {
  // wipeOnLeave (the default) wipes on pagehide and freeze; the page adds no
  // unload handlers, so the back/forward cache stays usable and the wipe runs.
  const [v] = await Promise.all([createVault({ cacheTtlMinutes: 60, transport: demoTransport }), loadServices()]);
  vault = v;
  const t = services._tunnel;
  if (t && !tunnel) {
    tunnel = tunnelTransport({ relay: t.relay, protocol: t.protocol ?? 'wisp', trustAnchors: t.ca });
    mode = 'tunnel';
  }
  $('#transport').value = mode;
  $('#transport').disabled = !tunnel;
  document.body.dataset.transport = mode;
  queue = Promise.resolve();
  for (const s of DEMO_SECRETS) {
    vault.link(s.name, { provider: 'local', value: s.value }, { domains: s.domains, enabled: s.enabled ?? true });
  }
  // The emulators' example links: Connect their provider, then Send.
  for (const [key, svc] of Object.entries(services)) {
    if (key.startsWith('_')) continue;
    for (const l of svc.links ?? []) {
      try {
        vault.link(l.name, l.source, { domains: l.domains, enabled: l.enabled ?? true });
      } catch (e) {
        console.warn(`demo link ${l.name}: ${errorText(e)}`);
      }
    }
  }
  document.body.dataset.state = 'ready';
  $('#status').classList.remove('wiped');
  for (const b of document.querySelectorAll(CONTROLS)) b.disabled = false;
  clearBanner();
  renderSecrets();
  tick();
  renderProviderSelect();
  clearInterval(pollTimer);
  pollTimer = setInterval(tick, 1000);
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
  addHeaderRow('X-Payments-Key', '{{vault:aws-stripe}}');
  addHeaderRow('Content-Type', 'application/json');
  $('#body').value =
    '{\n  "amount": 1000,\n  "user": "{{vault:api-user}}",\n  "signature": "{{vault:echo-token}}",\n  "db_password": "{{vault:aws-db-password}}",\n  "vault_api_key": "{{vault:vault-api-key}}"\n}';

  for (const id of ['#url', '#body']) $(id).addEventListener('input', scheduleLive);
  $('#method').addEventListener('change', scheduleLive);
  $('#compat').addEventListener('change', scheduleLive);
  $('#transport').addEventListener('change', (e) => setMode(e.target.value));
  $('#add-header').addEventListener('click', () => addHeaderRow().querySelector('.h-name').focus());
  $('#resolve').addEventListener('click', guard(resolveNow));
  $('#send').addEventListener('click', guard(send));
  $('#reveal').addEventListener('change', () => {
    renderResult();
  });
  $('#add-form').addEventListener('submit', guard(addSecret));
  $('#new-provider').addEventListener('change', renderLinkFields);
  $('#ttl-form').addEventListener('submit', guard(setTtl));
  $('#reset-cache').addEventListener('click', guard(resetCache));
  $('#export').addEventListener('click', guard(exportNow));
  $('#import').addEventListener('click', guard(() => importText($('#io-text').value)));
  $('#import-file').addEventListener(
    'change',
    guard(async (e) => {
      const file = e.target.files?.[0];
      if (file) importText(await file.text());
      e.target.value = '';
    }),
  );
  $('#copy-curl').addEventListener('click', guard(copyCurl));
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
