/*
 * planning-hazards.js: the planning page's "Projects in hazard zones" section
 * (templates/_hazard_zones.html).
 *
 * Asks GET /api/coverage/hazard-records?as_of= once (the page's date) and fills the table: one
 * row per project and hazard (name, value with its unit, hazard, commune, status, layer), one
 * line per hazard raster (its date, threshold and provenance badge), the CSV download link.
 * The section stays hidden while no hazard raster is current. The table sorts by any column (a
 * click on its header: numbers as numbers, text in the reader's language); values are written
 * through Portal.core.fmtNum, every text through textContent.
 *
 * UI words: the data-t-* attributes of #hazard-zones.
 */
window.Portal.define('planningHazards', function (Portal) {
  'use strict';

  var root = document.getElementById('hazard-zones');
  if (!root || !Portal.core) return {};
  var core = Portal.core;
  var el = core.el;
  var words = core.dataStrings(root);
  var table = document.getElementById('hazard-table');
  var COLUMNS = ['name', 'value', 'hazard_name', 'commune', 'status_label', 'layer_name'];
  var HEADS = { name: 'name', layer_name: 'layer', commune: 'commune', status_label: 'status', hazard_name: 'hazard', value: 'value' };
  var rows = [];
  var sortKey = 'value';
  var sortDown = true;

  function sorted() {
    var collator = new Intl.Collator(core.locale() === 'en' ? 'en' : 'vi');
    return rows.slice().sort(function (a, b) {
      var x = a[sortKey], y = b[sortKey];
      var order = typeof x === 'number' && typeof y === 'number' ? x - y
        : collator.compare(String(x || ''), String(y || ''));
      return sortDown ? -order : order;
    });
  }

  function head(key) {
    var th = el('th', key === 'value' ? 'text-end' : null);
    th.scope = 'col';
    th.setAttribute('data-key', key);
    th.setAttribute('aria-sort', sortKey === key ? (sortDown ? 'descending' : 'ascending') : 'none');
    th.appendChild(core.button(words[HEADS[key]] + (sortKey === key ? (sortDown ? ' ▼' : ' ▲') : ''),
      'btn btn-link btn-sm p-0 text-reset fw-semibold text-decoration-none', function () {
        sortDown = sortKey === key ? !sortDown : key === 'value';
        sortKey = key;
        draw();
      }));
    return th;
  }

  function draw() {
    var thead = table.tHead;
    var body = table.tBodies[0];
    thead.textContent = '';
    body.textContent = '';
    var tr = el('tr');
    COLUMNS.forEach(function (key) { tr.appendChild(head(key)); });
    thead.appendChild(tr);
    if (!rows.length) {
      var empty = el('tr');
      var cell = el('td', 'text-muted', words.none);
      cell.colSpan = COLUMNS.length;
      empty.appendChild(cell);
      body.appendChild(empty);
      return;
    }
    sorted().forEach(function (row) {
      var line = el('tr', 'hazard-row');
      line.setAttribute('data-layer', row.layer);
      line.setAttribute('data-hazard', row.hazard);
      COLUMNS.forEach(function (key) {
        var text = key === 'value' ? core.fmtNum(row.value) + (row.unit ? ' ' + row.unit : '') : row[key];
        line.appendChild(el('td', key === 'value' ? 'text-end text-nowrap' : null, text || '–'));
      });
      body.appendChild(line);
    });
  }

  function sources(hazards) {
    var list = document.getElementById('hazard-sources');
    list.textContent = '';
    hazards.forEach(function (h) {
      var item = el('li', null, words.source
        .replace('{hazard}', h.raster.name || h.kind)
        .replace('{date}', core.fmtDate(h.raster.as_of))
        .replace('{threshold}', core.fmtNum(h.threshold))
        .replace('{unit}', h.raster.unit || ''));
      if (h.raster.provenance === 'illustrative' || h.raster.provenance === 'approximate') {
        item.appendChild(document.createTextNode(' '));
        item.appendChild(el('span', 'badge text-bg-' + (h.raster.provenance === 'illustrative' ? 'info' : 'warning'),
          words[h.raster.provenance]));
      }
      list.appendChild(item);
    });
  }

  function load() {
    var address = core.url(root.dataset.api, '', { as_of: root.dataset.asOf });
    document.getElementById('hazard-csv').href = core.url(root.dataset.api, '', { as_of: root.dataset.asOf, format: 'csv' });
    return core.request('GET', address).then(function (data) {
      root.hidden = !(data.hazards || []).length;
      rows = data.rows || [];
      sources(data.hazards || []);
      draw();
      root.setAttribute('data-loaded', 'true');
    }).catch(function () {
      root.hidden = false;
      table.tBodies[0].textContent = '';
      table.tBodies[0].appendChild(el('tr', null)).appendChild(el('td', 'text-danger', words.failed));
    });
  }

  load();
  document.addEventListener('portal:data-changed', load);
  return { load };
});
