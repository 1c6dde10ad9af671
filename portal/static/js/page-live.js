/*
 * page-live.js: keeps a map page's figures current after an editor saves, without a reload.
 *
 * On the "portal:data-changed" document event (see portal-core.js; the map redraws itself on
 * it) the page asks the server for itself again, at its own address (which names a date only
 * when the user picked one, so the answer holds the latest data), and puts the new figures in
 * place of the old: the counters and milestone counts of /telecom, the progress tables of the
 * area, planning and telecom pages, the record lists, any element marked data-live, and the
 * data of every chart (canvas[data-chart], redrawn by Portal.charts). Lists that other files
 * build themselves listen to the same event.
 *
 * Portal.live:
 *   refresh()             fetches the page again and updates its figures; a Promise of the
 *                         number of parts updated (also emitted as the page event "page:live")
 */
window.Portal.define('live', function (Portal) {
  'use strict';

  var core = Portal.core;
  var DATA_CHANGED = 'portal:data-changed';
  // Parts of a page that hold figures; matched in order between the old page and the new.
  var PARTS = [
    '[data-live]',
    '[data-figure]',
    '.milestones',
    '.summary-card',
    'table.area-progress > tbody',
    'table.planning-table > tbody',
    'table.telecom-table > tbody',
    'table.villages-table > tbody',
    '.record-list'
  ];

  function replaceParts(fresh) {
    var updated = 0;
    PARTS.forEach(function (selector) {
      var now = document.querySelectorAll(selector);
      var next = fresh.querySelectorAll(selector);
      if (now.length !== next.length) return;
      for (var i = 0; i < now.length; i++) {
        if (now[i].closest('.map-panel, .leaflet-container')) continue;
        if (now[i].innerHTML === next[i].innerHTML) continue;
        now[i].replaceWith(document.importNode(next[i], true));
        updated++;
      }
    });
    return updated;
  }

  function updateCharts(fresh) {
    var updated = 0;
    var now = document.querySelectorAll('canvas[data-chart]');
    var next = fresh.querySelectorAll('canvas[data-chart]');
    if (now.length !== next.length) return 0;
    now.forEach(function (canvas, i) {
      var history = next[i].getAttribute('data-history');
      if (history === canvas.getAttribute('data-history')) return;
      canvas.setAttribute('data-history', history);
      var chart = window.Chart && window.Chart.getChart && window.Chart.getChart(canvas);
      if (chart) chart.destroy();
      if (Portal.charts && canvas.dataset.chart === 'villages-left') Portal.charts.villagesLeft(canvas);
      updated++;
    });
    return updated;
  }

  var running = null;

  async function refresh() {
    if (running) running.abort();
    var controller = running = new AbortController();
    var answer = await fetch(window.location.href, {
      credentials: 'same-origin',
      headers: { Accept: 'text/html' },
      signal: controller.signal
    });
    if (!answer.ok) return 0;
    var fresh = new DOMParser().parseFromString(await answer.text(), 'text/html');
    if (controller !== running) return 0;
    running = null;
    var updated = replaceParts(fresh) + updateCharts(fresh);
    document.documentElement.setAttribute('data-live-updated', String(updated));
    core.emit('page:live', { updated });
    return updated;
  }

  document.addEventListener(DATA_CHANGED, function () {
    refresh().catch(function (err) {
      if (!err || err.name !== 'AbortError') document.documentElement.setAttribute('data-live-updated', 'failed');
    });
  });

  return { refresh };
});
