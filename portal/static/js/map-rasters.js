/*
 * map-rasters.js: the raster layers (elevation, population, flood depth ...) as map overlays.
 *
 * The map builder (portal/web/mapbuilder.py) calls PortalRasters.init(map, config) after
 * PortalMap.init; config: { api, strings }. The rasters current on the map's date come from
 * GET {api}/rasters?as_of= (the date the user picked, else the latest of each kind); each is a
 * PNG tile layer (its tile URL template, bounded to its box so no tile outside it is asked
 * for) added to the map's layer list, off by default. A panel (bottom left) shows, for each
 * raster switched on, its name, colour ramp with the lowest and highest values and the unit,
 * its provenance badge ("approximate" and "illustrative" said in words) and an opacity slider.
 * When the date changes ("map:options"), each kind switches to the raster current on that day,
 * staying on if the user switched it on (also across a day that has none of it).
 *
 * The layer list is the one map-controls.js builds: this file notes every L.Control.Layers
 * made on the page (an init hook) and adds its overlays to the one on this map. Every value from
 * the API reaches the page through textContent or DOM properties; the layer list's label is
 * escaped text (Leaflet writes it with innerHTML).
 *
 * UI words (config.strings): raster_panel (the panel's title), raster_opacity (the slider's
 * label), raster_official, raster_approximate, raster_illustrative (badges),
 * raster_note_approximate, raster_note_illustrative (what a badge means), raster_layer_suffix.
 *
 * PortalRasters.state (browser tests): rasters (the list shown), layers (id -> tile layer),
 * loads (finished loads).
 */
