/*
 * portal-core.js: what every browser file of the portal shares. Loaded once per page, before
 * any feature file (portal/web/assets.py lists the files of each page in load order).
 *
 * Plain ES2017, no build step, no request to any host but the page's own.
 *
 * Namespace: each file registers itself on the one object window.Portal, with
 * Portal.define(name, factory) (Portal[name] = factory(Portal, Leaflet)), and talks to the
 * others only through the functions they document (or the events below), never through another
 * file's variables:
 *   Portal.core      this file                      Portal.map      portal-map.js
 *   Portal.draw      map-draw.js                    Portal.popups   map-popups.js
 *   Portal.areas     map-areas.js                   Portal.layers   map-layers.js
 *   Portal.search    map-search.js                  Portal.controls map-controls.js
 *   Portal.editPanel edit-panel.js                  Portal.editForms edit-forms.js
 *   Portal.editRecords edit-records.js              Portal.edit     portal-edit.js
 *   Portal.importer  import.js                      Portal.charts   charts.js (needs no core)
 *
 * Portal.core:
 *   configure({locale, strings, csrf})  the page's language ("vi" or "en"; default: <html lang>),
 *                         UI words to add (later ones win) and a CSRF token used when the page
 *                         has no <meta name="csrf-token">
 *   locale()              "vi" or "en"
 *   t(key, vars)          the UI word `key` ("{name}" replaced from vars); a missing key shows
 *                         the key itself
 *   dataStrings(node)     the words of a node's data-t-* attributes: data-t-too-big -> too_big
 *   el(tag, className, text), button(text, className, onClick), option(select, value, text,
 *   selected), stopMapEvents(node)      DOM helpers: text always goes through textContent
 *   escapeHtml(text), safeColor(value, fallback), isNum(value), debounce(fn, ms)
 *   fmtNum(value), fmtPercent(value), fmtDate(iso)   vi-VN or en-GB number and date formats
 *                         ("2.256", "93,8 %", "30/11/2025" in vi; "2,256", "93.8%", "30/11/2025"
 *                         in en, whatever the browser's locale); a string count (a hidden small
 *                         count, "<3") is shown as it is; the one helper every file uses
 *   url(base, path, params)   base + path + query of the params that are set (commas kept)
 *   request(method, url, {body, key, fallback})  JSON API call: an object body is sent as JSON,
 *                         a FormData as is; every method but GET sends the X-CSRFToken header. A
 *                         `key` aborts the previous request under the same key. An answer that
 *                         is not OK throws ApiError(message, status, body), message being the
 *                         API's error or `fallback` (default t('error_generic'))
 *   abort(key)            aborts the request running under `key`, if any
 *   upload(url, formData, {progress(percent), sent()})  POST with upload progress (XHR);
 *                         resolves {status, statusText, body}
 *   ApiError, csrfToken()
 *   on(name, fn), emit(name, detail)   page-wide events; the map emits "map:ready" once drawn
 *
 * Page events: through on/emit, "map:ready", "map:options", "map:visible", "map:areas"
 * (portal-map.js) and "page:live" (page-live.js); as a DOM event on `document`,
 * "portal:data-changed" (CustomEvent, detail {layer, recordId}), dispatched once after every
 * write an editor saves (portal-edit.js): the map layers, the area colours and counts, the
 * page's counters, tables and charts (page-live.js) and any list a page builds listen to it
 * and redraw without a reload.
 */
