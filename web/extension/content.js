// vaultlink extension — content script (the isolated world). On the user's
// action (context menu or keyboard command, relayed by the background as
// {type:'run'}) it collects the {{vault:…}} references in the focused field
// (only that one: the other fields of its form stay as they are), asks the
// background to fill them for this frame's URL, and writes the answer straight
// into the field. Nothing is
// injected into the page's own JS world: no script tags, no postMessage.
'use strict';

(() => {
  const TOKEN = '{{vault:';
  const TEXT_INPUTS = new Set(['text', 'search', 'email', 'url', 'tel', 'password', '']);

  function isTextField(el) {
    if (el instanceof HTMLTextAreaElement) return !el.readOnly && !el.disabled;
    if (el instanceof HTMLInputElement) return TEXT_INPUTS.has(el.type) && !el.readOnly && !el.disabled;
    return false;
  }

  /** The focused editable element in this frame (through open shadow roots), or null. */
  function focusedEditable() {
    let el = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    if (!el || el === document.body) return null;
    if (isTextField(el)) return el;
    if (el.isContentEditable) {
      let root = el;
      while (root.parentElement?.isContentEditable) root = root.parentElement;
      return root;
    }
    return null;
  }

  /** Targets: {id, text, apply(text)} for each text holder with a reference in the focused field. */
  function collectTargets(focused) {
    const holders = [];
    if (isTextField(focused)) {
      holders.push({ el: focused, text: focused.value, apply: (t) => setFieldValue(focused, t) });
    } else if (focused.isContentEditable) {
      // Text node by text node, so the element's markup survives.
      const walker = document.createTreeWalker(focused, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const node = n;
        holders.push({ el: focused, text: node.data, apply: (t) => (node.data = t) });
      }
    }
    return holders.filter((h) => h.text.includes(TOKEN)).map((h, id) => ({ ...h, id }));
  }

  /** Sets a field's value the way typing would, so frameworks notice the change. */
  function setFieldValue(el, text) {
    const proto = el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
    const setter = Object.getOwnPropertyDescriptor(proto, 'value').set;
    setter.call(el, text);
  }

  function notify(el) {
    el.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertReplacementText' }));
    el.dispatchEvent(new Event('change', { bubbles: true }));
  }

  /** A short notice in a closed shadow root: the page's scripts cannot read it. */
  function toast(text, bad) {
    const host = document.createElement('vaultlink-notice');
    const root = host.attachShadow({ mode: 'closed' });
    const box = document.createElement('div');
    box.textContent = text;
    box.style.cssText = `position:fixed;z-index:2147483647;right:16px;bottom:16px;max-width:360px;padding:10px 14px;border-radius:8px;font:13px/1.4 system-ui,sans-serif;box-shadow:0 4px 16px rgba(0,0,0,.2);background:${bad ? '#fdecec' : '#e7f6ec'};color:${bad ? '#b42318' : '#17663a'}`;
    root.append(box);
    document.documentElement.append(host);
    setTimeout(() => host.remove(), 4000);
  }

  const REASONS = {
    domain_not_allowed: 'not allowed on this site (the vaultlink options say why and what to add)',
    unknown: 'unknown secret',
    disabled: 'secret disabled',
    not_connected: 'provider not connected',
    reauth_required: 'reauthentication required',
    credentials_rejected: 'credentials rejected',
    key_not_found: 'key not found in the secret',
  };

  async function run() {
    const focused = focusedEditable();
    if (!focused) return null; // another frame may have the focus
    const targets = collectTargets(focused);
    if (!targets.length) {
      toast('vaultlink: no {{vault:…}} references in this field.', true);
      return { ok: true, filled: 0, unresolved: [] };
    }
    const answer = await chrome.runtime.sendMessage({
      type: 'substitute',
      url: location.href,
      fields: targets.map(({ id, text }) => ({ id, text })),
    });
    if (!answer?.ok) {
      toast(`vaultlink: ${answer?.error ?? 'no answer from the extension'}`, true);
      return { ok: false, error: answer?.error };
    }
    const touched = new Set();
    for (const f of answer.filled) {
      const t = targets.find((x) => x.id === f.id);
      if (!t) continue;
      t.apply(f.text);
      touched.add(t.el);
    }
    for (const el of touched) notify(el);
    const refused = [...new Set(answer.unresolved.map((u) => `${u.token}: ${REASONS[u.reason] ?? u.reason.replaceAll('_', ' ')}`))];
    toast(
      `vaultlink: filled ${answer.filled.length} field${answer.filled.length === 1 ? '' : 's'}` + (refused.length ? `; left as is: ${refused.join('; ')}` : '.'),
      refused.length > 0,
    );
    // The report names tokens and reasons only.
    return { ok: true, filled: answer.filled.length, unresolved: answer.unresolved.map(({ token, reason }) => ({ token, reason })) };
  }

  chrome.runtime.onMessage.addListener((msg, sender, sendResponse) => {
    if (sender.id !== chrome.runtime.id || msg?.type !== 'run') return false;
    if (!focusedEditable()) return false; // let the frame with the focus answer
    run().then(sendResponse, (e) => sendResponse({ ok: false, error: String(e?.message ?? e) }));
    return true;
  });
})();
