/*
 * raster-zonal.js: the planning page's "figures per area from a raster" section
 * (templates/_raster_zonal.html).
 *
 * Portal.rasterZonal (after portal-core.js; the map client is optional):
 *   load()            asks /api/rasters/<id>/zonal for the chosen raster, level and threshold,
 *                     then fills the table, the download links and the map's colours
 *   colour(figure)    colours the map's areas by one figure of the table (null: the map's own
 *                     progress colours again)
 * The rasters offered are those /api/rasters?as_of= lists for the page's date (the latest of
 * each kind; public ones to visitors). The table sorts by any column (a click on its header; numbers in the reader's
 * language through Portal.core.fmtNum). The map's areas are coloured through map-areas.js
 * (Portal.map.areas().paint / unpaint) in five quantile classes of Portal.draw's colours,
 * again when the map redraws ("map:areas"), and given back their progress colours when the
 * choice is cleared. Areas without data take the "no target" grey.
 *
 * UI words: the data-t-* attributes of #raster-zonal.
 */
window.Portal.define('rasterZonal', function (Portal) {
  'use strict';

  var root = document.getElementById('raster-zonal');
  if (!root || !Portal.core) return {};
  var core = Portal.core;
  var words = core.dataStrings(root);
  var form = document.getElementById('zonal-form');
  var pick = document.getElementById('zonal-raster');
  var levelPick = document.getElementById('zonal-level');
  var thresholdField = document.getElementById('zonal-threshold');
  var abovePick = document.getElementById('zonal-above');
  var figurePick = document.getElementById('zonal-figure');
  var table = document.getElementById('zonal-table');
  var legend = document.getElementById('zonal-legend');
  var note = document.getElementById('zonal-note');
  var downloads = document.getElementById('zonal-downloads');
  var api = root.dataset.api.replace(/\/rasters$/, '');
  var LABELS = {
    mean: words.mean, sum: words.sum, min: words.min, max: words.max, cells: words.cells,
    covered_km2: words.covered, covered_share: words.covered_share, area_km2: words.area_km2,
    share: words.share, share_km2: words.share_km2, records: words.records,
    population: words.population, per_1000: words.per1000
  };
  var SHARES = { covered_share: true, share: true };
  var answer = null;
  var sortKey = null;
  var sortDown = true;

  function word(key) { return words[key] || key; }

  function shown(column, value) {
    if (value === null || value === undefined) return '–';
    if (SHARES[column]) return core.fmtPercent(100 * value);
    return core.fmtNum(Math.abs(value) >= 100 ? Math.round(value) : Math.round(value * 100) / 100);
  }

  function query(format) {
    var params = { level: levelPick.value, as_of: root.dataset.asOf, layer: root.dataset.layer };
    if (thresholdField.value.trim()) {
      params.threshold = thresholdField.value.trim();
      params.above = abovePick.value;
    }
    if (format) params.format = format;
    return core.url(api, '/rasters/' + pick.value + '/zonal', params);
  }

  function mapLevel() {
    return Portal.map && Portal.map.option ? Portal.map.option('level') : null;
  }

  function areas() {
    return Portal.map && Portal.map.areas ? Portal.map.areas() : null;
  }

  function restore() {
    if (areas()) areas().unpaint();
    legend.textContent = '';
  }

  // Five quantile classes; when many areas share a value (0 % or 100 % of steep land) and
  // the quantiles collapse, five equal steps from the lowest to the highest value instead.
  function breaks(values) {
    var sorted = values.slice().sort(function (a, b) { return a - b; });
    var low = sorted[0], high = sorted[sorted.length - 1];
    var steps = [0.2, 0.4, 0.6, 0.8];
    var limits = [];
    steps.forEach(function (q) {
      var limit = sorted[Math.floor(q * (sorted.length - 1))];
      if (limit > low && limit < high && limits.indexOf(limit) < 0) limits.push(limit);
    });
    if (limits.length < steps.length && high > low) {
      limits = steps.map(function (q) { return low + q * (high - low); });
    }
    return limits;
  }

  function colour(figure) {
    restore();
    note.hidden = true;
    if (!answer || !figure) return;
    if (mapLevel() && mapLevel() !== answer.level) {
      note.textContent = word('other_level');
      note.hidden = false;
      return;
    }
    var values = answer.rows.map(function (r) { return r[figure]; }).filter(core.isNum);
    if (!values.length) return;
    var limits = breaks(values);
    var colours = (Portal.draw && Portal.draw.colors.classes) || ['#f2f9b8', '#c2e699', '#78c679', '#31a354', '#006837'];
    // n classes take n of the five colours, evenly spread from the lightest to the darkest.
    var last = colours.length - 1;
    var palette = limits.map(function (_, i) { return colours[Math.round(i * last / limits.length)]; })
      .concat([colours[last]]);
    function classOf(value) {
      var cls = 0;
      while (cls < limits.length && value > limits[cls]) cls += 1;
      return cls;
    }
    var fills = {};
    answer.rows.forEach(function (r) { if (core.isNum(r[figure])) fills[r.code] = palette[classOf(r[figure])]; });
    if (areas()) areas().paint(fills);
    palette.forEach(function (fill, i) {
      var item = core.el('li', 'list-inline-item');
      var swatch = core.el('span', 'swatch me-1');
      swatch.style.background = fill;
      item.appendChild(swatch);
      var text = !limits.length ? shown(figure, values[0])
        : i === 0 ? '≤ ' + shown(figure, limits[0]) : '> ' + shown(figure, limits[i - 1]);
      item.appendChild(document.createTextNode(text));
      legend.appendChild(item);
    });
  }

  function sortRows(rows) {
    if (!sortKey) return rows;
    return rows.slice().sort(function (a, b) {
      var x = a[sortKey], y = b[sortKey];
      if (x === y) return 0;
      if (x === null || x === undefined) return 1;  // no data last, whatever the order
      if (y === null || y === undefined) return -1;
      var order = typeof x === 'string' ? x.localeCompare(y, core.locale()) : x - y;
      return sortDown ? -order : order;
    });
  }

  function header(key, text) {
    var th = core.el('th', key === 'name' ? null : 'text-end');
    th.scope = 'col';
    th.setAttribute('aria-sort', sortKey === key ? (sortDown ? 'descending' : 'ascending') : 'none');
    th.appendChild(core.button(text + (sortKey === key ? (sortDown ? ' ▼' : ' ▲') : ''),
      'btn btn-link btn-sm p-0 text-reset fw-semibold text-decoration-none', function () {
        sortDown = sortKey === key ? !sortDown : key !== 'name';
        sortKey = key;
        drawTable();
      }));
    return th;
  }

  function drawTable() {
    var head = table.tHead;
    var body = table.tBodies[0];
    head.textContent = '';
    body.textContent = '';
    if (!answer) return;
    var row = head.insertRow();
    row.appendChild(header('name', word('area')));
    answer.columns.forEach(function (c) { row.appendChild(header(c, LABELS[c] || c)); });
    sortRows(answer.rows).forEach(function (r) {
      var tr = body.insertRow();
      tr.dataset.code = r.code;
      tr.appendChild(core.el('td', null, r.name));
      answer.columns.forEach(function (c) { tr.appendChild(core.el('td', 'text-end text-nowrap', shown(c, r[c]))); });
      tr.addEventListener('mouseenter', function () { send('portal:area-hover', r.code); });
      tr.addEventListener('mouseleave', function () { send('portal:area-hover', null); });
    });
  }

  function send(name, code) {
    document.dispatchEvent(new CustomEvent(name, { detail: { code } }));
  }

  function describe() {
    var raster = answer.raster;
    var provenance = { illustrative: word('illustrative'), official: word('official'),
      approximate: word('approximate_raster') }[raster.provenance] || raster.provenance;
    var text = word('source').replace('{name}', core.locale() === 'en' ? raster.name_en : raster.name_vi)
      .replace('{date}', core.fmtDate(raster.as_of)).replace('{provenance}', provenance)
      .replace('{unit}', raster.unit || '–');
    if (answer.boundaries.approximate) text += ' ' + word('approximate');
    document.getElementById('zonal-source').textContent = text;
  }

  function figures() {
    var current = figurePick.value;
    figurePick.textContent = '';
    answer.columns.forEach(function (c) {
      core.option(figurePick, c, LABELS[c] || c, c === current || (!current && c === 'mean'));
    });
  }

  async function load() {
    if (!pick.value) return;
    try {
      answer = await core.request('GET', query(), { key: 'raster-zonal', fallback: word('failed') });
    } catch (err) {
      if (err && err.name === 'AbortError') return;
      answer = null;
      drawTable();
      document.getElementById('zonal-source').textContent = (err && err.message) || word('failed');
      return;
    }
    figures();
    describe();
    drawTable();
    document.getElementById('zonal-csv').href = query('csv');
    document.getElementById('zonal-xlsx').href = query('xlsx');
    downloads.hidden = false;
    colour(figurePick.value);
  }

  async function start() {
    var listed;
    try {
      listed = await core.request('GET', core.url(root.dataset.api, '', { as_of: root.dataset.asOf }));
    } catch (err) {
      return;
    }
    root.hidden = false;
    if (!listed.rasters.length) {
      document.getElementById('zonal-source').textContent = word('none');
      form.hidden = true;
      return;
    }
    listed.rasters.forEach(function (r, i) {
      core.option(pick, String(r.id), (core.locale() === 'en' ? r.names.en : r.names.vi) + ' (' + core.fmtDate(r.asOf) + ')', i === 0);
    });
    load();
  }

  form.addEventListener('submit', function (e) { e.preventDefault(); load(); });
  pick.addEventListener('change', load);
  levelPick.addEventListener('change', load);
  figurePick.addEventListener('change', function () { colour(figurePick.value); });
  core.on('map:areas', function () { colour(figurePick.value); });
  start();

  return { load, colour };
});