window.Portal.define('rasters', function (Portal, L) {
  'use strict';

  var core = Portal.core;
  var { el, t } = core;
  var PANE = 'portal-rasters';
  var BADGES = { official: 'text-bg-success', approximate: 'text-bg-warning', illustrative: 'text-bg-secondary' };
  var controls = [];

  if (L && L.Control && L.Control.Layers) {
    L.Control.Layers.addInitHook(function () { controls.push(this); });
  }

  var state = { rasters: [], layers: {}, loads: 0 };

  function layerList(map) {
    for (var i = controls.length - 1; i >= 0; i--) {
      if (controls[i]._map === map) return controls[i];
    }
    return null;
  }

  function colours(raster) {
    return (raster.legend || []).map(function (stop) { return core.safeColor(stop.color, '#888888'); });
  }

  // Leaflet writes overlay names with innerHTML: escaped text and checked colours only.
  function label(raster) {
    var ramp = colours(raster);
    var fill = ramp.length ? ' style="background:linear-gradient(to right,' + ramp.join(',') + ')"' : '';
    return '<span class="portal-layer-swatch portal-raster-swatch"' + fill + '></span><span class="portal-layer-name">' +
      core.escapeHtml(raster.name) + '</span>';
  }

  function ramp(raster) {
    var bar = el('div', 'raster-ramp');
    var ramp = colours(raster);
    if (ramp.length) bar.style.background = 'linear-gradient(to right, ' + ramp.join(', ') + ')';
    bar.setAttribute('aria-hidden', 'true');
    return bar;
  }

  function ends(raster) {
    var row = el('div', 'portal-raster-ends');
    var stops = raster.legend || [];
    var unit = raster.unit ? ' ' + raster.unit : '';
    row.appendChild(el('span', 'portal-raster-min', stops.length ? core.fmtNum(stops[0].value) + unit : ''));
    row.appendChild(el('span', 'portal-raster-max', stops.length ? core.fmtNum(stops[stops.length - 1].value) + unit : ''));
    return row;
  }

  function entry(raster, layer) {
    var box = el('div', 'portal-raster');
    box.setAttribute('data-raster', String(raster.id));
    var head = el('div');
    head.appendChild(el('span', 'portal-raster-name', raster.name + ' '));
    head.appendChild(el('span', 'badge ' + (BADGES[raster.provenance] || 'text-bg-light'), t('raster_' + raster.provenance)));
    box.appendChild(head);
    if (raster.provenance !== 'official') {
      box.appendChild(el('div', 'portal-raster-note', t('raster_note_' + raster.provenance)));
    }
    if ((raster.legend || []).length) {
      box.appendChild(ramp(raster));
      box.appendChild(ends(raster));
    }
    var slider = el('input');
    slider.type = 'range';
    slider.min = '0';
    slider.max = '100';
    slider.value = String(Math.round(layer.options.opacity * 100));
    slider.id = 'portal-raster-opacity-' + raster.id;
    var name = el('label', 'form-label small mb-0', t('raster_opacity'));
    name.htmlFor = slider.id;
    slider.addEventListener('input', function () { layer.setOpacity(Number(slider.value) / 100); });
    box.appendChild(name);
    box.appendChild(slider);
    return box;
  }

  function create(map, config) {
    var list = layerList(map);
    var panelBody = null;
    var panelBox = null;
    var lastDate;

    var Panel = L.Control.extend({
      options: { position: 'bottomleft' },
      onAdd: function () {
        panelBox = el('details', 'leaflet-control portal-rasters');
        panelBox.open = true;
        panelBox.appendChild(el('summary', null, t('raster_panel')));
        panelBody = el('div', 'portal-rasters-body');
        panelBox.appendChild(panelBody);
        core.stopMapEvents(panelBox);
        return panelBox;
      }
    });
    new Panel().addTo(map);

    function redrawPanel() {
      panelBody.replaceChildren();
      var shown = state.rasters.filter(function (r) { return map.hasLayer(state.layers[r.id]); });
      shown.forEach(function (r) { panelBody.appendChild(entry(r, state.layers[r.id])); });
      panelBox.hidden = shown.length === 0;
    }

    function tileLayer(raster) {
      var b = raster.bounds;
      var layer = L.tileLayer(raster.tiles, {
        pane: PANE,
        opacity: (raster.style && raster.style.opacity) || 0.7,
        bounds: L.latLngBounds([b[1], b[0]], [b[3], b[2]]),
        maxZoom: 22,
        attribution: raster.source ? core.escapeHtml(raster.source) : ''
      });
      layer.portalRaster = raster.id;
      layer.portalKind = raster.kind;
      return layer;
    }

    // Kinds the user switched on: a kind stays on across dates, even through a day without it.
    var onKinds = {};
    var switching = false;

    function show(rasters) {
      switching = true;
      state.rasters.forEach(function (r) {
        var layer = state.layers[r.id];
        if (list) list.removeLayer(layer);
        map.removeLayer(layer);
      });
      state.layers = {};
      state.rasters = rasters;
      rasters.forEach(function (r) {
        var layer = state.layers[r.id] = tileLayer(r);
        if (list) list.addOverlay(layer, label(r));
        if (onKinds[r.kind]) layer.addTo(map);
      });
      switching = false;
      redrawPanel();
    }

    function load() {
      var day = Portal.map && Portal.map.option('asOf');
      if (day === lastDate) return Promise.resolve();
      lastDate = day;
      return core.request('GET', core.url(config.api || '/api', '/rasters', { as_of: day }), { key: 'rasters' })
        .then(function (answer) { show(answer.rasters || []); })
        .catch(function (err) { if (!err || err.name !== 'AbortError') state.failures = (state.failures || []).concat(String(err && err.message)); })
        .then(function () { state.loads += 1; });
    }

    map.on('overlayadd overlayremove', function (e) {
      if (!e.layer || !e.layer.portalRaster || switching) return;
      onKinds[e.layer.portalKind] = e.type === 'overlayadd';
      redrawPanel();
    });
    core.on('map:options', load);
    return load();
  }

  function init(map, config) {
    var pane = map.getPane(PANE) || map.createPane(PANE);
    // Above the areas' colours (390), under the labels, shapes and points; clicks pass through.
    pane.style.zIndex = '395';
    pane.style.pointerEvents = 'none';
    core.configure({ strings: (config && config.strings) || {} });
    state.ready = create(map, config || {});
    return state;
  }

  var PortalRasters = { init, state };
  window.PortalRasters = PortalRasters;
  return PortalRasters;
});
