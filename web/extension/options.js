// vaultlink extension — options page: links secrets and connects providers.
// The vault lives in the offscreen host (host.js), behind the background
// worker; this page only sends the background messages.
// Its forms come from the demo's provider table (copied in by
// scripts/build-extension), so a new provider needs no code here either.

import { providerSpec, providerIds, sourceFromForm, credentialsFromForm, describeSource, providerOf } from './demo/providers.js';
import { el, buildFields, readFields, clearSecretFields, timeLeft, errorText } from './demo/forms.js';

const $ = (s) => document.querySelector(s);

async function call(type, args = {}) {
  const r = await chrome.runtime.sendMessage({ type, ...args });
  if (!r?.ok) throw new Error(r?.error ?? `${type}: no answer`);
  return r;
}

function setMsg(node, kind, text) {
  node.className = `msg ${kind}`;
  node.textContent = text;
}

async function renderLinks() {
  const { links } = await call('links');
  $('#links').replaceChildren(
    ...(links.length
      ? links.map((l) =>
          el(
            'li',
            { 'data-name': l.name },
            el('code', { text: l.name }),
            el('span', { class: 'state', text: providerOf(l.source) }),
            el('span', { class: 'small', text: l.domains.length ? l.domains.join(', ') : 'any domain' }),
            el('label', {}, el('input', { type: 'checkbox', checked: l.enabled, onchange: (e) => act(() => call('setEnabled', { name: l.name, enabled: e.target.checked })) })),
            el('button', { type: 'button', text: 'Delete', onclick: () => act(() => call('unlink', { name: l.name })) }),
            el('span', { class: 'src', text: describeSource(l.source) }),
          ),
        )
      : [el('li', { class: 'small', text: 'No secrets yet.' })]),
  );
}

/** What the last fill left as is, with the core's words on why (for a domain: the closest entry and the one to add). */
async function renderLastFill() {
  const { last } = await call('lastFill');
  const list = last?.unresolved ?? [];
  $('#last-fill-where').textContent = last ? `on ${last.origin}` : '';
  $('#last-fill-none').hidden = list.length > 0;
  $('#last-fill').replaceChildren(
    ...list.map((u) =>
      el(
        'li',
        { 'data-reason': u.reason },
        el('code', { text: u.token }),
        el('span', { class: 'state', text: u.reason.replaceAll('_', ' ') }),
        el('span', { class: 'why', text: u.detail || u.message }),
      ),
    ),
  );
}

async function act(fn) {
  try {
    await fn();
  } catch (e) {
    setMsg($('#link-msg'), 'error', errorText(e));
  }
  await refresh();
}

// The link form's own fields: a provider field with the same key (GCP's
// "name") gets an id of its own instead of a second #new-name.
const LINK_FORM_IDS = new Set(['new-name', 'new-provider', 'new-domains']);

function renderLinkFields() {
  const id = $('#new-provider').value;
  const fields = buildFields(providerSpec(id).link, 'new-');
  for (const input of fields.map((f) => f.querySelector('[data-key]'))) {
    if (LINK_FORM_IDS.has(input.id)) input.id = `new-${id}-${input.dataset.key}`;
  }
  $('#link-fields').replaceChildren(...fields);
}

let shownProviders = '';
function renderProviders(status) {
  const key = status.providers.map((p) => p.provider).join(',');
  if (key !== shownProviders) {
    shownProviders = key;
    $('#providers').replaceChildren(...status.providers.map((p) => card(p.provider)));
    const select = $('#new-provider');
    const keep = select.value || 'local';
    select.replaceChildren(...providerIds(status.providers).map((id) => el('option', { value: id, text: providerSpec(id).label })));
    select.value = keep;
    renderLinkFields();
  }
  for (const p of status.providers) {
    const c = $(`#providers .card[data-provider="${CSS.escape(p.provider)}"]`);
    const state = p.connected ? 'connected' : p.reauthRequired ? 'reauth' : 'disconnected';
    c.dataset.state = state;
    c.querySelector('.state').textContent =
      state === 'connected' ? `connected${p.expiresAt ? ` · expires in ${timeLeft(p.expiresAt - Date.now())}` : ''}` : state === 'reauth' ? 'reauthentication required' : 'not connected';
    c.querySelector('button[type=submit]').textContent = state === 'disconnected' ? 'Connect' : 'Re-authenticate';
  }
  $('#cache').replaceChildren(
    ...status.cache.map((c) => el('li', { 'data-name': c.name }, el('code', { text: c.name }), el('span', { text: timeLeft(c.expiresAt - Date.now()) }))),
  );
}

function card(id) {
  const spec = providerSpec(id);
  const fields = el('div', { class: 'fields' }, ...buildFields(spec.connect, `connect-${id}-`));
  const msg = el('span', { class: 'msg', role: 'alert' });
  return el(
    'form',
    {
      class: 'card',
      'data-provider': id,
      autocomplete: 'off',
      novalidate: true,
      onsubmit: async (ev) => {
        ev.preventDefault();
        try {
          // connect() checks the credentials with the provider (issue #13): a rejection lands in catch.
          const r = (await call('connect', { provider: id, credentials: credentialsFromForm(id, readFields(fields)) }))?.result;
          clearSecretFields(fields);
          setMsg(msg, 'ok', r?.verified ? `Connected — verified as ${r.identity ?? 'a valid credential'}.` : 'Connected (not verified by the provider).');
        } catch (e) {
          setMsg(msg, 'error', errorText(e));
        }
        await refresh();
      },
    },
    el('strong', { text: spec.label }),
    el('span', { class: 'state', text: 'not connected' }),
    fields,
    el(
      'div',
      { class: 'foot' },
      el('button', { type: 'submit', text: 'Connect' }),
      el('button', { type: 'button', text: 'Disconnect', onclick: () => act(() => call('disconnect', { provider: id })) }),
      msg,
    ),
  );
}

async function refresh() {
  const { status } = await call('status');
  renderProviders(status);
  await renderLinks();
  await renderLastFill();
}

$('#new-provider').addEventListener('change', renderLinkFields);
$('#link-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const msg = $('#link-msg');
  const name = $('#new-name').value.trim();
  try {
    if (!name) throw new Error('Name is required');
    const provider = $('#new-provider').value;
    const source = sourceFromForm(provider, readFields($('#link-fields')));
    await call('link', { name, source, domains: $('#new-domains').value });
    renderLinkFields();
    $('#new-name').value = '';
    setMsg(msg, 'ok', `Linked “${name}”.`);
  } catch (e) {
    setMsg(msg, 'error', errorText(e));
  }
  await refresh();
});
$('#reset-cache').addEventListener('click', async () => {
  await call('resetCache');
  setMsg($('#cache-msg'), 'ok', 'Cache reset.');
  await refresh();
});

$('#wipe').addEventListener('click', async () => {
  await call('wipe');
  setMsg($('#cache-msg'), 'ok', 'Wiped: values, credentials and the cache are gone.');
  await refresh();
});

refresh().catch((e) => setMsg($('#link-msg'), 'error', errorText(e)));
setInterval(() => refresh().catch(() => {}), 1000);
