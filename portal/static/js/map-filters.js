/*
 * map-filters.js: the record filters of the main map: show only the incomplete, paused or
 * cancelled records of the visible layers, and download them with the same filters.
 *
 * Portal.filters.create(view) (view: see portal-map.js; uses view.layers once created) returns:
 *   params(spec)          the query parameters of a layer's features request for the ticked
 *                         filters: {status: "paused,cancelled", incomplete: "1"} (statuses
 *                         the layer lacks left out; {} when nothing is ticked)
 *   active()              the ticked filter ids ("incomplete", "paused", "cancelled")
 *   exportUrl(spec, fmt)  the export link of a layer's records with the ticked filters
 *   control               a Leaflet control (a folding panel of checkboxes and the export
 *                         links of the visible layers), to be added to the map
 * Ticked statuses add up (paused or cancelled); "incomplete" narrows them. The choice is kept
 * in the page URL as filter=incomplete,paused,cancelled (read once, when the page opens).
 * The export links follow "map:visible" and "map:options" (date) as well as the checkboxes.
 *
 * UI words:
 *   filter_title          summary of the panel
 *   filter_incomplete, filter_paused, filter_cancelled   the checkboxes
 *   filter_hint           note under the checkboxes: nothing ticked shows every record
 *   filter_download       heading of the export links of the visible layers
 */
window.Portal.define('filters', function (Portal, L) {
  'use strict';

  var { core, draw } = Portal;
  var { el, t } = core;

  var FILTERS = ['incomplete', 'paused', 'cancelled'];
  var STATUSES = ['paused', 'cancelled'];
  var FORMATS = [['csv', 'CSV'], ['xlsx', 'XLSX'], ['geojson', 'GeoJSON']];

  function fromUrl() {
    var value = new URLSearchParams(window.location.search).get('filter') || '';
    return FILTERS.filter(function (id) { return value.split(',').indexOf(id) >= 0; });
  }

  function keepInUrl(ticked) {
    var query = new URLSearchParams(window.location.search);
    if (ticked.length) query.set('filter', ticked.join(',')); else query.delete('filter');
    var text = query.toString().replace(/%2C/g, ',');
    try {
      window.history.replaceState(window.history.state, '', window.location.pathname + (text ? '?' + text : '') + window.location.hash);
    } catch (err) {
      // A page in a sandboxed or srcdoc frame cannot change its URL; the filter still works.
    }
  }

  function create(view) {
    var ticked = fromUrl();
    var links = null;
    // Terrain and hazards (map-terrain.js): its fields join this panel, its query this one's.
    var terrain = view.terrain = Portal.terrain ? Portal.terrain.create(view) : null;

    function params(spec) {
      var out = {};
      var known = ((spec && spec.statuses) || []).map(function (s) { return s.id; });
      var statuses = STATUSES.filter(function (id) { return ticked.indexOf(id) >= 0 && known.indexOf(id) >= 0; });
      if (statuses.length) out.status = statuses.join(',');
      if (ticked.indexOf('incomplete') >= 0) out.incomplete = '1';
      return terrain ? Object.assign(out, terrain.params(spec)) : out;
    }

    function exportUrl(spec, fmt) {
      var query = Object.assign({ format: fmt, as_of: view.get('asOf') }, params(spec));
      return core.url(view.get('api'), '/layers/' + encodeURIComponent(spec.id) + '/export', query);
    }

    function drawLinks() {
      if (!links) return;
      links.textContent = '';
      view.get('visible').map(view.layerSpec).forEach(function (spec) {
        if (!spec || draw.countsOnly(spec) || spec.recordsPublic === false) return;
        var row = el('div', 'portal-filter-export');
        row.setAttribute('data-layer', spec.id);
        row.appendChild(el('span', null, spec.name + ': '));
        FORMATS.forEach(function (pair, i) {
          if (i) row.appendChild(document.createTextNode(' · '));
          var link = el('a', null, pair[1]);
          link.href = exportUrl(spec, pair[0]);
          link.setAttribute('data-format', pair[0]);
          row.appendChild(link);
        });
        links.appendChild(row);
      });
    }

    function changed() {
      keepInUrl(ticked);
      drawLinks();
      if (view.layers) view.layers.reloadVisible(true);
    }

    function fill(box) {
      box.appendChild(el('summary', 'portal-settings-title', t('filter_title')));
      var body = el('div', 'portal-settings-body');
      box.appendChild(body);
      FILTERS.forEach(function (id) {
        var wrap = el('div', 'form-check');
        var input = el('input', 'form-check-input');
        input.type = 'checkbox';
        input.id = 'portal-filter-' + id;
        input.value = id;
        input.checked = ticked.indexOf(id) >= 0;
        var label = el('label', 'form-check-label', t('filter_' + id));
        label.htmlFor = input.id;
        input.addEventListener('change', function () {
          ticked = FILTERS.filter(function (f) {
            return f === id ? input.checked : ticked.indexOf(f) >= 0;
          });
          changed();
        });
        wrap.appendChild(input);
        wrap.appendChild(label);
        body.appendChild(wrap);
      });
      if (terrain) terrain.fill(body, changed);
      body.appendChild(el('div', 'form-text', t('filter_hint')));
      body.appendChild(el('div', 'portal-settings-field form-label', t('filter_download')));
      links = el('div', 'portal-filter-exports small');
      body.appendChild(links);
      drawLinks();
    }

    var Panel = L.Control.extend({
      options: { position: 'topright' },
      onAdd: function () {
        var box = el('details', 'leaflet-control portal-settings portal-filters');
        box.open = (ticked.length > 0 || (terrain && terrain.active())) && view.mapWidth() >= 900;
        core.stopMapEvents(box);
        fill(box);
        return box;
      }
    });

    core.on('map:visible', drawLinks);
    core.on('map:options', drawLinks);

    return {
      params,
      active: function () { return ticked.slice(); },
      exportUrl,
      control: new Panel()
    };
  }

  return { create };
});
