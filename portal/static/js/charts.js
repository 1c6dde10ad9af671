/*
 * charts.js: the charts of the portal's pages (Chart.js, the global `Chart` of the vendored UMD
 * build). Each chart is a <canvas data-chart="…"> whose data and words are data-* attributes;
 * no inline script is needed. Dates and numbers are written in the page's language with
 * Portal.core's fmtDate and fmtNum (dd/mm/yyyy; "2.256" in Vietnamese) when portal-core.js is
 * on the page, whatever the browser's own locale.
 *
 * Portal.charts:
 *   villagesLeft(canvas)  the telecom page's line chart: villages left and on air by date, from
 *                         data-history (JSON [{date, left, done}]) and the series names
 *                         data-label-left and data-label-done; marks the canvas data-ready="true";
 *                         drawn again (after a refresh) it replaces the previous chart
 * Every canvas[data-chart="villages-left"] on the page is drawn once this file has loaded.
 */
(function (global) {
  'use strict';

  function formats() {
    var core = global.Portal && global.Portal.core;
    return {
      date: core ? core.fmtDate : String,
      num: core ? core.fmtNum : String,
      locale: core ? (core.locale() === 'en' ? 'en-GB' : 'vi-VN') : undefined
    };
  }

  function villagesLeft(canvas) {
    var history = JSON.parse(canvas.dataset.history || '[]');
    var f = formats();
    var previous = global.Chart.getChart ? global.Chart.getChart(canvas) : null;
    if (previous) previous.destroy();
    new global.Chart(canvas, {
      type: 'line',
      data: {
        labels: history.map(function (p) { return f.date(p.date); }),
        datasets: [
          { label: canvas.dataset.labelLeft, data: history.map(function (p) { return p.left; }), borderColor: '#c0392b', backgroundColor: 'rgba(192,57,43,0.15)', fill: true, tension: 0.2 },
          { label: canvas.dataset.labelDone, data: history.map(function (p) { return p.done; }), borderColor: '#27ae60', fill: false, tension: 0.2 }
        ]
      },
      options: {
        animation: false,
        locale: f.locale,
        plugins: { legend: { position: 'bottom' } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0, callback: function (v) { return f.num(v); } } } }
      }
    });
    canvas.dataset.ready = 'true';
  }

  global.Portal = global.Portal || {};
  global.Portal.charts = { villagesLeft };

  if (!global.Chart) return;
  document.querySelectorAll('canvas[data-chart="villages-left"]').forEach(villagesLeft);
})(window);
