/*
 * portal-map.js: the map client of the Lạng Sơn project portal.
 *
 * Plain ES2017, no build step, no request to any host but the page's own. The folium page calls
 * PortalMap.init(leafletMap, config) once; the client then fetches boundaries, progress and
 * records from the JSON API (config.api) and draws them. Loaded after portal-core.js and the map
 * feature files (map-draw, map-popups, map-areas, map-layers, map-search, map-controls), whose
 * parts it starts and wires together. The base map, when one is configured, is a tile layer the
 * server-side map builder adds (portal/web/mapbuilder.py); this file only notices whether there
 * is one.
 *
 * Every value from the API or the config reaches the page through textContent or a DOM
 * property, never innerHTML (see map-controls.js for the one escaped HTML string).
 *
 * UI words come only from config.strings (Portal.core.t); each feature file lists the keys it
 * uses. Here: close (accessible name of close buttons), error_generic (a request failed without
 * a message).
 *
 * Portal.map (also window.PortalMap), for the page and the other features (portal-edit.js):
 *   init(map, config)     starts the client on a Leaflet map; returns the debug state
 *   whenReady()           a Promise resolved once the first drawing is done (null before init)
 *   option(name)          a view option: locale, api, asOf (the date the user picked, else
 *                         null: the latest data), dataDate (the date of the data shown), level,
 *                         progressLayer, visible, area, layers, levels, labelLayers, pageUrl
 *                         (this page's own path), areaPageUrl
 *   layerSpec(id)         the catalogue entry of a layer (config.layers), or null
 *   group(id)             the Leaflet feature group that draws a layer's records
 *   areas()               the drawn areas' interface (map-areas.js: paint, unpaint, ...), null
 *                         before init
 *   refresh()             redraws areas and records (after an edit); the map also does so on
 *                         every "portal:data-changed" document event (see portal-core.js)
 *   state                 read-only view for the browser tests and debugging: map, loaded,
 *                         drawn, records, renderer, tiles, errors, failures; no portal file
 *                         reads it
 *
 * The map features receive `view`, built here: view.map; view.get(name) (as option);
 * view.layerSpec(id), view.levelSpec(id); view.api(key, path, params) (a GET of the JSON API,
 * aborting the previous one under key); view.report(err) (shows a failure over the map);
 * view.mapWidth(); view.setProgressLayer(id), view.setLevel(id) (-> Promise of the reloads),
 * view.setAsOf(iso), view.setArea(code); view.popups, view.labels, view.areas, view.layers,
 * view.filters (their interfaces, once created). Events (Portal.core.on): "map:options" after an
 * option changed,
 * "map:visible" after the visible layers changed, "map:areas" after the areas were drawn,
 * "map:ready" once the first drawing is done.
 */
