/*
 * a11y.js: keyboard and screen-reader fixes shared by every page (base.html loads it after the
 * page assets, before the page's own scripts). Plain ES2017, no build step, needs no core.
 *
 * - Map shapes leave the Tab order: Chromium makes Leaflet's interactive SVG paths Tab stops,
 *   so a keyboard user met hundreds of unnamed shapes before the map's search box. Shapes get
 *   tabindex="-1" (the search box and the area list reach the same places); a marker keeps its
 *   Tab stop only when it has a name (alt, title, aria-label or text).
 * - Scrollable regions (a long legend, a wide table) that hold nothing focusable become Tab
 *   stops with a name, so that they can be scrolled with the keys.
 * - A progressbar without a name gets one (the body's data-a11y-progress word); a drawing
 *   toolbar button (Geoman) gets its parent's title as its name.
 * - A badge coloured inline gets black or white text, whichever contrasts more (WCAG).
 * - Every Chart.js chart gets an aria-label summing up its figures and a visually hidden table
 *   holding the same figures, kept up to date on each chart update (a Chart.js plugin).
 *
 * Portal.a11y:
 *   textOn(color)     "#000" or "#fff", whichever has the higher WCAG contrast on `color`
 *   contrast(a, b)    the WCAG contrast ratio of two "#rrggbb" colours
 *   scan(root)        apply the DOM fixes to `root` and what it holds (done on load and for
 *                     every node added later)
 */