(function (global) {
  'use strict';

  var Portal = global.Portal = global.Portal || {};
  var strings = {};
  var settings = { locale: null, csrf: '' };
  var controllers = {};
  var listeners = {};
  var has = Object.prototype.hasOwnProperty;

  // ---------------------------------------------------------------- words and language

  function configure(options) {
    var o = options || {};
    if (o.locale) settings.locale = String(o.locale);
    if (o.csrf) settings.csrf = String(o.csrf);
    Object.keys(o.strings || {}).forEach(function (key) { strings[key] = o.strings[key]; });
  }

  function t(key, vars) {
    var text = has.call(strings, key) ? String(strings[key]) : key;
    if (vars) {
      Object.keys(vars).forEach(function (name) {
        text = text.split('{' + name + '}').join(String(vars[name]));
      });
    }
    return text;
  }

  function dataStrings(node) {
    var words = {};
    Object.keys((node && node.dataset) || {}).forEach(function (name) {
      if (!/^t[A-Z]/.test(name)) return;
      var key = name.slice(1).replace(/[A-Z]/g, function (c) { return '_' + c.toLowerCase(); });
      words[key.replace(/^_/, '')] = node.dataset[name];
    });
    return words;
  }

  function locale() {
    return settings.locale || document.documentElement.lang || 'vi';
  }

  function intlLocale() {
    return locale() === 'vi' ? 'vi-VN' : 'en-GB';
  }

  // ---------------------------------------------------------------- DOM

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function button(text, className, onClick) {
    var node = el('button', 'btn btn-sm ' + (className || 'btn-outline-secondary'), text);
    node.type = 'button';
    node.addEventListener('click', function (e) {
      e.preventDefault();
      onClick(e);
    });
    return node;
  }

  function option(select, value, text, selected) {
    var node = el('option', null, text);
    node.value = value;
    node.selected = !!selected;
    select.appendChild(node);
    return node;
  }

  // Clicks and wheel turns on a control or panel over the map stay there.
  function stopMapEvents(node) {
    global.L.DomEvent.disableClickPropagation(node);
    global.L.DomEvent.disableScrollPropagation(node);
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"'`]/g, function (c) {
      return '&#' + c.charCodeAt(0) + ';';
    });
  }

  function safeColor(value, fallback) {
    var text = String(value || '');
    return /^#[0-9a-f]{3,8}$/i.test(text) || /^[a-z]{3,20}$/i.test(text) ? text : fallback;
  }

  function isNum(value) {
    return typeof value === 'number' && isFinite(value);
  }

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      var args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(null, args); }, ms);
    };
  }

  // ---------------------------------------------------------------- numbers and dates

  function fmtNum(value) {
    if (typeof value === 'string') return value;  // a hidden small count: "<3"
    return isNum(value) ? new Intl.NumberFormat(intlLocale()).format(value) : '–';
  }

  // A percent out of 100: "93,8 %" (vi, a no-break space before the sign), "93.8%" (en); the
  // same strings as the server's portal/web/formats.py.
  function fmtPercent(value) {
    if (!isNum(value)) return '–';
    var number = new Intl.NumberFormat(intlLocale(), { maximumFractionDigits: 1 }).format(value);
    return locale() === 'en' ? number + '%' : number + '\u00a0%';
  }

  function fmtDate(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(iso || ''));
    if (!m) return String(iso || '');
    var date = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
    return new Intl.DateTimeFormat(intlLocale(), {
      timeZone: 'UTC', year: 'numeric', month: '2-digit', day: '2-digit'
    }).format(date);
  }

  // ---------------------------------------------------------------- API

  function ApiError(message, status, body) {
    this.name = 'ApiError';
    this.message = message;
    this.status = status;
    this.body = body;
  }
  ApiError.prototype = Object.create(Error.prototype);

  function url(base, path, params) {
    var query = new URLSearchParams();
    Object.keys(params || {}).forEach(function (key) {
      var value = params[key];
      if (value !== null && value !== undefined && value !== '') query.set(key, value);
    });
    var text = query.toString().replace(/%2C/g, ',');
    return String(base || '').replace(/\/$/, '') + path + (text ? '?' + text : '');
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    var input = document.querySelector('input[name="csrf_token"]');
    return (meta && meta.getAttribute('content')) || (input && input.value) || settings.csrf || '';
  }

  function abort(key) {
    if (controllers[key]) controllers[key].abort();
  }

  async function request(method, address, options) {
    var o = options || {};
    var controller = null;
    if (o.key) {
      abort(o.key);
      controller = typeof AbortController === 'function' ? new AbortController() : null;
      controllers[o.key] = controller;
    }
    var headers = { Accept: 'application/json' };
    var payload;
    if (o.body instanceof FormData) {
      payload = o.body;
    } else if (o.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(o.body);
    }
    if (method !== 'GET') headers['X-CSRFToken'] = csrfToken();
    var response;
    try {
      response = await fetch(address, {
        method,
        credentials: 'same-origin',
        headers,
        body: payload,
        signal: controller ? controller.signal : undefined
      });
    } finally {
      if (o.key && controllers[o.key] === controller) delete controllers[o.key];
    }
    var data = null;
    try {
      data = await response.json();
    } catch (err) {
      data = null;
    }
    if (!response.ok || (data && data.ok === false)) {
      var message = data && typeof data.error === 'string' && data.error ? data.error
        : o.fallback || t('error_generic');
      throw new ApiError(message, response.status, data);
    }
    return data;
  }

  function upload(address, data, handlers) {
    var h = handlers || {};
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open('POST', address);
      xhr.setRequestHeader('X-CSRFToken', csrfToken());
      xhr.setRequestHeader('Accept', 'application/json');
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable && h.progress) h.progress(Math.round(100 * e.loaded / e.total));
      };
      xhr.upload.onload = function () { if (h.sent) h.sent(); };
      xhr.onload = function () {
        var body;
        try { body = JSON.parse(xhr.responseText); } catch (err) { body = null; }
        resolve({ status: xhr.status, statusText: xhr.statusText, body });
      };
      xhr.onerror = function () { reject(new ApiError(xhr.statusText || 'network error', 0, null)); };
      xhr.send(data);
    });
  }

  // ---------------------------------------------------------------- events

  // Registers a feature file: Portal[name] becomes what factory(Portal, Leaflet) returns.
  function define(name, factory) {
    Portal[name] = factory(Portal, global.L);
  }

  function on(name, fn) {
    (listeners[name] = listeners[name] || []).push(fn);
  }

  function emit(name, detail) {
    (listeners[name] || []).slice().forEach(function (fn) { fn(detail); });
  }

  Portal.define = define;
  Portal.core = {
    configure,
    t,
    dataStrings,
    locale,
    el,
    button,
    option,
    stopMapEvents,
    escapeHtml,
    safeColor,
    isNum,
    debounce,
    fmtNum,
    fmtPercent,
    fmtDate,
    ApiError,
    url,
    csrfToken,
    request,
    abort,
    upload,
    on,
    emit
  };
})(window);