window.Portal.define('map', function (Portal, L) {
  'use strict';

  var core = Portal.core;
  var { el, t } = core;

  // The wait after a pan or zoom before the records in view are asked for again: short, so new
  // data is drawn within 200 ms; a newer request cancels the one still under way.
  var RELOAD_DELAY_MS = 80;
  var DATA_CHANGED = 'portal:data-changed';
  var PANES = { 'portal-areas': 390, 'portal-labels': 410, 'portal-shapes': 420, 'portal-points': 450 };

  var config = null;
  var view = null;
  var state = null;
  var alertBox = null;
  var urlReady = false;

  function find(list, id) {
    for (var i = 0; i < (list || []).length; i++) if (list[i].id === id) return list[i];
    return null;
  }

  function option(name) {
    if (!config) return undefined;
    var value = config[name];
    return Array.isArray(value) ? value.slice() : value;
  }

  function layerSpec(id) {
    return config ? find(config.layers, id) : null;
  }

  function levelSpec(id) {
    return config ? find(config.levels, id) : null;
  }

  // ---------------------------------------------------------------- errors

  function showAlert(message) {
    var existing = alertBox.querySelectorAll('.portal-alert-text');
    for (var i = 0; i < existing.length; i++) {
      if (existing[i].textContent === message) return;
    }
    state.errors.push(message);
    var alert = el('div', 'alert alert-warning alert-dismissible portal-alert');
    alert.setAttribute('role', 'alert');
    alert.appendChild(el('span', 'portal-alert-text', message));
    var close = el('button', 'btn-close');
    close.type = 'button';
    close.setAttribute('aria-label', t('close'));
    close.addEventListener('click', function () { alert.remove(); });
    alert.appendChild(close);
    alertBox.appendChild(alert);
    while (alertBox.children.length > 3) alertBox.removeChild(alertBox.firstChild);
  }

  function report(err) {
    if (err && err.name === 'AbortError') return;
    state.failures.push(err && err.message ? String(err.message) : String(err));
    showAlert(err instanceof core.ApiError ? err.message : t('error_generic'));
  }

  function api(key, path, params) {
    return core.request('GET', core.url(config.api, path, params), { key });
  }

  // ---------------------------------------------------------------- view options and URL

  function updateUrl() {
    if (!urlReady) return;
    var map = view.map;
    var center = map.getCenter();
    var query = new URLSearchParams(window.location.search);
    var set = function (key, value) {
      if (value === null || value === undefined || value === '') query.delete(key); else query.set(key, value);
    };
    set('layer', config.progressLayer);
    set('level', config.level);
    // Only a date the user picked is written: without one the page follows the latest data.
    set('as_of', config.asOf);
    // Always present: an empty show= means "no layer", not "the default layers".
    query.set('show', config.visible.join(','));
    set('area', config.area);
    set('lat', center.lat.toFixed(5));
    set('lon', center.lng.toFixed(5));
    set('z', String(Math.round(map.getZoom() * 100) / 100));
    var text = query.toString().replace(/%2C/g, ',');
    var path = config.pageUrl || window.location.pathname;
    try {
      window.history.replaceState(window.history.state, '', path + (text ? '?' + text : '') + window.location.hash);
    } catch (err) {
      // A page in a sandboxed or srcdoc frame cannot change its URL; the map still works.
    }
  }

  function viewFromUrl() {
    var query = new URLSearchParams(window.location.search);
    var lat = parseFloat(query.get('lat'));
    var lon = parseFloat(query.get('lon'));
    var z = parseFloat(query.get('z'));
    if (!isFinite(lat) || !isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
    return { center: L.latLng(lat, lon), zoom: isFinite(z) ? z : null };
  }

  function changed() {
    core.emit('map:options');
    updateUrl();
  }

  function reloadAll() {
    return Promise.all([view.areas.load().catch(report), view.layers.reloadVisible(false)]);
  }

  function reloadForLevel() {
    var counts = config.visible.filter(function (id) {
      var spec = layerSpec(id);
      return spec && Portal.draw.countsOnly(spec);
    });
    return Promise.all([view.areas.load().catch(report)].concat(counts.map(view.layers.reload)));
  }

  function setProgressLayer(id) {
    config.progressLayer = id;
    view.areas.load().catch(report);
    changed();
  }

  function setLevel(id) {
    config.level = id;
    config.area = null;
    var loaded = reloadForLevel();
    changed();
    return loaded;
  }

  function setAsOf(iso) {
    config.asOf = iso || null;
    reloadAll();
    changed();
  }

  function setArea(code) {
    config.area = code || null;
    updateUrl();
  }

  function onOverlayChange(e) {
    var id = e.layer && e.layer.portalLayerId;
    if (!id || !layerSpec(id)) {
      updateUrl();
      return;
    }
    var visible = config.visible;
    var at = visible.indexOf(id);
    if (e.type === 'overlayadd' && at < 0) {
      visible.push(id);
      view.layers.reload(id);
    } else if (e.type === 'overlayremove' && at >= 0) {
      visible.splice(at, 1);
      view.layers.hide(id);
    }
    // Keep the catalogue's order so that shared links are stable.
    config.visible = config.layers.map(function (s) { return s.id; }).filter(function (lid) {
      return visible.indexOf(lid) >= 0;
    });
    core.emit('map:visible');
    updateUrl();
  }

  // ---------------------------------------------------------------- init

  function normaliseConfig(input) {
    var c = Object.assign({}, input);
    c.layers = Array.isArray(c.layers) ? c.layers : [];
    c.levels = Array.isArray(c.levels) ? c.levels : [];
    c.strings = c.strings || {};
    c.api = c.api || '/api';
    c.level = c.level || (c.levels[0] && c.levels[0].id) || 'commune';
    c.progressLayer = c.progressLayer || (c.layers[0] && c.layers[0].id) || null;
    var known = c.layers.map(function (s) { return s.id; });
    c.visible = (Array.isArray(c.visible) ? c.visible : []).filter(function (id) { return known.indexOf(id) >= 0; });
    c.area = c.area || null;
    // The date of the data shown; asOf only when the page was asked for a date (else null:
    // requests leave it out and get the latest data).
    c.dataDate = c.asOf || null;
    c.asOf = c.asOfChosen ? c.asOf : null;
    c.labelLayers = Array.isArray(c.labelLayers) ? c.labelLayers : [];
    return c;
  }

  function setupPanes(map) {
    Object.keys(PANES).forEach(function (name) {
      var pane = map.getPane(name) || map.createPane(name);
      pane.style.zIndex = String(PANES[name]);
    });
    map.getPane('portal-labels').style.pointerEvents = 'none';
  }

  // The first view: from the link, else the chosen area's or the province's box as the server
  // knows it (so records load alongside the boundaries); false when neither is known.
  function firstView(map, fromUrl) {
    if (fromUrl) return true;
    var known = config.bounds || {};
    var box = known.area || (config.area ? null : known.all);
    if (!box) return false;
    map.fitBounds(box, { maxZoom: known.area ? 13 : 11, padding: [10, 10], animate: false });
    return true;
  }

  function viewFromAreas(map) {
    var selected = view.areas.bounds(config.area);
    var bounds = selected || view.areas.bounds();
    if (bounds.isValid()) map.fitBounds(bounds, { maxZoom: selected ? 13 : 11, padding: [10, 10], animate: false });
  }

  function init(map, input) {
    var resolveReady;
    var ready = new Promise(function (resolve) { resolveReady = resolve; });
    config = normaliseConfig(input || {});
    core.configure({ locale: config.locale, strings: config.strings });
    view = {
      map,
      get: option,
      layerSpec,
      levelSpec,
      api,
      report,
      mapWidth: function () { return map.getSize().x; },
      setProgressLayer,
      setLevel,
      setAsOf,
      setArea
    };
    state = { map, config, errors: [], failures: [], loaded: false, ready };
    PortalMap.state = state;

    var container = map.getContainer();
    container.classList.add('portal-map');
    // Offline (no tiles): a light land colour keeps the map readable without a base map.
    var hasTiles = false;
    map.eachLayer(function (layer) { if (layer instanceof L.GridLayer) hasTiles = true; });
    container.classList.toggle('portal-map-offline', !hasTiles);

    setupPanes(map);
    alertBox = el('div', 'portal-alerts');
    alertBox.setAttribute('aria-live', 'polite');
    container.appendChild(alertBox);
    core.stopMapEvents(alertBox);

    view.filters = Portal.filters ? Portal.filters.create(view) : null;
    view.popups = Portal.popups.create(view);
    view.labels = Portal.labels.create(view);
    view.areas = Portal.areas.create(view);
    view.tiles = Portal.tiles ? Portal.tiles.create(view) : null;
    view.layers = Portal.layers.create(view);
    var stats = view.layers.stats();
    state.drawn = stats.drawn;
    state.records = stats.records;
    state.renderer = stats.renderer;
    state.tiles = view.tiles;

    var controls = Portal.controls.create(view);
    Portal.search.create(view).addTo(map);
    controls.layerList.addTo(map);
    controls.settings.addTo(map);
    if (view.filters) view.filters.control.addTo(map);
    controls.legend.addTo(map);
    controls.updateLegend();

    var fromUrl = viewFromUrl();
    if (fromUrl) map.setView(fromUrl.center, fromUrl.zoom === null ? map.getZoom() : fromUrl.zoom, { animate: false });

    map.on('overlayadd overlayremove', onOverlayChange);
    var scheduleReload = core.debounce(function () { view.layers.reloadVisible(true); }, RELOAD_DELAY_MS);

    // Records and boundaries at once when the first view is known; else the view is fitted to
    // the boundaries before the layers ask for their bbox.
    var fitted = firstView(map, fromUrl);
    var areasLoaded = view.areas.load().catch(report).then(function () {
      if (!fitted) viewFromAreas(map);
    });
    var layersLoaded = fitted ? view.layers.reloadVisible(false)
      : areasLoaded.then(function () { return view.layers.reloadVisible(false); });
    Promise.all([areasLoaded, layersLoaded]).catch(report).then(function () {
      urlReady = true;
      updateUrl();
      map.on('moveend', function () { updateUrl(); scheduleReload(); });
      state.loaded = true;
      container.setAttribute('data-portal-loaded', 'true');
      resolveReady(state);
      core.emit('map:ready');
    });
    document.addEventListener(DATA_CHANGED, function () { refreshSoon(); });
    return state;
  }

  // One redraw for the calls of one task (the event of a save and the editor's own refresh).
  var pendingRefresh = null;
  function refreshSoon() {
    if (!view) return null;
    if (!pendingRefresh) {
      pendingRefresh = new Promise(function (resolve) {
        setTimeout(function () {
          pendingRefresh = null;
          resolve(reloadAll());
        }, 0);
      });
    }
    return pendingRefresh;
  }

  var PortalMap = {
    init,
    whenReady: function () { return state ? state.ready : null; },
    option,
    layerSpec,
    group: function (id) { return view ? view.layers.group(id) : null; },
    areas: function () { return view ? view.areas : null; },
    refresh: refreshSoon,
    state: null
  };
  window.PortalMap = PortalMap;
  return PortalMap;
});
