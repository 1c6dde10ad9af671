/*
 * import-preview.js: the rows of an import's dry run, before anything is written. A table of
 * the first rows (row, layer, id, name, status, longitude, latitude, then every other column
 * that has a problem), each cell with a problem highlighted and its message under it, and a
 * small Leaflet map without a basemap: the province outline (/api/areas?level=province) and
 * each row's point, green when the row is ready and red when it has a problem. All text from
 * the file goes through textContent. Needs leaflet.js and portal-core.js.
 *
 * Portal.importPreview.show(holder, body) fills `holder` (the page's #import-preview, whose
 * data-areas-url names the areas API) from an import answer's `preview` rows; clear(holder)
 * empties it. Words: the holder's data-t-* attributes (row, layer, id, name, status, lon, lat,
 * problem, ok, bad, personal, shown, map_label, legend_ok, legend_bad, action_added,
 * action_changed, action_unchanged).
 */
window.Portal.define('importPreview', function (Portal, L) {
  'use strict';

  var core = Portal.core;
  var { el, t } = core;

  // Problem roles shown in one of the fixed cells of a row.
  var FIXED = { layer: 'layer', record_id: 'id', name: 'name', status: 'status', lon: 'lon', lat: 'lat' };
  var ALL_KEYS = ['row', 'layer', 'id', 'name', 'status', 'lon', 'lat'];
  var KEYS = ALL_KEYS;
  var map = null;
  var outline = null;

  function message(problem) {
    return core.locale() === 'en' ? problem.message_en : problem.message_vi;
  }

  function cellOf(problem) {
    return FIXED[problem.role] || null;
  }

  function extraColumns(rows) {
    var seen = [];
    rows.forEach(function (row) {
      row.problems.forEach(function (p) {
        if (p.column && !cellOf(p) && seen.indexOf(p.column) < 0) seen.push(p.column);
      });
    });
    return seen;
  }

  function fixedText(row, key) {
    if (key === 'status') return core.locale() === 'en' ? row.status_en : row.status_vi;
    if (key === 'lon' || key === 'lat') return core.isNum(row[key]) ? core.fmtNum(row[key]) : '';
    if (key === 'name' && row.personal_hidden) return t('personal');
    return row[key] === null || row[key] === undefined ? '' : String(row[key]);
  }

  function markBad(td, problems, column) {
    if (!problems.length) return;
    td.classList.add('import-cell-bad');
    td.dataset.column = column;
    problems.forEach(function (p) { td.appendChild(el('div', 'import-cell-message', message(p))); });
  }

  function rowNode(row, extras) {
    var tr = el('tr', row.ok ? 'import-row-ok' : 'import-row-bad');
    tr.dataset.row = String(row.row);
    KEYS.forEach(function (key) {
      var td = el(key === 'row' ? 'th' : 'td', 'import-cell-' + key, fixedText(row, key));
      if (key === 'row') td.scope = 'row';
      td.dataset.label = t(key);
      markBad(td, row.problems.filter(function (p) { return cellOf(p) === key; }), key);
      tr.appendChild(td);
    });
    extras.forEach(function (column) {
      var value = row.values && row.values[column];
      var td = el('td', null, value === null || value === undefined ? '' : String(value));
      td.dataset.label = column;
      markBad(td, row.problems.filter(function (p) { return p.column === column; }), column);
      tr.appendChild(td);
    });
    var verdict = el('td', 'import-verdict');
    verdict.dataset.label = t('problem');
    var general = row.problems.filter(function (p) { return !p.column; });
    verdict.appendChild(el('span', row.ok ? 'badge text-bg-success' : 'badge text-bg-danger',
      row.ok ? (row.action ? t('action_' + row.action) : t('ok')) : t('bad')));
    general.forEach(function (p) { verdict.appendChild(el('div', 'import-cell-message', message(p))); });
    tr.appendChild(verdict);
    return tr;
  }

  function table(rows) {
    var extras = extraColumns(rows);
    var layers = rows.map(function (r) { return r.layer; });
    // One layer for every row (a one-layer import): its column says nothing.
    KEYS = layers.every(function (l) { return l && l === layers[0]; })
      ? ALL_KEYS.filter(function (k) { return k !== 'layer'; }) : ALL_KEYS;
    var wrap = el('div', 'table-responsive import-preview-table');
    var node = el('table', 'table table-sm align-top mb-0');
    node.appendChild(el('caption', null, t('shown', { n: rows.length })));
    var head = el('tr');
    KEYS.concat(extras).forEach(function (key, i) {
      var th = el('th', null, i < KEYS.length ? t(key) : key);
      th.scope = 'col';
      head.appendChild(th);
    });
    var last = el('th', null, t('problem'));
    last.scope = 'col';
    head.appendChild(last);
    node.appendChild(el('thead')).appendChild(head);
    var body = el('tbody');
    rows.forEach(function (row) { body.appendChild(rowNode(row, extras)); });
    node.appendChild(body);
    wrap.appendChild(node);
    return wrap;
  }

  function drawOutline(holder) {
    if (outline || !holder.dataset.areasUrl) return;
    core.request('GET', holder.dataset.areasUrl).then(function (geojson) {
      if (!map) return;
      outline = L.geoJSON(geojson, {
        interactive: false, style: { color: '#455a64', weight: 1.5, fill: true, fillColor: '#eceff1', fillOpacity: 0.6 }
      }).addTo(map);
      outline.bringToBack();
    }, function () { /* the points still show without the outline */ });
  }

  function drawMap(holder, box, rows) {
    var node = el('div', 'import-preview-map');
    node.id = 'import-preview-map';
    node.setAttribute('role', 'img');
    node.setAttribute('aria-label', t('map_label'));
    box.appendChild(node);
    var legend = el('p', 'small mb-2 import-preview-legend');
    legend.appendChild(el('span', 'import-dot import-dot-ok'));
    legend.appendChild(document.createTextNode(' ' + t('legend_ok') + ' '));
    legend.appendChild(el('span', 'import-dot import-dot-bad'));
    legend.appendChild(document.createTextNode(' ' + t('legend_bad')));
    box.appendChild(legend);
    if (map) { map.remove(); map = null; outline = null; }
    // No animation: the map is removed as soon as the form changes, maybe mid-zoom.
    map = L.map(node, {
      attributionControl: false, zoomSnap: 0.25, keyboard: false,
      zoomAnimation: false, fadeAnimation: false, markerZoomAnimation: false
    });
    map.setView([21.85, 106.6], 8);
    var points = rows.filter(function (r) { return core.isNum(r.lon) && core.isNum(r.lat); });
    var group = L.featureGroup(points.map(function (row) {
      var marker = L.circleMarker([row.lat, row.lon], {
        radius: 6, weight: 2, color: '#fff', fillOpacity: 1,
        fillColor: row.ok ? '#2e7d32' : '#c62828', className: row.ok ? 'import-point-ok' : 'import-point-bad'
      });
      marker.bindTooltip(t('row') + ' ' + row.row + (row.name ? ': ' + row.name : ''));
      return marker;
    })).addTo(map);
    if (points.length) map.fitBounds(group.getBounds().pad(0.3), { maxZoom: 12, animate: false });
    drawOutline(holder);
  }

  function show(holder, body) {
    clear(holder);
    var rows = (body && body.preview) || [];
    if (!rows.length) return;
    core.configure({ strings: core.dataStrings(holder) });
    holder.classList.remove('d-none');
    var mapBox = el('div', 'import-preview-map-box');
    holder.appendChild(mapBox);
    holder.appendChild(table(rows));
    drawMap(holder, mapBox, rows);
  }

  function clear(holder) {
    if (map) { map.stop(); map.remove(); map = null; outline = null; }
    holder.replaceChildren();
    holder.classList.add('d-none');
  }

  return { show, clear };
});
