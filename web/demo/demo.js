// The vaultlink demo: a small API client. Every {{vault:NAME}} reference is
// resolved by the wasm core; the page only shows where each one went and why
// some did not. Values are masked in the page unless you ask to reveal them.

import { createVault, VaultError } from '../src/vault.js';
import { fetchTransport } from '../src/transports/fetch.js';
import { tunnelTransport } from '../src/transports/tunnel.js';
import { PROVIDERS, providerSpec, providerIds, sourceFromForm, credentialsFromForm, valuesFromObject, describeSource, providerOf } from './providers.js';
import { el as elFrom, buildFields, readFields, clearSecretFields, timeLeft, errorText } from './forms.js';
import { exportLinks, parseImport, curlFromTemplate, curlFromResolved, applyVariables } from './links-io.js';
import { loadSetup, saveSetup, forgetSetup, keptConnectField } from './setup-store.js';

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
  tunnel: false, // set by startVault(): true when the demo server runs a relay
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
let lastResponse = null; // the last Send's answer: {status, statusText, headers, size, ms, resolveMs, text, json, error, values}
let sending = false;
let sendPhase = '';
let sendTimer = 0;
// What survives a reload (setup-store.js): link definitions, provider endpoints,
// Postman environments and requests. `envLinks`: the names the active environment linked.
let setup = loadSetup();
const envLinks = new Set();

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

/** What to tell the user about an unresolved token: the core's detail names the cause (and, for a domain, the fix). */
const problemText = (u) => u.detail || u.message;

function tokenChip(seg, problem, checked = true) {
  if (!seg.vault) return el('span', { class: 'tok other', title: 'not a vault reference (left as is)', text: seg.token });
  if (!checked) return el('span', { class: 'tok idle', title: `vault secret "${seg.name}": not checked (no vault)`, text: seg.token });
  if (problem?.reason === 'pending') {
    return el('span', { class: 'tok pending', title: `vault secret "${seg.name}" is fetched from its provider when you send`, 'data-reason': 'pending' }, seg.token);
  }
  if (!problem) return el('span', { class: 'tok ok', title: `vault secret "${seg.name}" resolves here`, text: seg.token });
  return el(
    'span',
    { class: 'tok bad', title: problemText(problem), 'data-reason': problem.reason },
    seg.token,
    el('span', { class: 'reason', text: reasonLabel(problem.reason) }),
  );
}

/** Fills `box` with the template, each reference coloured by its outcome. */
function paintPreview(box, str, where, problems) {
  box.replaceChildren();
  const segs = segments(str);
  box.hidden = !segs.some((s) => s.token);
  // No report (no vault, or wiped): neutral chips, never a stale "resolves here".
  for (const s of segs) box.append(s.token ? tokenChip(s, problems?.get(`${where}@${s.offset}`), !!problems) : s.text);
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
  return withVariables(req);
}

/** The Postman variables in effect: the collections', overridden by the active environment's. */
function activeVariables() {
  const vars = new Map();
  for (const v of setup.collectionVars) vars.set(v.name, v.value);
  const env = setup.environments.find((e) => e.name === setup.activeEnv);
  for (const v of env?.vars ?? []) vars.set(v.name, v.value);
  return vars;
}

