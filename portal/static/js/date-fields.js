/*
 * date-fields.js: every <input type="date"> of every page, shown as day/month/year whatever the
 * browser's locale (an English Chrome would show 11/30/2025 beside text saying 30/11/2025).
 *
 * Progressive: without this file a date field stays the browser's own. With it, each date field
 * (also those added later, e.g. by the edit forms) becomes a text field showing dd/mm/yyyy, and
 * the original input turns into a hidden field under its own name holding the ISO value
 * (2025-11-30), so forms post what they posted before and other scripts that kept a reference
 * to the input read and set ISO values as before (setting .value updates the text; a typed date
 * fires "input" and "change" on the hidden input). The text field takes the input's id, so its
 * <label for> still names it. Typed dates are checked: d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy or ISO;
 * a wrong or impossible date, or one outside min/max, is refused with a clear message
 * (setCustomValidity and a message under the field).
 *
 * Needs no other portal file. Words: data-t-* of <template id="date-field-words"> (base.html):
 * placeholder, invalid ("{value}"), min ("{date}"), max ("{date}"), required, help.
 *
 * Portal.dateFields: upgrade(root) upgrades the date inputs under root; parse(text) -> ISO or
 * null; format(iso) -> dd/mm/yyyy.
 */
(function (global) {
  'use strict';

  var words = {};
  var native = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value');

  function word(key, vars) {
    var text = words[key] || key;
    Object.keys(vars || {}).forEach(function (k) { text = text.split('{' + k + '}').join(vars[k]); });
    return text;
  }

  function pad(n) { return (n < 10 ? '0' : '') + n; }

  function format(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(iso || ''));
    return m ? m[3] + '/' + m[2] + '/' + m[1] : '';
  }

  function parse(text) {
    var t = String(text || '').trim();
    var m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(t);
    var y, mo, d;
    if (m) { y = +m[1]; mo = +m[2]; d = +m[3]; } else {
      m = /^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$/.exec(t);
      if (!m) return null;
      d = +m[1]; mo = +m[2]; y = +m[3];
    }
    var date = new Date(Date.UTC(y, mo - 1, d));
    if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
    return y + '-' + pad(mo) + '-' + pad(d);
  }

  function upgrade1(input) {
    if (input.dataset.dateField) return;
    input.dataset.dateField = 'hidden';
    var text = document.createElement('input');
    text.type = 'text';
    text.className = input.className;
    text.classList.add('date-field');
    text.dataset.dateField = 'text';
    text.inputMode = 'numeric';
    text.autocomplete = 'off';
    text.placeholder = word('placeholder');
    text.required = input.required;
    text.disabled = input.disabled;
    ['aria-describedby', 'aria-label', 'title'].forEach(function (a) {
      if (input.hasAttribute(a)) text.setAttribute(a, input.getAttribute(a));
    });
    if (input.id) { text.id = input.id; input.id = input.id + '-iso'; }
    var message = document.createElement('div');
    message.className = 'invalid-feedback date-field-message';
    message.id = (text.id || 'date-' + Math.random().toString(36).slice(2)) + '-message';
    message.setAttribute('aria-live', 'polite');
    text.setAttribute('aria-describedby', ((text.getAttribute('aria-describedby') || '') + ' ' + message.id).trim());
    text.value = format(native.get.call(input));
    var committed = native.get.call(input);
    input.type = 'hidden';
    input.after(text, message);

    Object.defineProperty(input, 'value', {
      configurable: true,
      get: function () { return native.get.call(input); },
      set: function (v) { native.set.call(input, v); committed = native.get.call(input); text.value = format(v); show(''); }
    });

    function show(problem) {
      text.setCustomValidity(problem);
      text.classList.toggle('is-invalid', !!problem);
      message.textContent = problem;
    }

    function check(commit) {
      var raw = text.value.trim();
      var iso = raw ? parse(raw) : '';
      var problem = '';
      if (raw && !iso) problem = word('invalid', { value: raw });
      else if (!raw && text.required) problem = word('required');
      else if (iso && input.min && iso < input.min) problem = word('min', { date: format(input.min) });
      else if (iso && input.max && iso > input.max) problem = word('max', { date: format(input.max) });
      if (problem) { if (commit) show(problem); else text.setCustomValidity(problem); return; }
      show('');
      if (iso !== native.get.call(input)) {
        native.set.call(input, iso);
        input.dispatchEvent(new Event('input', { bubbles: true }));
      }
      // Typing sets the value on every keystroke; "change" fires once the date is committed
      // (blur, Enter), whenever it differs from the one last committed.
      if (commit && iso !== committed) {
        committed = iso;
        input.dispatchEvent(new Event('change', { bubbles: true }));
      }
      if (commit && iso) text.value = format(iso);
    }

    text.addEventListener('input', function () { check(false); });
    text.addEventListener('change', function () { check(true); });
    text.addEventListener('keydown', function (e) { if (e.key === 'Enter') check(true); });
    text.addEventListener('invalid', function () { check(true); });
  }

  function upgrade(root) {
    (root || document).querySelectorAll('input[type="date"]').forEach(upgrade1);
  }

  function start() {
    var source = document.getElementById('date-field-words');
    Object.keys((source && source.dataset) || {}).forEach(function (name) {
      if (/^t[A-Z]/.test(name)) words[name.charAt(1).toLowerCase() + name.slice(2)] = source.dataset[name];
    });
    upgrade(document);
    new MutationObserver(function (changes) {
      changes.forEach(function (c) {
        c.addedNodes.forEach(function (node) {
          if (node.nodeType !== 1) return;
          if (node.matches('input[type="date"]')) upgrade1(node); else upgrade(node);
        });
      });
    }).observe(document.body, { childList: true, subtree: true });
  }

  global.Portal = global.Portal || {};
  global.Portal.dateFields = { upgrade, parse, format };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();
})(window);
