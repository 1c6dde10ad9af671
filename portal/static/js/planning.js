/*
 * planning.js: the planning page's ranked table, linked to its map.
 *
 * Portal.planning (after the map client, which loaded portal-core.js):
 *   filter(laggingOnly)   shows the lagging rows alone (or every row), keeps the choice in the
 *                         address (?lagging=1, without a reload) and in the table's download
 *                         links, and updates the "n of m areas shown" line
 * A row's hover or keyboard focus highlights its area on the map, a click on the row (or on its
 * rank button) zooms the map to it; both go through the document events the map client listens
 * to ("portal:area-hover" {code | null}, "portal:area-focus" {code}, see map-areas.js).
 *
 * UI words: data-t-shown on #planning-count ("{shown} of {total} areas shown").
 */
window.Portal.define('planning', function (Portal) {
  'use strict';

  var table = document.querySelector('.planning-table');
  var toggle = document.getElementById('lagging-only');
  var count = document.getElementById('planning-count');
  if (!table) return {};
  var rows = Array.prototype.slice.call(table.querySelectorAll('tbody tr[data-code]'));

  function send(name, code) {
    document.dispatchEvent(new CustomEvent(name, { detail: { code } }));
  }

  function filter(laggingOnly) {
    var shown = 0;
    rows.forEach(function (row) {
      var keep = !laggingOnly || row.dataset.lagging === 'true';
      row.hidden = !keep;
      if (keep) shown += 1;
    });
    if (count) {
      count.textContent = (count.dataset.tShown || '{shown} / {total}')
        .replace('{shown}', Portal.core.fmtNum(shown)).replace('{total}', Portal.core.fmtNum(rows.length));
    }
    var address = new URL(window.location.href);
    if (laggingOnly) address.searchParams.set('lagging', '1'); else address.searchParams.delete('lagging');
    window.history.replaceState(window.history.state, '', address.toString());
    document.querySelectorAll('.download-progress a[href]').forEach(function (link) {
      var target = new URL(link.href, window.location.href);
      if (laggingOnly) target.searchParams.set('lagging', '1'); else target.searchParams.delete('lagging');
      link.href = target.pathname + target.search;
    });
  }

  function zoomTo(code) {
    send('portal:area-focus', code);
    var panel = document.querySelector('.map-panel');
    if (panel) {
      var box = panel.getBoundingClientRect();
      if (box.top < 0 || box.bottom > window.innerHeight) panel.scrollIntoView({ block: 'nearest' });
    }
  }

  rows.forEach(function (row) {
    var code = row.dataset.code;
    row.addEventListener('mouseenter', function () { send('portal:area-hover', code); });
    row.addEventListener('mouseleave', function () { send('portal:area-hover', null); });
    row.addEventListener('focusin', function () { send('portal:area-hover', code); });
    row.addEventListener('focusout', function () { send('portal:area-hover', null); });
    row.addEventListener('click', function (e) {
      if (e.target.closest('a')) return;  // the area's own page
      zoomTo(code);
    });
  });

  if (toggle) {
    toggle.addEventListener('change', function () { filter(toggle.checked); });
    if (toggle.checked) filter(true);
  }

  return { filter };
});