/** Substitutes plain {{variables}} (never {{vault:…}}) as Postman does before sending. */
function withVariables(req) {
  const vars = activeVariables();
  if (!vars.size) return req;
  const out = { ...req, url: applyVariables(req.url, vars), headers: req.headers.map(([n, v]) => [applyVariables(n, vars), applyVariables(v, vars)]) };
  if (req.body !== undefined) out.body = applyVariables(req.body, vars);
  return out;
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
    lastPreview = { key: JSON.stringify(req), unresolved };
    refreshCurl(req, unresolved);
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

/**
 * Send's in-flight state: the button is disabled and shows progress; the
 * editor stays live (a slow provider is awaited, never waited for).
 */
function setSending(on, t0 = 0) {
  sending = on;
  document.body.dataset.sending = String(on);
  const btn = $('#send');
  btn.disabled = on || !vault || vault.wiped;
  btn.querySelector('.send-label').textContent = on ? 'Sending…' : 'Send';
  btn.setAttribute('aria-busy', String(on));
  const prog = $('#resp-progress');
  clearInterval(sendTimer);
  prog.hidden = !on;
  if (!on) return;
  const show = () => {
    prog.textContent = `${sendPhase} ${((performance.now() - t0) / 1000).toFixed(1)} s`;
  };
  sendPhase = 'Resolving references (fetching from providers)…';
  show();
  sendTimer = setInterval(show, 100);
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
        el('td', { class: 'muted why', title: u.message, text: problemText(u) }),
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
    needles.add(JSON.stringify(v).slice(1, -1)); // as a pretty-printed JSON body shows it
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
  if (!r || typeof r !== 'object' || !Array.isArray(r.headers) || typeof r.method !== 'string') {
    // Not the demo's echo server: the response panel above shows its answer.
    $('#echo').hidden = true;
    box.replaceChildren();
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

const REASON_PHRASES = { 200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content', 301: 'Moved Permanently', 302: 'Found', 304: 'Not Modified',
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict', 413: 'Content Too Large',
  415: 'Unsupported Media Type', 429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' };

async function send() {
  if (sending || !vault || vault.wiped) return;
  const t0 = performance.now();
  setSending(true, t0);
  let response;
  let echo;
  try {
    const { out, values } = await resolveNow();
    const resolveMs = performance.now() - t0;
    const noBody = out.method === 'GET' || out.method === 'HEAD';
    let host = out.url;
    try {
      host = new URL(out.url, location.href).host;
    } catch {
      /* shown as typed */
    }
    sendPhase = `Waiting for ${host}…`;
    const f0 = performance.now();
    try {
      const res = await fetch(out.url, {
        method: out.method,
        headers: out.headers,
        body: noBody ? undefined : out.body,
        credentials: 'omit',
        cache: 'no-store',
        redirect: 'error',
      });
      const bytes = new Uint8Array(await res.arrayBuffer());
      const text = new TextDecoder().decode(bytes);
      let json;
      try {
        json = JSON.parse(text);
      } catch {
        /* not JSON: shown as text */
      }
      response = {
        status: res.status,
        statusText: res.statusText || REASON_PHRASES[res.status] || '',
        headers: [...res.headers],
        size: bytes.length,
        ms: performance.now() - f0,
        resolveMs,
        text,
        json,
        values,
        host,
      };
      echo = { status: res.status, text, received: json ?? null };
    } catch (e) {
      const error = `The browser refused or could not send this request: ${e.message}. (Unresolved tokens in a header name are not valid header names; other servers need CORS.)`;
      response = { error, ms: performance.now() - f0, resolveMs, values, host };
      echo = { error };
    }
  } finally {
    setSending(false);
  }
  if (!vault || vault.wiped) return; // wiped while in flight: show nothing of it
  last.echo = echo;
  lastResponse = response;
  renderResponse();
  renderEcho();
}

const sizeText = (n) => (n < 1024 ? `${n} B` : n < 1 << 20 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / (1 << 20)).toFixed(1)} MiB`);
const msText = (ms) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`);

/** JSON indented by two, with short arrays of scalars (a header pair) kept on one line. */
function prettyJson(v) {
  return JSON.stringify(v, null, 2).replace(/\[\n\s*((?:"(?:[^"\\]|\\.)*"|-?[\d.eE+-]+|true|false|null)(?:,\n\s*(?:"(?:[^"\\]|\\.)*"|-?[\d.eE+-]+|true|false|null)){0,3})\n\s*\]/g, (m, inner) =>
    m.length > 120 ? m : `[${inner.split(/,\n\s*/).join(', ')}]`,
  );
}

/** The response panel: status, time, size, headers and body of whatever server answered, values masked. */
function renderResponse() {
  const r = lastResponse;
  $('#response-empty').hidden = !!r;
  $('#response').hidden = !r;
  $('#resp-meta').hidden = !r;
  if (!r) {
    $('#resp-body').replaceChildren();
    $('#resp-headers tbody').replaceChildren();
    return;
  }
  const reveal = $('#reveal').checked;
  const chip = $('#resp-status');
  $('#resp-time').textContent = msText(r.ms);
  $('#resp-time').title = `${msText(r.ms)} from the request leaving to the last byte; resolving the references took ${msText(r.resolveMs)} before that`;
  const err = $('#resp-error');
  if (r.error) {
    chip.textContent = 'no response';
    chip.className = 'status-chip failed';
    $('#resp-size').textContent = '';
    err.textContent = r.error;
    err.hidden = false;
    $('#resp-headers-box').hidden = true;
    $('#resp-body').replaceChildren();
    $('#resp-body').hidden = true;
    return;
  }
  err.hidden = true;
  chip.textContent = `${r.status} ${r.statusText}`.trim();
  chip.className = `status-chip ${r.status < 300 ? 'ok' : r.status < 400 ? 'redirect' : r.status < 500 ? 'client' : 'server'}`;
  chip.dataset.status = String(r.status);
  $('#resp-size').textContent = sizeText(r.size);
  $('#resp-size').dataset.bytes = String(r.size);
  $('#resp-headers-box').hidden = false;
  $('#resp-headers-count').textContent = `(${r.headers.length})`;
  $('#resp-headers tbody').replaceChildren(
    ...r.headers.map(([n, v]) => el('tr', { 'data-name': n }, el('td', { text: n }), el('td', {}, maskedText(v, r.values, reveal)))),
  );
  const body = $('#resp-body');
  body.hidden = false;
  body.dataset.masked = String(!reveal);
  body.dataset.kind = r.json !== undefined ? 'json' : 'text';
  const shown = r.json !== undefined ? prettyJson(r.json) : r.text;
  body.replaceChildren(shown === '' ? el('span', { class: 'muted', text: '(empty body)' }) : maskedText(shown, r.values, reveal));
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
  persistLinks(links);
  if (!$('#export-download').hidden) refreshExport();
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
          envLinks.has(l.name) ? el('span', { class: 'origin-tag', text: `env: ${setup.activeEnv}` }) : null,
        ),
        el('div', { class: 'source mono', title: 'linked source', text: describeSource(l.source) }),
        el(
          'div',
          { class: 'domains' },
          l.domains.length
            ? l.domains.map((d) => el('span', { class: 'domain', text: d }))
            : el('span', { class: 'domain any any-flag', title: 'No domain limit: this value may be sent to any host (Postman links carry none). Relink it with allowed domains to restrict it.', text: 'any domain' }),
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

// The link form's own fields: a provider field with the same key (GCP's
// "name") gets an id of its own instead of a second #new-name.
const LINK_FORM_IDS = new Set(['new-name', 'new-provider', 'new-domains', 'new-enabled']);

function renderLinkFields() {
  const id = $('#new-provider').value;
  const spec = providerSpec(id);
  const fields = buildFields(spec.link, 'new-');
  for (const input of fields.map((f) => f.querySelector('[data-key]'))) {
    if (LINK_FORM_IDS.has(input.id)) input.id = `new-${id}-${input.dataset.key}`;
  }
  $('#link-fields').replaceChildren(...(spec.about ? [el('p', { class: 'provider-about', text: spec.about })] : []), ...fields);
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
    // Rejected credentials were wiped: the provider is not connected, so Connect (with other ones).
    const unconnected = state === 'disconnected' || state === 'rejected';
    card.querySelector('.connect').textContent = unconnected ? 'Connect' : 'Re-authenticate';
    card.querySelector('.disconnect').disabled = unconnected;
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
  const saved = setup.providers[mode]?.[id] ?? {};
  const fields = el('div', { class: 'fields' }, ...buildFields(spec.connect, `connect-${id}-`, { ...valuesFromObject(spec.connect, connectInfo(info)), ...saved }));
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
          rememberProviderSettings(id, spec, fields);
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
    spec.about ? el('p', { class: 'provider-about', text: spec.about }) : null,
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

let exported = ''; // the text of the last export, to refresh it (and only it) when the links change
let exportedMsg = '';

function exportNow() {
  refreshExport(true);
}

/** The export, its message and its Download recomputed from the links as they are now. */
function refreshExport(clicked = false) {
  const links = vault.links();
  const doc = exportLinks(links);
  const text = JSON.stringify(doc, null, 2);
  const box = $('#io-text');
  if (clicked || box.value === exported) box.value = text;
  exported = text;
  const skipped = links.length - doc.links.length;
  // The message follows the export only while it is the one shown (an import's result is kept).
  const msg = $('#io-msg');
  if (clicked || msg.textContent === exportedMsg) {
    exportedMsg = `Exported ${doc.links.length} link definition${doc.links.length === 1 ? '' : 's'}${skipped ? ` (${skipped} local secret${skipped === 1 ? '' : 's'} left out: their values are not exported)` : ''}.`;
    setMsg(msg, 'ok', exportedMsg);
  }
  const a = $('#export-download');
  if (a.href) URL.revokeObjectURL(a.href);
  a.href = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  a.dataset.links = String(doc.links.length);
  a.hidden = false;
}

function clearExport() {
  const a = $('#export-download');
  if (a.href) URL.revokeObjectURL(a.href);
  a.removeAttribute('href');
  delete a.dataset.links;
  a.hidden = true;
  if ($('#io-text').value === exported) $('#io-text').value = '';
  exported = '';
  exportedMsg = '';
}

function linkAll(links, failed) {
  let ok = 0;
  for (const l of links) {
    try {
      vault.link(l.name, l.source, { domains: l.domains, enabled: l.enabled });
      ok++;
    } catch (e) {
      failed?.push(`${l.name}: ${errorText(e)}`);
    }
  }
  return ok;
}

function importText(text) {
  const msg = $('#io-msg');
  try {
    const parsed = parseImport(text);
    const { kind, links, skipped } = parsed;
    const failed = [];
    let ok;
    const extra = [];
    if (kind === 'Postman environment') {
      // An environment joins the switcher and becomes the active one, as after picking it in Postman.
      const env = { name: parsed.name, vars: parsed.vars, links };
      setup.environments = [...setup.environments.filter((e) => e.name !== env.name), env];
      ok = switchEnvironment(env.name, failed);
      extra.push(`Environment “${env.name}” is active.`);
    } else {
      ok = linkAll(links, failed);
      if (kind === 'Postman collection') {
        const names = new Set(parsed.vars.map((v) => v.name));
        setup.collectionVars = [...setup.collectionVars.filter((v) => !names.has(v.name)), ...parsed.vars];
        if (parsed.requests.length) {
          const prefix = parsed.name ? `${parsed.name} / ` : '';
          const added = parsed.requests.map((r) => ({ ...r, name: prefix + r.name }));
          const addedNames = new Set(added.map((r) => r.name));
          setup.requests = [...setup.requests.filter((r) => !addedNames.has(r.name)), ...added];
          extra.push(`${added.length} request${added.length === 1 ? '' : 's'} added to the list.`);
        }
      }
      saveSetup(setup);
    }
    const notes = [...skipped.map((s) => `${s.name}: ${s.why}`), ...failed];
    setMsg(msg, failed.length ? 'error' : 'ok', `${kind}: linked ${ok}${notes.length ? `; not linked: ${notes.join('; ')}` : ''}.${extra.length ? ` ${extra.join(' ')}` : ''}`);
  } catch (e) {
    setMsg(msg, 'error', `Import failed: ${errorText(e)}`);
  }
  renderRequests();
  renderEnvironments();
  renderSecrets();
  scheduleLive();
}

// ------------------------------------------------- environments, requests ---

/**
 * Makes `name` the active environment ('' for none): the previous one's links
 * are unlinked (a collection link of the same name comes back), the new one's
 * linked, and its variables apply to the request. Returns how many linked.
 */
function switchEnvironment(name, failed) {
  for (const n of envLinks) {
    try {
      vault.unlink(n);
    } catch {
      /* already gone */
    }
  }
  const back = (setup.links ?? []).filter((l) => envLinks.has(l.name) && !l.env);
  envLinks.clear();
  linkAll(back);
  setup.activeEnv = setup.environments.some((e) => e.name === name) ? name : '';
  const env = setup.environments.find((e) => e.name === setup.activeEnv);
  const ok = linkAll(env?.links ?? [], failed);
  for (const l of env?.links ?? []) if (vault.links().some((x) => x.name === l.name)) envLinks.add(l.name);
  saveSetup(setup);
  renderEnvironments();
  return ok;
}

function renderEnvironments() {
  const select = $('#environment');
  select.replaceChildren(el('option', { value: '', text: 'No environment' }), ...setup.environments.map((e) => el('option', { value: e.name, text: e.name })));
  select.value = setup.activeEnv;
}

function renderRequests() {
  const list = $('#requests');
  $('#requests-empty').hidden = setup.requests.length > 0;
  $('#requests-count').textContent = setup.requests.length ? `(${setup.requests.length})` : '';
  list.replaceChildren(
    ...setup.requests.map((r, i) =>
      el(
        'li',
        {},
        el(
          'button',
          { type: 'button', class: 'request-item', 'data-name': r.name, title: r.url, onclick: () => openRequest(i) },
          el('span', { class: 'm', text: r.method }),
          el('span', { text: r.name }),
          r.scrubbed ? el('span', { class: 'origin-tag', title: 'Fields that looked like literal credentials were not kept across the reload', text: 'scrubbed' }) : null,
        ),
      ),
    ),
  );
}

/** Loads a request from the list into the editor. */
function openRequest(i) {
  const r = setup.requests[i];
  if (!r) return;
  const method = $('#method');
  if (![...method.options].some((o) => o.value === r.method)) method.append(el('option', { text: r.method }));
  method.value = r.method;
  $('#url').value = r.url;
  $('#headers').replaceChildren();
  for (const [n, v] of r.headers) addHeaderRow(n, v);
  $('#body').value = r.body ?? '';
  $('#request-name').textContent = `· ${r.name}`;
  for (const b of document.querySelectorAll('#requests .request-item')) b.setAttribute('aria-current', String(b.dataset.name === r.name));
  scheduleLive();
}

// --------------------------------------------------------- saved setup ---

/** Saves the link definitions (never a local value; setup-store refuses those too). */
function persistLinks(links) {
  const envByName = new Map((setup.environments.find((e) => e.name === setup.activeEnv)?.links ?? []).map((l) => [l.name, l]));
  const base = [];
  for (const l of links) {
    if (l.source && typeof l.source === 'object' && l.source.provider === 'local') continue;
    const def = { name: l.name, source: l.source, domains: l.domains, enabled: l.enabled };
    if (envLinks.has(l.name) && envByName.has(l.name)) Object.assign(envByName.get(l.name), def);
    else base.push(def);
  }
  // A collection link hidden by the active environment's link of the same name is kept.
  for (const l of setup.links ?? []) if (envLinks.has(l.name) && !base.some((b) => b.name === l.name)) base.push(l);
  setup.links = base;
  saveSetup(setup);
}

/** The connect fields that are not credentials (endpoints, tenant), per transport. */
function rememberProviderSettings(id, spec, fields) {
  const values = readFields(fields);
  const kept = {};
  for (const f of spec.connect) if (keptConnectField(f) && values[f.key]?.trim()) kept[f.key] = values[f.key].trim();
  setup.providers = { ...setup.providers, [mode]: { ...setup.providers[mode], [id]: kept } };
  saveSetup(setup);
}

function forgetSaved() {
  forgetSetup();
  const msg = $('#setup-msg');
  setMsg(msg, 'ok', 'Forgotten: nothing of this setup is kept after a reload (until you change a link again).');
}

// ------------------------------------------------------------------ cURL ---

let curlShown = false; // the box is kept up to date once shown
let lastPreview = null; // the live preview's report: {key (the request as JSON), unresolved}

/** The masked command for `req`: a reference that resolves is masked, one that does not stays literal. */
function maskedCurl(req, unresolved) {
  const problems = indexUnresolved(unresolved.filter((u) => u.reason !== 'pending'));
  return curlFromTemplate(req, (where, offset) => problems.has(`${where}@${offset}`));
}

/** Recomputes the shown command after an edit; an unmasked one is dropped, not kept stale. */
function refreshCurl(req, unresolved) {
  if (!curlShown) return;
  const pre = $('#curl');
  const wasUnmasked = pre.dataset.unmasked === 'true';
  pre.textContent = maskedCurl(req, unresolved);
  pre.dataset.unmasked = 'false';
  if (wasUnmasked) $('#curl-hint').textContent = 'The request changed: showing the masked command. Copy again for the resolved one.';
}

function clearCurl() {
  curlShown = false;
  lastPreview = null;
  $('#curl').textContent = '';
  $('#curl').dataset.unmasked = 'false';
  $('#curl').hidden = true;
  $('#curl-hint').textContent = '';
  $('#curl-resolved').checked = false;
}

async function copyCurl() {
  const req = currentRequest();
  const key = JSON.stringify(req);
  const postmanCompat = $('#compat').checked;
  const pre = $('#curl');
  let text;
  let hint;
  if ($('#curl-resolved').checked) {
    // The explicit opt-in: resolved through the vault now, values in clear.
    const out = await serialResolve(req, { postmanCompat });
    tick();
    text = curlFromResolved(out);
    const n = out.unresolved.length;
    hint = `resolved now, UNMASKED: contains secret values${n ? ` (${n} reference${n === 1 ? '' : 's'} did not resolve and stay literal)` : ''}`;
    pre.dataset.unmasked = 'true';
  } else {
    // Shown at once from the live preview; checked again when the preview is older than the request.
    const known = lastPreview?.key === key ? lastPreview.unresolved : null;
    pre.textContent = known ? maskedCurl(req, known) : curlFromTemplate(req);
    pre.dataset.unmasked = 'false';
    pre.hidden = false;
    curlShown = true;
    const unresolved = known ?? (await serialResolve(req, { postmanCompat }, { preview: true })).unresolved;
    text = maskedCurl(req, unresolved);
    hint = 'values that resolve are masked; references that do not stay literal';
    if (JSON.stringify(currentRequest()) !== key) return; // edited meanwhile: the live preview redraws it
  }
  pre.textContent = text;
  pre.hidden = false;
  curlShown = true;
  try {
    await navigator.clipboard.writeText(text);
    $('#curl-hint').textContent = `Copied: ${hint}.`;
  } catch {
    $('#curl-hint').textContent = `Not copied (the clipboard is not available here: copy from the box): ${hint}.`;
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
  lastResponse = null;
  $('#result').hidden = true;
  $('#echo').hidden = true;
  renderResponse();
  clearStatusLines();
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

const CONTROLS = '#resolve, #send, #wipe, #add-form button, #ttl-form button, #reset-cache, #export, #import, #copy-curl';

/** Everything derived from the old vault goes with it: nothing shown describes a vault that is gone. */
function clearStatusLines() {
  clearCurl();
  clearExport();
  for (const id of ['#form-msg', '#io-msg', '#cache-msg', '#setup-msg']) setMsg($(id), '', '');
  envLinks.clear();
}

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
  // With a relay, the vault needs the module that has the tunnel (TLS and HTTP
  // in wasm): createVault picks it from the transport's `tunnel` flag.
  await loadServices();
  demoTransport.tunnel = !!services._tunnel;
  vault = await createVault({ cacheTtlMinutes: 60, transport: demoTransport });
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
  setup = loadSetup();
  if (setup.links) {
    // The saved setup (definitions only): the values are fetched again, after Connect.
    const failed = [];
    linkAll(setup.links, failed);
    if (failed.length) console.warn(`saved links not restored: ${failed.join('; ')}`);
  } else {
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
  }
  envLinks.clear();
  if (setup.activeEnv) switchEnvironment(setup.activeEnv);
  renderEnvironments();
  renderRequests();
  document.body.dataset.state = 'ready';
  $('#status').classList.remove('wiped');
  for (const b of document.querySelectorAll(CONTROLS)) b.disabled = false;
  setSending(false);
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
  // Ctrl+Enter (⌘+Enter) sends from anywhere, as in API clients; ignored while one is in flight.
  addEventListener('keydown', (e) => {
    if (e.key !== 'Enter' || !(e.ctrlKey || e.metaKey) || e.altKey || e.shiftKey) return;
    e.preventDefault();
    if (!$('#send').disabled) guard(send)();
  });
  $('#environment').addEventListener(
    'change',
    guard((e) => {
      switchEnvironment(e.target.value);
      renderSecrets();
      scheduleLive();
    }),
  );
  $('#forget-setup').addEventListener('click', forgetSaved);
  $('#curl-resolved').addEventListener('change', () => {
    if (!$('#curl-resolved').checked && $('#curl').dataset.unmasked === 'true') {
      $('#curl').textContent = '';
      $('#curl').hidden = true;
      curlShown = false;
      $('#curl-hint').textContent = 'Unmasked command removed from the page.';
    }
  });
  $('#reveal').addEventListener('change', () => {
    renderResult();
    renderResponse();
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