(function (global) {
  'use strict';

  var doc = global.document;
  var words = (doc.body && doc.body.dataset) || {};

  // ------------------------------------------------------------------ colour contrast

  function channel(v) {
    var c = v / 255;
    return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  }

  function rgb(color) {
    var s = String(color || '').trim();
    var m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(s);
    if (m) {
      var hex = m[1].length === 3 ? m[1].replace(/./g, '$&$&') : m[1];
      var n = parseInt(hex, 16);
      return [n >> 16, (n >> 8) & 255, n & 255];
    }
    m = /^rgba?\(\s*(\d+)[ ,]+(\d+)[ ,]+(\d+)/i.exec(s);
    return m ? [+m[1], +m[2], +m[3]] : null;
  }

  function luminance(color) {
    var c = rgb(color);
    if (!c) return null;
    return 0.2126 * channel(c[0]) + 0.7152 * channel(c[1]) + 0.0722 * channel(c[2]);
  }

  function contrast(a, b) {
    var la = luminance(a), lb = luminance(b);
    if (la === null || lb === null) return null;
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }

  function textOn(color) {
    var l = luminance(color);
    if (l === null) return '#fff';
    return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? '#000' : '#fff';
  }

  // ------------------------------------------------------------------ DOM fixes

  function named(node) {
    return !!(node.getAttribute('aria-label') || node.getAttribute('title') ||
      node.getAttribute('alt') || node.getAttribute('aria-labelledby') ||
      (node.textContent || '').trim());
  }

  function fixMapNode(node) {
    if (node.matches('path.leaflet-interactive, .leaflet-interactive path')) {
      node.setAttribute('tabindex', '-1');
      node.setAttribute('focusable', 'false');
    } else if (node.matches('.leaflet-marker-icon') && node.tabIndex >= 0 && !named(node)) {
      node.setAttribute('tabindex', '-1');
    }
  }

  function fixBadge(node) {
    var bg = node.style && node.style.backgroundColor;
    if (bg) node.style.color = textOn(bg);
  }

  // Geoman's toolbar buttons are <a role="button"> whose words are their parent's title.
  function fixToolButton(node) {
    var title = node.parentElement && node.parentElement.getAttribute('title');
    if (title && !named(node)) node.setAttribute('aria-label', title);
  }

  function fixProgress(node) {
    if (!node.getAttribute('aria-label') && !node.getAttribute('aria-labelledby')) {
      node.setAttribute('aria-label', words.a11yProgress || 'Progress');
    }
  }

  function scan(root) {
    if (!root || root.nodeType !== 1) return;
    var all = [root].concat(Array.prototype.slice.call(root.querySelectorAll(
      'path.leaflet-interactive, .leaflet-marker-icon, .badge[style], .portal-badge[style], ' +
      '[role="progressbar"], .leaflet-buttons-control-button')));
    all.forEach(function (node) {
      if (!node.matches) return;
      if (node.matches('path.leaflet-interactive, .leaflet-marker-icon')) fixMapNode(node);
      if (node.matches('.badge[style], .portal-badge[style]')) fixBadge(node);
      if (node.matches('[role="progressbar"]')) fixProgress(node);
      if (node.matches('.leaflet-buttons-control-button')) fixToolButton(node);
    });
  }

  var FOCUSABLE = 'a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])';

  function regionName(node) {
    var own = node.closest('[aria-label]');
    var heading = node.querySelector('h1, h2, h3, h4, caption, .portal-legend-title');
    var near = node.parentElement && node.parentElement.querySelector('h1, h2, h3, h4, summary');
    var text = (own && own.getAttribute('aria-label')) || (heading && heading.textContent) ||
      (near && near.textContent) || words.a11yScroll || 'Scrollable area';
    return text.trim().replace(/\s+/g, ' ').slice(0, 80);
  }

  // A region that scrolls and holds nothing focusable must itself be a Tab stop.
  function fixScrollable() {
    doc.querySelectorAll('main *, .leaflet-control *, .leaflet-control').forEach(function (node) {
      if (node.hasAttribute('data-a11y-scroll') || node.closest('svg')) return;
      var scrolls = node.scrollHeight > node.clientHeight + 1 || node.scrollWidth > node.clientWidth + 1;
      if (!scrolls) return;
      var style = global.getComputedStyle(node);
      var overflow = style.overflowX + ' ' + style.overflowY;
      if (!/auto|scroll/.test(overflow) || node.querySelector(FOCUSABLE)) return;
      node.setAttribute('data-a11y-scroll', '');
      if (!node.hasAttribute('tabindex')) node.setAttribute('tabindex', '0');
      if (!node.getAttribute('role')) node.setAttribute('role', 'region');
      if (!node.getAttribute('aria-label')) node.setAttribute('aria-label', regionName(node));
    });
  }

  var scrollTimer = null;
  function fixScrollableSoon() {
    global.clearTimeout(scrollTimer);
    scrollTimer = global.setTimeout(fixScrollable, 150);
  }

  // ------------------------------------------------------------------ charts as tables

  function fmt(value) {
    if (typeof value !== 'number') return value === null || value === undefined ? '' : String(value);
    var core = global.Portal && global.Portal.core;
    if (core && core.fmtNum) return core.fmtNum(value);
    return new Intl.NumberFormat(doc.documentElement.lang === 'en' ? 'en-GB' : 'vi-VN').format(value);
  }

  function chartFigures(chart) {
    var labels = (chart.data.labels || []).map(function (l) { return String(l); });
    var sets = (chart.data.datasets || []).map(function (d, i) {
      return { label: d.label || String(i + 1), data: d.data || [] };
    });
    return { labels: labels, sets: sets };
  }

  function chartTable(chart, figures) {
    var canvas = chart.canvas;
    var table = canvas.a11yTable;
    if (!table) {
      // Hidden through a wrapper: a table ignores the 1 px width of .visually-hidden and would
      // widen a phone page.
      var wrap = doc.createElement('div');
      wrap.className = 'visually-hidden';
      table = canvas.a11yTable = doc.createElement('table');
      table.setAttribute('data-chart-table', canvas.id || '');
      wrap.appendChild(table);
      canvas.insertAdjacentElement('afterend', wrap);
    }
    table.textContent = '';
    var caption = table.createCaption();
    caption.textContent = canvas.getAttribute('data-a11y-title') ||
      canvas.getAttribute('aria-label') || words.a11yTable || '';
    var head = table.createTHead().insertRow();
    [''].concat(figures.sets.map(function (s) { return s.label; })).forEach(function (text) {
      var th = doc.createElement('th');
      th.scope = 'col';
      th.textContent = text;
      head.appendChild(th);
    });
    var body = table.createTBody();
    figures.labels.forEach(function (label, row) {
      var tr = body.insertRow();
      var th = doc.createElement('th');
      th.scope = 'row';
      th.textContent = label;
      tr.appendChild(th);
      figures.sets.forEach(function (s) { tr.insertCell().textContent = fmt(s.data[row]); });
    });
  }

  // "Title: series a first → last, series b first → last (labels first – last)".
  function chartSummary(canvas, figures) {
    var title = canvas.getAttribute('data-a11y-title') || canvas.getAttribute('aria-label') || '';
    if (!canvas.hasAttribute('data-a11y-title')) canvas.setAttribute('data-a11y-title', title);
    var n = figures.labels.length;
    if (!n) return title;
    var parts = figures.sets.map(function (s) {
      return s.label + ' ' + fmt(s.data[0]) + (n > 1 ? ' → ' + fmt(s.data[n - 1]) : '');
    });
    var span = figures.labels[0] + (n > 1 ? ' – ' + figures.labels[n - 1] : '');
    return (title ? title + ': ' : '') + parts.join(', ') + ' (' + span + ')';
  }

  var chartPlugin = {
    id: 'portalA11yTable',
    afterUpdate: function (chart) {
      var canvas = chart.canvas;
      var figures = chartFigures(chart);
      canvas.setAttribute('role', 'img');
      canvas.setAttribute('aria-label', chartSummary(canvas, figures));
      chartTable(chart, figures);
    }
  };

  // ------------------------------------------------------------------ start

  if (global.Chart && global.Chart.register) global.Chart.register(chartPlugin);

  function start() {
    scan(doc.body);
    fixScrollable();
    new MutationObserver(function (records) {
      records.forEach(function (r) { r.addedNodes.forEach(scan); });
      fixScrollableSoon();
    }).observe(doc.body, { childList: true, subtree: true });
    global.addEventListener('resize', fixScrollableSoon);
  }

  global.Portal = global.Portal || {};
  global.Portal.a11y = { textOn: textOn, contrast: contrast, scan: scan };
  if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', start);
  else start();
})(window);
