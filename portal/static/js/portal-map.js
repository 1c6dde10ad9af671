/*
 * portal-map.js: the map client of the Lạng Sơn project portal.
 *
 * Plain ES2017, no build step, no request to any host but the page's own. The folium page calls
 * PortalMap.init(leafletMap, config) once; this file then fetches boundaries, progress and
 * records from the JSON API (config.api) and draws them.
 *
 * Every value from the API or the config reaches the page through textContent or a DOM
 * property, never innerHTML, so "<img src=x onerror=alert(1)>" shows as text. The one HTML
 * string is the overlay name of L.control.layers (Leaflet sets it with innerHTML): it is built
 * by layerControlLabel() from escaped text.
 *
 * UI words come only from config.strings; a missing key shows the key itself. Keys used
 * ("{name}" is replaced by a value):
 *   boundaries            overlay name of the administrative boundaries
 *   legend_progress       legend subtitle: what the colours mean
 *   legend_as_of          "… {date}": the date the figures are for
 *   legend_no_target      class of areas without a target
 *   legend_lagging        outline of areas behind schedule
 *   legend_statuses       heading of the status colours of the visible layers
 *   legend_toggle         accessible name of the legend's show/hide summary
 *   badge_approximate     badge: the boundaries are approximate
 *   badge_approximate_title  longer explanation of that badge (title attribute)
 *   badge_illustrative    badge: the figures are illustrative
 *   illustrative_note     note in a popup of an illustrative record or layer
 *   badge_lagging         badge in an area popup
 *   count                 number of records
 *   done                  number done
 *   target                target
 *   done_of_target        label of "done / target"
 *   percent               percent done
 *   expected_percent      percent expected by the as-of date
 *   area_page_link        link from an area popup to the area page
 *   no_target             value shown when an area has no target
 *   counts_only_note      popup note for a layer shown only as per-area counts
 *   status                label of a record's status
 *   progress              label of a record's progress bar
 *   commune               label of the (2025) commune of a record
 *   district              label of the (pre-2025) district of a record
 *   record_id             label of a record's id
 *   yes, no               boolean field values
 *   cluster_title         "{count} … {done} …": title of a cluster bubble (click zooms in)
 *   search_label          accessible name of the search box
 *   search_placeholder    placeholder of the search box
 *   search_no_results     shown when a search finds nothing
 *   search_kind_area      kind of a search result: an area
 *   search_kind_feature   kind of a search result: a record
 *   settings_title        heading of the map options panel
 *   settings_layer        label of the choropleth layer select
 *   settings_level        label of the level select
 *   settings_as_of        label of the as-of date input
 *   close                 accessible name of close buttons
 *   error_generic         error shown when a request fails without a message
 */
(function (global) {
  'use strict';

  var L = global.L;

  // Five sequential classes of percent done (ColorBrewer YlGn), then "no target".
  var CLASS_BREAKS = [20, 40, 60, 80];
  var CLASS_COLORS = ['#f2f9b8', '#c2e699', '#78c679', '#31a354', '#006837'];
  var NO_TARGET_COLOR = '#c4c8cc';
  var LAGGING_COLOR = '#c62828';
  var OUTLINE_COLOR = '#4a5560';
  var SELECTED_COLOR = '#1a237e';
  var DEFAULT_COLOR = '#3f6fb5';
  // Above this many points per layer a canvas renderer is used (no DOM node per point).
  var SVG_POINT_LIMIT = 1500;
  var RELOAD_DELAY_MS = 200;
  var SEARCH_DELAY_MS = 250;
  var SEARCH_MIN_CHARS = 2;
  // Area labels appear from this zoom on, per level, so that they do not crowd each other.
  var LABEL_MIN_ZOOM = { province: 0, district: 9, commune: 10 };
  var BOUNDARIES_ID = 'boundaries';

  var state = null;

  // ---------------------------------------------------------------- small helpers

  function t(key, vars) {
    var strings = (state && state.config.strings) || {};
    var text = Object.prototype.hasOwnProperty.call(strings, key) ? String(strings[key]) : key;
    if (vars) {
      Object.keys(vars).forEach(function (name) {
        text = text.split('{' + name + '}').join(String(vars[name]));
      });
    }
    return text;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"'`]/g, function (c) {
      return '&#' + c.charCodeAt(0) + ';';
    });
  }

  function safeColor(value, fallback) {
    var text = String(value || '');
    return /^#[0-9a-f]{3,8}$/i.test(text) || /^[a-z]{3,20}$/i.test(text) ? text : fallback;
  }

  function textColorOn(background) {
    var m = /^#([0-9a-f]{6})$/i.exec(background);
    if (!m) return '#fff';
    var n = parseInt(m[1], 16);
    var lum = 0.299 * (n >> 16) + 0.587 * ((n >> 8) & 255) + 0.114 * (n & 255);
    return lum > 150 ? '#1b1f23' : '#fff';
  }

  function intlLocale() {
    return state.config.locale === 'vi' ? 'vi-VN' : 'en-GB';
  }

  function isNum(value) {
    return typeof value === 'number' && isFinite(value);
  }

  function fmtNum(value) {
    if (typeof value === 'string') return value;  // a hidden small count: "<3"
    return isNum(value) ? new Intl.NumberFormat(intlLocale()).format(value) : '–';
  }

  // A target to show: a number above 0, or a hidden small one.
  function hasTarget(row) {
    return typeof row.target === 'string' || (isNum(row.target) && row.target > 0);
  }

  function fmtPercent(value) {
    if (!isNum(value)) return '–';
    return new Intl.NumberFormat(intlLocale(), { style: 'percent', maximumFractionDigits: 1 })
      .format(value / 100);
  }

  function fmtDate(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(iso || ''));
    if (!m) return String(iso || '');
    var date = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
    return new Intl.DateTimeFormat(intlLocale(), {
      timeZone: 'UTC', year: 'numeric', month: '2-digit', day: '2-digit'
    }).format(date);
  }

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      var args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(null, args); }, ms);
    };
  }

  function layerSpec(id) {
    for (var i = 0; i < state.config.layers.length; i++) {
      if (state.config.layers[i].id === id) return state.config.layers[i];
    }
    return null;
  }

  function levelSpec(id) {
    var levels = state.config.levels || [];
    for (var i = 0; i < levels.length; i++) if (levels[i].id === id) return levels[i];
    return null;
  }

  // A layer whose records are not public is drawn as per-area counts (privacy, DESIGN.md).
  function countsOnly(spec) {
    return spec.recordsPublic === false && spec.canViewRecords !== true;
  }

  function classIndex(row) {
    if (!row || !isNum(row.percent) || !isNum(row.target) || row.target <= 0) return -1;
    var i = 0;
    while (i < CLASS_BREAKS.length && row.percent >= CLASS_BREAKS[i]) i++;
    return i;
  }

  function classLabel(i) {
    if (i === 0) return '< ' + CLASS_BREAKS[0] + ' %';
    if (i === CLASS_BREAKS.length) return '≥ ' + CLASS_BREAKS[i - 1] + ' %';
    return CLASS_BREAKS[i - 1] + '–' + CLASS_BREAKS[i] + ' %';
  }

  // ---------------------------------------------------------------- API and errors

  function ApiError(message, status) {
    this.name = 'ApiError';
    this.message = message;
    this.status = status;
  }
  ApiError.prototype = Object.create(Error.prototype);

  function apiUrl(path, params) {
    var query = new URLSearchParams();
    Object.keys(params || {}).forEach(function (key) {
      var value = params[key];
      if (value !== null && value !== undefined && value !== '') query.set(key, value);
    });
    var text = query.toString().replace(/%2C/g, ',');
    return state.config.api.replace(/\/$/, '') + path + (text ? '?' + text : '');
  }

  // Aborts the previous request under the same key: only the newest answer is drawn.
  async function apiGet(key, path, params) {
    if (state.controllers[key]) state.controllers[key].abort();
    var controller = typeof AbortController === 'function' ? new AbortController() : null;
    state.controllers[key] = controller;
    var response;
    try {
      response = await fetch(apiUrl(path, params), {
        credentials: 'same-origin',
        headers: { Accept: 'application/json' },
        signal: controller ? controller.signal : undefined
      });
    } finally {
      if (state.controllers[key] === controller) delete state.controllers[key];
    }
    var body = null;
    try {
      body = await response.json();
    } catch (err) {
      body = null;
    }
    if (!response.ok || (body && body.ok === false)) {
      var message = body && typeof body.error === 'string' && body.error ? body.error : t('error_generic');
      throw new ApiError(message, response.status);
    }
    return body;
  }

  function isAbort(err) {
    return err && err.name === 'AbortError';
  }

  function report(err) {
    if (isAbort(err)) return;
    state.failures.push(err && err.message ? String(err.message) : String(err));
    showAlert(err instanceof ApiError ? err.message : t('error_generic'));
  }

  function showAlert(message) {
    var box = state.alertBox;
    var existing = box.querySelectorAll('.portal-alert-text');
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
    box.appendChild(alert);
    while (box.children.length > 3) box.removeChild(box.firstChild);
  }

  // ---------------------------------------------------------------- popups (DOM only)

  function badge(text, color, className) {
    var node = el('span', 'portal-badge' + (className ? ' ' + className : ''), text);
    if (color) {
      node.style.backgroundColor = color;
      node.style.color = textColorOn(color);
    }
    return node;
  }

  function progressBar(percent, expected) {
    var bar = el('div', 'portal-progress');
    var value = isNum(percent) ? Math.max(0, Math.min(100, percent)) : 0;
    bar.setAttribute('role', 'progressbar');
    bar.setAttribute('aria-valuemin', '0');
    bar.setAttribute('aria-valuemax', '100');
    bar.setAttribute('aria-valuenow', String(Math.round(value)));
    var fill = el('div', 'portal-progress-bar');
    fill.style.width = value + '%';
    bar.appendChild(fill);
    if (isNum(expected)) {
      var mark = el('div', 'portal-progress-expected');
      mark.style.left = Math.max(0, Math.min(100, expected)) + '%';
      mark.title = t('expected_percent') + ': ' + fmtPercent(expected);
      bar.appendChild(mark);
    }
    return bar;
  }

  function popupShell(title) {
    var root = el('div', 'portal-popup');
    root.appendChild(el('div', 'portal-popup-title', title));
    var table = el('dl', 'portal-popup-fields');
    root.appendChild(table);
    return { root: root, fields: table };
  }

  function addField(fields, label, value) {
    if (value === null || value === undefined || value === '') return;
    fields.appendChild(el('dt', null, label));
    var dd = el('dd');
    if (value instanceof Node) dd.appendChild(value); else dd.textContent = String(value);
    fields.appendChild(dd);
  }

  function fieldValue(field, value) {
    if (value === null || value === undefined || value === '') return null;
    if (field.choices && Object.prototype.hasOwnProperty.call(field.choices, value)) {
      return String(field.choices[value]);
    }
    if (field.type === 'bool' || field.type === 'boolean' || typeof value === 'boolean') {
      return value ? t('yes') : t('no');
    }
    if ((field.type === 'int' || field.type === 'integer' || field.type === 'number' ||
         field.type === 'float') && isNum(value)) {
      return fmtNum(value);
    }
    if (field.type === 'date') return fmtDate(value);
    if (field.type === 'url' && /^https?:\/\//i.test(String(value))) {
      var link = el('a', null, String(value));
      link.href = String(value);
      link.target = '_blank';
      link.rel = 'noopener noreferrer';
      return link;
    }
    return String(value);
  }

  function areaPageHref(level, code) {
    var path = String(state.config.areaPageUrl || '')
      .replace('{level}', encodeURIComponent(level))
      .replace('{code}', encodeURIComponent(code));
    var query = new URLSearchParams();
    query.set('layer', state.config.progressLayer);
    if (state.config.asOf) query.set('as_of', state.config.asOf);
    return path + (path.indexOf('?') >= 0 ? '&' : '?') + query.toString();
  }

  function areaPopup(props, row) {
    var shell = popupShell(props.name);
    if (props.unit_type) shell.root.insertBefore(el('div', 'portal-popup-sub', props.unit_type), shell.fields);
    var spec = layerSpec(state.config.progressLayer);
    if (spec) shell.root.insertBefore(el('div', 'portal-popup-sub', spec.name), shell.fields);
    if (row) {
      addField(shell.fields, t('count'), fmtNum(row.count));
      addField(shell.fields, t('done_of_target'),
        hasTarget(row) ? fmtNum(row.done) + ' / ' + fmtNum(row.target) : t('no_target'));
      if (classIndex(row) >= 0) {
        var wrap = el('div');
        wrap.appendChild(el('span', 'portal-percent', fmtPercent(row.percent)));
        wrap.appendChild(progressBar(row.percent, row.expected_percent));
        addField(shell.fields, t('percent'), wrap);
        addField(shell.fields, t('expected_percent'), fmtPercent(row.expected_percent));
      }
    } else {
      addField(shell.fields, t('percent'), t('no_target'));
    }
    var badges = el('div', 'portal-popup-badges');
    if (row && row.lagging) badges.appendChild(badge(t('badge_lagging'), LAGGING_COLOR, 'badge-lagging'));
    if (props.provenance === 'approximate') {
      var approx = badge(t('badge_approximate'), null, 'badge-approximate');
      approx.title = t('badge_approximate_title');
      badges.appendChild(approx);
    }
    if (spec && spec.illustrative) badges.appendChild(badge(t('badge_illustrative'), null, 'badge-illustrative'));
    if (badges.childNodes.length) shell.root.appendChild(badges);
    if (state.config.areaPageUrl && props.code) {
      var link = el('a', 'portal-popup-link', t('area_page_link'));
      link.href = areaPageHref(props.level || state.config.level, props.code);
      shell.root.appendChild(link);
    }
    return shell.root;
  }

  function featurePopup(spec, props) {
    var shell = popupShell(props.name || props.record_id || props.id || '');
    shell.root.insertBefore(el('div', 'portal-popup-sub', spec.name), shell.fields);
    if (props.status_label || props.status) {
      addField(shell.fields, t('status'),
        badge(props.status_label || props.status, safeColor(props.status_color, DEFAULT_COLOR), 'badge-status'));
    }
    if (isNum(props.progress)) {
      var wrap = el('div');
      wrap.appendChild(el('span', 'portal-percent', fmtPercent(props.progress)));
      wrap.appendChild(progressBar(props.progress, null));
      addField(shell.fields, t('progress'), wrap);
    }
    addField(shell.fields, t('commune'), props.commune_name);
    addField(shell.fields, t('district'), props.district_name);
    (spec.popupFields || []).forEach(function (field) {
      addField(shell.fields, field.label || field.name, fieldValue(field, props[field.name]));
    });
    addField(shell.fields, t('record_id'), props.record_id);
    if (props.illustrative) shell.root.appendChild(el('div', 'portal-popup-note', t('illustrative_note')));
    return shell.root;
  }

  // Feature popups stand alone (not bound to the marker): a reload after the popup's own autopan
  // redraws the layer, and a bound popup would close with its marker.
  function openFeaturePopup(spec, props, latlng) {
    L.popup({ maxWidth: 320, className: 'portal-feature-popup' })
      .setLatLng(latlng)
      .setContent(featurePopup(spec, props))
      .openOn(state.map);
  }

  function countsPopup(spec, props, row) {
    var shell = popupShell(props.name);
    shell.root.insertBefore(el('div', 'portal-popup-sub', spec.name), shell.fields);
    addField(shell.fields, t('count'), fmtNum(row.count));
    addField(shell.fields, t('done'), fmtNum(row.done));
    addField(shell.fields, t('target'), hasTarget(row) ? fmtNum(row.target) : t('no_target'));
    if (row.suppressed) shell.root.appendChild(el('div', 'portal-popup-note', t('suppressed_note')));
    if (classIndex(row) >= 0) addField(shell.fields, t('percent'), progressBar(row.percent, row.expected_percent));
    shell.root.appendChild(el('div', 'portal-popup-note', t('counts_only_note')));
    if (spec.illustrative) shell.root.appendChild(el('div', 'portal-popup-note', t('illustrative_note')));
    return shell.root;
  }

  // ---------------------------------------------------------------- geometry helpers

  function geometryBounds(geometry) {
    var bounds = L.latLngBounds([]);
    (function walk(coords) {
      if (!Array.isArray(coords)) return;
      if (typeof coords[0] === 'number') bounds.extend([coords[1], coords[0]]);
      else coords.forEach(walk);
    })(geometry && geometry.coordinates);
    if (geometry && geometry.type === 'GeometryCollection') {
      (geometry.geometries || []).forEach(function (g) {
        var b = geometryBounds(g);
        if (b.isValid()) bounds.extend(b);
      });
    }
    return bounds;
  }

  function labelPoint(feature) {
    var p = feature.properties || {};
    if (isNum(p.label_lat) && isNum(p.label_lon)) return L.latLng(p.label_lat, p.label_lon);
    var b = geometryBounds(feature.geometry);
    return b.isValid() ? b.getCenter() : null;
  }

  function bboxBounds(bbox) {
    if (!Array.isArray(bbox) || bbox.length < 4 || !bbox.every(isNum)) return null;
    return L.latLngBounds([bbox[1], bbox[0]], [bbox[3], bbox[2]]);
  }

  function setDomData(layer, attrs) {
    function apply() {
      var node = layer.getElement ? layer.getElement() : null;
      if (!node) return;
      Object.keys(attrs).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    }
    // Leaflet makes a new element each time a layer is added back: set the data again.
    layer.on('add', apply);
    apply();
  }

  function bubbleIcon(count, extraClass) {
    var size = !isNum(count) || count < 10 ? 'small' : count < 100 ? 'medium' : 'large';
    var inner = el('div');
    inner.appendChild(el('span', null, fmtNum(count)));
    return L.divIcon({
      html: inner,
      className: 'marker-cluster marker-cluster-' + size + ' ' + extraClass,
      iconSize: L.point(40, 40)
    });
  }

  // ---------------------------------------------------------------- boundaries (choropleth)

  // Boundaries change rarely: one request per level, shared by everyone who needs it.
  function loadAreas(level) {
    if (!state.areas[level]) {
      state.areas[level] = apiGet('areas:' + level, '/areas', { level: level }).catch(function (err) {
        delete state.areas[level];
        throw err;
      });
    }
    return state.areas[level];
  }

  function progressParams(layer) {
    return { layer: layer, level: state.config.level, as_of: state.config.asOf };
  }

  function areaStyle(row, selected) {
    var cls = classIndex(row);
    var lagging = !!(row && row.lagging);
    return {
      color: selected ? SELECTED_COLOR : lagging ? LAGGING_COLOR : OUTLINE_COLOR,
      weight: selected ? 4 : lagging ? 2.5 : 1,
      dashArray: lagging ? '6 4' : null,
      opacity: 1,
      fillColor: cls >= 0 ? CLASS_COLORS[cls] : NO_TARGET_COLOR,
      fillOpacity: 0.72
    };
  }

  async function loadChoropleth() {
    var level = state.config.level;
    var layer = state.config.progressLayer;
    var results = await Promise.all([
      loadAreas(level),
      layer ? apiGet('progress', '/progress', progressParams(layer)) : Promise.resolve([])
    ]);
    drawChoropleth(results[0], results[1] || []);
  }

  function drawChoropleth(fc, rows) {
    var byCode = {};
    rows.forEach(function (row) { byCode[row.code] = row; });
    state.progress = byCode;
    state.areaShapes = {};
    var group = state.groups[BOUNDARIES_ID];
    group.clearLayers();
    var labels = L.featureGroup();
    var approximate = false;
    var shapes = L.geoJSON(fc, {
      renderer: state.renderers.areas,
      style: function (feature) {
        var row = byCode[feature.properties.code];
        var style = areaStyle(row, feature.properties.code === state.config.area);
        var cls = classIndex(row);
        style.className = 'area-shape area-class-' + (cls >= 0 ? cls : 'none') + (row && row.lagging ? ' area-lagging' : '');
        return style;
      },
      onEachFeature: function (feature, shape) {
        var props = feature.properties || {};
        var row = byCode[props.code];
        if (props.provenance === 'approximate') approximate = true;
        state.areaShapes[props.code] = shape;
        setDomData(shape, {
          'data-code': String(props.code),
          'data-level': String(props.level || state.config.level),
          'data-class': String(classIndex(row))
        });
        shape.bindTooltip(function () {
          var tip = el('div', 'portal-area-tip');
          tip.appendChild(el('strong', null, props.name));
          tip.appendChild(el('span', null, ' ' + (classIndex(row) >= 0 ? fmtPercent(row.percent) : t('no_target'))));
          return tip;
        }, { sticky: true, direction: 'top', className: 'portal-tooltip' });
        shape.bindPopup(function () { return areaPopup(props, row); }, { maxWidth: 300 });
        shape.on('click', function () { selectArea(props.code, { fit: false }); });
        var point = labelPoint(feature);
        if (point) {
          labels.addLayer(L.marker(point, {
            pane: 'portal-labels',
            interactive: false,
            keyboard: false,
            icon: L.divIcon({ className: 'area-label', html: el('span', null, props.name), iconSize: null })
          }));
        }
      }
    });
    group.addLayer(shapes);
    group.addLayer(labels);
    state.areaLayer = shapes;
    state.approximate = approximate;
    updateLabelVisibility();
    updateLegend();
    if (state.config.area && state.areaShapes[state.config.area]) {
      state.areaShapes[state.config.area].bringToFront();
    }
    return shapes;
  }

  function selectArea(code, options) {
    var previous = state.areaShapes[state.config.area];
    state.config.area = code || null;
    if (previous) previous.setStyle(areaStyle(state.progress[previous.feature.properties.code], false));
    var shape = state.areaShapes[code];
    if (shape) {
      shape.setStyle(areaStyle(state.progress[code], true));
      if (state.map.hasLayer(shape)) shape.bringToFront();
      if (options && options.fit) state.map.fitBounds(shape.getBounds(), { maxZoom: 13, padding: [20, 20] });
      if (options && options.openPopup) shape.openPopup(shape.getBounds().getCenter());
    }
    updateUrl();
  }

  function updateLabelVisibility() {
    var min = LABEL_MIN_ZOOM[state.config.level];
    var hide = state.map.getZoom() < (isNum(min) ? min : 10);
    state.map.getContainer().classList.toggle('portal-labels-hidden', hide);
  }

  // ---------------------------------------------------------------- thematic layers

  function layerParams(spec) {
    var map = state.map;
    var b = map.getBounds().pad(0.1);
    var r = function (v) { return Math.round(v * 1e5) / 1e5; };
    var params = {
      bbox: [r(b.getWest()), r(b.getSouth()), r(b.getEast()), r(b.getNorth())].join(','),
      zoom: Math.round(map.getZoom()),
      as_of: state.config.asOf
    };
    if (spec.cluster !== false) params.cluster = 'auto';
    return params;
  }

  async function loadLayer(id) {
    var spec = layerSpec(id);
    if (!spec || state.config.visible.indexOf(id) < 0) return;
    if (countsOnly(spec)) {
      var results = await Promise.all([
        loadAreas(state.config.level),
        apiGet('layer:' + id, '/progress', progressParams(id))
      ]);
      drawCounts(spec, results[0], results[1] || []);
    } else {
      var fc = await apiGet('layer:' + id, '/layers/' + encodeURIComponent(id) + '/features', layerParams(spec));
      drawFeatures(spec, fc);
    }
    focusPending(id);
  }

  function clusterMarker(spec, feature, latlng) {
    var p = feature.properties;
    var marker = L.marker(latlng, {
      icon: bubbleIcon(p.count || 0, 'feature-cluster'),
      title: t('cluster_title', { count: fmtNum(p.count), done: fmtNum(p.done) }),
      alt: t('cluster_title', { count: fmtNum(p.count), done: fmtNum(p.done) }),
      riseOnHover: true
    });
    setDomData(marker, { 'data-layer': spec.id, 'data-count': String(p.count || 0) });
    marker.on('click', function () {
      var bounds = bboxBounds(p.bbox);
      if (bounds && bounds.isValid()) state.map.fitBounds(bounds, { padding: [30, 30] });
      else state.map.setView(latlng, Math.min(state.map.getZoom() + 2, state.map.getMaxZoom()));
    });
    return marker;
  }

  function drawFeatures(spec, fc) {
    var features = (fc && fc.features) || [];
    var points = 0;
    features.forEach(function (f) {
      if (f.geometry && f.geometry.type === 'Point' && !(f.properties && f.properties.cluster)) points++;
    });
    var renderer = points < SVG_POINT_LIMIT ? state.renderers.pointsSvg : state.renderers.pointsCanvas;
    var byId = {};
    var drawn = 0;
    var records = 0;
    var layer = L.geoJSON(fc, {
      pane: 'portal-shapes',
      pointToLayer: function (feature, latlng) {
        var p = feature.properties || {};
        if (p.cluster === true) return clusterMarker(spec, feature, latlng);
        var marker = L.circleMarker(latlng, {
          renderer: renderer,
          radius: 6,
          color: '#ffffff',
          weight: 1.5,
          fillColor: safeColor(p.status_color, safeColor(spec.color, DEFAULT_COLOR)),
          fillOpacity: 0.92,
          className: 'feature-marker'
        });
        setDomData(marker, { 'data-layer': spec.id, 'data-id': String(p.id) });
        return marker;
      },
      style: function (feature) {
        // GeoJSON applies this to circle markers too: leave points as pointToLayer made them.
        var type = feature.geometry && feature.geometry.type;
        if (type === 'Point' || type === 'MultiPoint') return {};
        var p = feature.properties || {};
        var color = safeColor(p.status_color, safeColor(spec.color, DEFAULT_COLOR));
        return { color: color, weight: 4, opacity: 0.9, fillColor: color, fillOpacity: 0.35, className: 'feature-shape' };
      },
      onEachFeature: function (feature, item) {
        var p = feature.properties || {};
        drawn++;
        if (p.cluster === true) {
          records += p.count || 0;
          return;
        }
        records++;
        var isPoint = item instanceof L.CircleMarker;
        if (!isPoint) {
          setDomData(item, { 'data-layer': spec.id, 'data-id': String(p.id) });
          if (item.eachLayer) item.eachLayer(function (part) { setDomData(part, { 'data-layer': spec.id, 'data-id': String(p.id) }); });
        }
        var anchor = isPoint ? item.getLatLng() : item.getBounds().getCenter();
        byId[p.id] = { open: function () { openFeaturePopup(spec, p, anchor); } };
        item.on('click', function (e) { openFeaturePopup(spec, p, isPoint || !e.latlng ? anchor : e.latlng); });
        if (p.name) item.bindTooltip(el('span', null, p.name), { direction: 'top', className: 'portal-tooltip' });
      }
    });
    var group = state.groups[spec.id];
    group.clearLayers();
    group.addLayer(layer);
    state.featureIndex[spec.id] = byId;
    state.drawn[spec.id] = drawn;
    state.records[spec.id] = records;
    state.renderer[spec.id] = renderer === state.renderers.pointsSvg ? 'svg' : 'canvas';
  }

  function drawCounts(spec, areas, rows) {
    var byCode = {};
    rows.forEach(function (row) { byCode[row.code] = row; });
    var group = state.groups[spec.id];
    group.clearLayers();
    var drawn = 0;
    var records = 0;
    var byId = {};
    (areas.features || []).forEach(function (feature) {
      var props = feature.properties || {};
      var row = byCode[props.code];
      var point = labelPoint(feature);
      if (!row || !point || !(typeof row.count === 'string' || row.count > 0 || hasTarget(row))) return;
      var marker = L.marker(point, {
        icon: bubbleIcon(row.count || 0, 'area-count'),
        title: props.name,
        alt: props.name
      });
      setDomData(marker, { 'data-layer': spec.id, 'data-code': String(props.code), 'data-count': String(row.count || 0) });
      marker.bindPopup(function () { return countsPopup(spec, props, row); }, { maxWidth: 300 });
      group.addLayer(marker);
      byId[props.code] = { open: function () { marker.openPopup(); } };
      drawn++;
      records += isNum(row.count) ? row.count : 0;
    });
    state.featureIndex[spec.id] = byId;
    state.drawn[spec.id] = drawn;
    state.records[spec.id] = records;
    state.renderer[spec.id] = 'dom';
  }

  function reloadLayer(id) {
    return loadLayer(id).catch(report);
  }

  function reloadVisible(onlyViewDependent) {
    return Promise.all(state.config.visible.map(function (id) {
      var spec = layerSpec(id);
      if (!spec || (onlyViewDependent && countsOnly(spec))) return null;
      return reloadLayer(id);
    }));
  }

  function reloadAll() {
    var work = [loadChoropleth().catch(report), reloadVisible(false)];
    return Promise.all(work);
  }

  // ---------------------------------------------------------------- search result focus

  function focusPending(layerId) {
    var pending = state.pendingFocus;
    if (!pending || pending.layer !== layerId) return;
    state.pendingFocus = null;
    var item = (state.featureIndex[layerId] || {})[pending.id];
    if (item) {
      item.open();
      return;
    }
    if (isNum(pending.lat) && isNum(pending.lon)) {
      var box = el('div', 'portal-popup');
      box.appendChild(el('div', 'portal-popup-title', pending.name));
      if (pending.detail) box.appendChild(el('div', 'portal-popup-sub', pending.detail));
      L.popup().setLatLng([pending.lat, pending.lon]).setContent(box).openOn(state.map);
    }
  }

  // Flies to a search result and calls `then` once there (popups opened mid-flight would
  // autopan and break the flight).
  function moveTo(result, then) {
    var map = state.map;
    var bounds = bboxBounds(result.bbox);
    var moving = true;
    if (bounds && bounds.isValid()) {
      map.once('moveend', then);
      map.flyToBounds(bounds, { maxZoom: 15, padding: [20, 20], duration: 0.8 });
    } else if (isNum(result.lat) && isNum(result.lon)) {
      map.once('moveend', then);
      map.flyTo([result.lat, result.lon], Math.max(map.getZoom(), 14), { duration: 0.8 });
    } else {
      moving = false;
      then();
    }
    return moving;
  }

  function openResult(result) {
    state.map.closePopup();
    if (result.kind === 'area') {
      var switchLevel = result.level && result.level !== state.config.level && levelSpec(result.level);
      var loaded = Promise.resolve();
      if (switchLevel) {
        state.config.level = result.level;
        state.config.area = null;
        syncSettings();
        loaded = reloadForLevel();
      }
      moveTo(result, function () {
        loaded.then(function () { selectArea(result.code, { openPopup: true }); });
      });
      return;
    }
    var spec = layerSpec(result.layer);
    if (!spec) return;
    var group = state.groups[spec.id];
    if (!state.map.hasLayer(group)) state.map.addLayer(group);
    var focus = {
      layer: spec.id, id: result.id, lat: result.lat, lon: result.lon, name: result.name, detail: result.detail
    };
    // The moveend at the end of the flight reloads the layer (debounced); the reload opens
    // the record's popup once it is drawn.
    var moving = moveTo(result, function () { state.pendingFocus = focus; });
    if (!moving) reloadLayer(spec.id);
  }

  // ---------------------------------------------------------------- controls

  function stopMapEvents(node) {
    L.DomEvent.disableClickPropagation(node);
    L.DomEvent.disableScrollPropagation(node);
  }

  function createSearchControl() {
    var Search = L.Control.extend({
      options: { position: 'topleft' },
      onAdd: function () {
        var box = el('div', 'leaflet-control portal-search');
        stopMapEvents(box);
        var label = el('label', 'visually-hidden', t('search_label'));
        label.htmlFor = 'portal-search-input';
        var input = el('input', 'form-control form-control-sm portal-search-input');
        input.id = 'portal-search-input';
        input.type = 'search';
        input.autocomplete = 'off';
        input.placeholder = t('search_placeholder');
        input.setAttribute('role', 'combobox');
        input.setAttribute('aria-autocomplete', 'list');
        input.setAttribute('aria-expanded', 'false');
        input.setAttribute('aria-controls', 'portal-search-results');
        var list = el('ul', 'portal-search-results');
        list.id = 'portal-search-results';
        list.setAttribute('role', 'listbox');
        list.setAttribute('aria-label', t('search_label'));
        list.hidden = true;
        box.appendChild(label);
        box.appendChild(input);
        box.appendChild(list);
        bindSearch(input, list);
        return box;
      }
    });
    return new Search();
  }

  function bindSearch(input, list) {
    var results = [];
    var active = -1;

    function close() {
      list.hidden = true;
      input.setAttribute('aria-expanded', 'false');
      input.removeAttribute('aria-activedescendant');
      active = -1;
    }

    function setActive(i) {
      var items = list.querySelectorAll('[role="option"]');
      if (!items.length) return;
      active = (i + items.length) % items.length;
      for (var k = 0; k < items.length; k++) items[k].setAttribute('aria-selected', k === active ? 'true' : 'false');
      input.setAttribute('aria-activedescendant', items[active].id);
      items[active].scrollIntoView({ block: 'nearest' });
    }

    function choose(i) {
      var result = results[i];
      if (!result) return;
      input.value = result.name || '';
      close();
      openResult(result);
    }

    function render(items) {
      results = items;
      list.textContent = '';
      active = -1;
      if (!items.length) {
        list.appendChild(el('li', 'portal-search-empty', t('search_no_results')));
      }
      items.forEach(function (item, i) {
        var li = el('li', 'portal-search-item');
        li.id = 'portal-search-option-' + i;
        li.setAttribute('role', 'option');
        li.setAttribute('aria-selected', 'false');
        li.appendChild(el('span', 'portal-search-name', item.name));
        var spec = item.kind === 'feature' ? layerSpec(item.layer) : null;
        var kind = item.kind === 'area'
          ? (levelSpec(item.level) || {}).label || t('search_kind_area')
          : (spec && spec.name) || t('search_kind_feature');
        var meta = [kind, item.detail].filter(function (v) { return v; }).join(' · ');
        li.appendChild(el('span', 'portal-search-detail', meta));
        li.addEventListener('mousedown', function (e) { e.preventDefault(); });
        li.addEventListener('click', function () { choose(i); });
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute('aria-expanded', 'true');
    }

    var search = debounce(function (q) {
      apiGet('search', '/search', { q: q, as_of: state.config.asOf })
        .then(function (items) { if (input.value.trim() === q) render(Array.isArray(items) ? items : []); })
        .catch(report);
    }, SEARCH_DELAY_MS);

    input.addEventListener('input', function () {
      var q = input.value.trim();
      if (q.length < SEARCH_MIN_CHARS) {
        if (state.controllers.search) state.controllers.search.abort();
        close();
        return;
      }
      search(q);
    });
    input.addEventListener('keydown', function (e) {
      if (e.key === 'ArrowDown') { e.preventDefault(); if (list.hidden && results.length) render(results); setActive(active + 1); }
      else if (e.key === 'ArrowUp') { e.preventDefault(); setActive(active - 1); }
      else if (e.key === 'Enter') { e.preventDefault(); choose(active >= 0 ? active : 0); }
      else if (e.key === 'Escape') { close(); }
    });
    input.addEventListener('blur', close);
  }

  function addOption(select, value, label, selected) {
    var option = el('option', null, label);
    option.value = value;
    option.selected = !!selected;
    select.appendChild(option);
  }

  // Panels on small maps (side panels, phones) start folded so the map stays visible.
  function mapWidth() {
    return state && state.map ? state.map.getSize().x : global.innerWidth;
  }

  function createSettingsControl() {
    var Settings = L.Control.extend({
      options: { position: 'topright' },
      onAdd: function () {
        var box = el('details', 'leaflet-control portal-settings');
        box.open = mapWidth() >= 900;
        stopMapEvents(box);
        box.appendChild(el('summary', 'portal-settings-title', t('settings_title')));
        var body = el('div', 'portal-settings-body');
        box.appendChild(body);

        function field(id, labelText, control) {
          var label = el('label', 'form-label', labelText);
          label.htmlFor = id;
          control.id = id;
          var wrap = el('div', 'portal-settings-field');
          wrap.appendChild(label);
          wrap.appendChild(control);
          body.appendChild(wrap);
          return control;
        }

        var layerSelect = field('portal-setting-layer', t('settings_layer'), el('select', 'form-select form-select-sm'));
        state.config.layers.forEach(function (spec) {
          addOption(layerSelect, spec.id, spec.name, spec.id === state.config.progressLayer);
        });
        var levelSelect = field('portal-setting-level', t('settings_level'), el('select', 'form-select form-select-sm'));
        (state.config.levels || []).forEach(function (level) {
          addOption(levelSelect, level.id, level.label, level.id === state.config.level);
        });
        var dateInput = field('portal-setting-as-of', t('settings_as_of'), el('input', 'form-control form-control-sm'));
        dateInput.type = 'date';
        dateInput.value = state.config.asOf || '';

        layerSelect.addEventListener('change', function () {
          state.config.progressLayer = layerSelect.value;
          loadChoropleth().catch(report);
          updateUrl();
        });
        levelSelect.addEventListener('change', function () {
          state.config.level = levelSelect.value;
          state.config.area = null;
          reloadForLevel();
          updateUrl();
        });
        dateInput.addEventListener('change', function () {
          if (!/^\d{4}-\d{2}-\d{2}$/.test(dateInput.value)) return;
          state.config.asOf = dateInput.value;
          reloadAll();
          updateUrl();
        });
        state.settingsInputs = { layer: layerSelect, level: levelSelect, asOf: dateInput };
        return box;
      }
    });
    return new Settings();
  }

  function syncSettings() {
    var inputs = state.settingsInputs;
    if (!inputs) return;
    inputs.layer.value = state.config.progressLayer;
    inputs.level.value = state.config.level;
    inputs.asOf.value = state.config.asOf || '';
  }

  function reloadForLevel() {
    var counts = state.config.visible.filter(function (id) {
      var spec = layerSpec(id);
      return spec && countsOnly(spec);
    });
    return Promise.all([loadChoropleth().catch(report)].concat(counts.map(reloadLayer)));
  }

  function createLegendControl() {
    var Legend = L.Control.extend({
      options: { position: 'bottomright' },
      onAdd: function () {
        var box = el('details', 'leaflet-control portal-legend');
        box.open = mapWidth() >= 576;
        stopMapEvents(box);
        state.legendBox = box;
        return box;
      }
    });
    return new Legend();
  }

  function legendRow(swatchClass, color, text) {
    var row = el('div', 'portal-legend-row');
    var swatch = el('span', 'portal-legend-swatch' + (swatchClass ? ' ' + swatchClass : ''));
    if (color) swatch.style.backgroundColor = color;
    row.appendChild(swatch);
    row.appendChild(el('span', null, text));
    return row;
  }

  // Visible layers drawn by status, grouped when they share the same statuses (one list each).
  function statusGroups() {
    var groups = [];
    var byKey = {};
    state.config.visible.map(layerSpec).forEach(function (s) {
      if (!s || countsOnly(s) || !(s.statuses || []).length) return;
      var key = JSON.stringify(s.statuses.map(function (st) { return [st.label, st.color]; }));
      if (!byKey[key]) {
        byKey[key] = { names: [], statuses: s.statuses };
        groups.push(byKey[key]);
      }
      byKey[key].names.push(s.name);
    });
    return groups;
  }

  // Bottom-right and top-right controls live in separate corners: keep the legend out of the
  // way of the layer list and the options above it.
  function fitLegend() {
    var box = state.legendBox;
    var body = box && box.querySelector('.portal-legend-body');
    if (!body) return;
    var container = state.map.getContainer();
    var top = container.querySelector('.leaflet-top.leaflet-right');
    var summary = box.querySelector('summary');
    var below = box.parentNode ? box.parentNode.offsetHeight - box.offsetHeight : 0;
    var room = container.clientHeight - (top ? top.offsetHeight : 0) - below -
      (summary ? summary.offsetHeight : 0) - 40;
    body.style.maxHeight = Math.max(72, room) + 'px';
  }

  function updateLegend() {
    var box = state.legendBox;
    if (!box) return;
    box.textContent = '';
    var spec = layerSpec(state.config.progressLayer);
    var summary = el('summary', 'portal-legend-title', spec ? spec.name : t('legend_progress'));
    summary.setAttribute('aria-label', t('legend_toggle') + ': ' + (spec ? spec.name : ''));
    box.appendChild(summary);
    var body = el('div', 'portal-legend-body');
    box.appendChild(body);
    body.appendChild(el('div', 'portal-legend-sub', t('legend_progress')));
    var level = levelSpec(state.config.level);
    if (level) body.appendChild(el('div', 'portal-legend-sub', level.label));
    body.appendChild(el('div', 'portal-legend-sub portal-legend-date', t('legend_as_of', { date: fmtDate(state.config.asOf) })));
    // The caveats come first, where they are seen without scrolling (DESIGN.md: say so wherever shown).
    var badges = el('div', 'portal-legend-badges');
    if (state.approximate) {
      var approx = badge(t('badge_approximate'), null, 'badge-approximate');
      approx.title = t('badge_approximate_title');
      badges.appendChild(approx);
    }
    var illustrative = [spec].concat(state.config.visible.map(layerSpec)).some(function (s) { return s && s.illustrative; });
    if (illustrative) badges.appendChild(badge(t('badge_illustrative'), null, 'badge-illustrative'));
    if (badges.childNodes.length) body.appendChild(badges);
    for (var i = CLASS_COLORS.length - 1; i >= 0; i--) body.appendChild(legendRow(null, CLASS_COLORS[i], classLabel(i)));
    body.appendChild(legendRow(null, NO_TARGET_COLOR, t('legend_no_target')));
    body.appendChild(legendRow('portal-legend-lagging', null, t('legend_lagging')));

    var groups = statusGroups();
    if (groups.length) {
      body.appendChild(el('div', 'portal-legend-heading', t('legend_statuses')));
      groups.forEach(function (group) {
        body.appendChild(el('div', 'portal-legend-layer', group.names.join(', ')));
        group.statuses.forEach(function (status) {
          body.appendChild(legendRow('portal-legend-dot', safeColor(status.color, DEFAULT_COLOR), status.label));
        });
      });
    }
    fitLegend();
  }

  // Leaflet writes overlay names with innerHTML: build them from escaped text only.
  function layerControlLabel(name, color, icon) {
    var swatch = '<span class="portal-layer-swatch" style="background-color:' + escapeHtml(safeColor(color, DEFAULT_COLOR)) + '"></span>';
    var glyph = /^[a-z0-9-]{1,40}$/.test(String(icon || '')) ? '<i class="fa-solid fa-' + icon + ' portal-layer-icon" aria-hidden="true"></i>' : '';
    return swatch + glyph + '<span class="portal-layer-name">' + escapeHtml(name) + '</span>';
  }

  function createLayerControl() {
    var control = L.control.layers(null, null, { position: 'topright', collapsed: mapWidth() < 900 });
    control.addOverlay(state.groups[BOUNDARIES_ID], layerControlLabel(t('boundaries'), OUTLINE_COLOR, null));
    state.config.layers.forEach(function (spec) {
      control.addOverlay(state.groups[spec.id], layerControlLabel(spec.name, spec.color, spec.icon));
    });
    return control;
  }

  // ---------------------------------------------------------------- URL state

  function updateUrl() {
    if (!state || !state.urlReady) return;
    var map = state.map;
    var center = map.getCenter();
    var query = new URLSearchParams(global.location.search);
    var set = function (key, value) {
      if (value === null || value === undefined || value === '') query.delete(key); else query.set(key, value);
    };
    set('layer', state.config.progressLayer);
    set('level', state.config.level);
    set('as_of', state.config.asOf);
    // Always present: an empty show= means "no layer", not "the default layers".
    query.set('show', state.config.visible.join(','));
    set('area', state.config.area);
    set('lat', center.lat.toFixed(5));
    set('lon', center.lng.toFixed(5));
    set('z', String(map.getZoom()));
    var text = query.toString().replace(/%2C/g, ',');
    var path = state.config.pageUrl || global.location.pathname;
    try {
      global.history.replaceState(global.history.state, '', path + (text ? '?' + text : '') + global.location.hash);
    } catch (err) {
      // A page in a sandboxed or srcdoc frame cannot change its URL; the map still works.
    }
  }

  function viewFromUrl() {
    var query = new URLSearchParams(global.location.search);
    var lat = parseFloat(query.get('lat'));
    var lon = parseFloat(query.get('lon'));
    var z = parseInt(query.get('z'), 10);
    if (!isFinite(lat) || !isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
    return { center: L.latLng(lat, lon), zoom: isFinite(z) ? z : null };
  }

  // ---------------------------------------------------------------- init

  function setupPanes(map) {
    var panes = { 'portal-areas': 390, 'portal-labels': 410, 'portal-shapes': 420, 'portal-points': 450 };
    Object.keys(panes).forEach(function (name) {
      var pane = map.getPane(name) || map.createPane(name);
      pane.style.zIndex = String(panes[name]);
    });
    map.getPane('portal-labels').style.pointerEvents = 'none';
  }

  function onOverlayChange(e) {
    var id = e.layer && e.layer.portalLayerId;
    if (!id || id === BOUNDARIES_ID) {
      updateUrl();
      return;
    }
    var visible = state.config.visible;
    var at = visible.indexOf(id);
    if (e.type === 'overlayadd' && at < 0) {
      visible.push(id);
      reloadLayer(id);
    } else if (e.type === 'overlayremove' && at >= 0) {
      visible.splice(at, 1);
      if (state.controllers['layer:' + id]) state.controllers['layer:' + id].abort();
      e.layer.clearLayers();
      state.drawn[id] = 0;
      state.records[id] = 0;
    }
    // Keep the catalogue's order so that shared links are stable.
    state.config.visible = state.config.layers.map(function (s) { return s.id; }).filter(function (lid) {
      return visible.indexOf(lid) >= 0;
    });
    updateLegend();
    updateUrl();
  }

  var scheduleReload = debounce(function () { reloadVisible(true); }, RELOAD_DELAY_MS);

  function normaliseConfig(config) {
    var c = Object.assign({}, config);
    c.layers = Array.isArray(c.layers) ? c.layers : [];
    c.levels = Array.isArray(c.levels) ? c.levels : [];
    c.strings = c.strings || {};
    c.api = c.api || '/api';
    c.level = c.level || (c.levels[0] && c.levels[0].id) || 'commune';
    c.progressLayer = c.progressLayer || (c.layers[0] && c.layers[0].id) || null;
    var known = c.layers.map(function (s) { return s.id; });
    c.visible = (Array.isArray(c.visible) ? c.visible : []).filter(function (id) { return known.indexOf(id) >= 0; });
    c.area = c.area || null;
    return c;
  }

  function init(map, config) {
    var resolveReady;
    var ready = new Promise(function (resolve) { resolveReady = resolve; });
    state = {
      map: map,
      config: normaliseConfig(config || {}),
      groups: {},
      drawn: {},
      records: {},
      renderer: {},
      featureIndex: {},
      areas: {},
      areaShapes: {},
      areaLayer: L.featureGroup(),
      progress: {},
      controllers: {},
      errors: [],
      failures: [],
      approximate: false,
      pendingFocus: null,
      urlReady: false,
      loaded: false,
      ready: ready
    };
    PortalMap.state = state;

    var container = map.getContainer();
    container.classList.add('portal-map');
    // Offline (no tiles): a light land colour keeps the map readable without a base map. The
    // base map, when configured, is the tile layer the server-side map builder adds.
    var hasTiles = false;
    map.eachLayer(function (layer) { if (layer instanceof L.TileLayer) hasTiles = true; });
    container.classList.toggle('portal-map-offline', !hasTiles);

    setupPanes(map);
    state.renderers = {
      areas: L.svg({ pane: 'portal-areas', padding: 0.5 }),
      pointsSvg: L.svg({ pane: 'portal-points' }),
      pointsCanvas: L.canvas({ pane: 'portal-points', tolerance: 3 })
    };
    state.alertBox = el('div', 'portal-alerts');
    state.alertBox.setAttribute('aria-live', 'polite');
    container.appendChild(state.alertBox);
    stopMapEvents(state.alertBox);

    state.groups[BOUNDARIES_ID] = L.featureGroup();
    state.groups[BOUNDARIES_ID].portalLayerId = BOUNDARIES_ID;
    state.groups[BOUNDARIES_ID].addTo(map);
    state.config.layers.forEach(function (spec) {
      var group = L.featureGroup();
      group.portalLayerId = spec.id;
      state.groups[spec.id] = group;
      state.drawn[spec.id] = 0;
      state.records[spec.id] = 0;
      if (state.config.visible.indexOf(spec.id) >= 0) group.addTo(map);
    });

    createSearchControl().addTo(map);
    createLayerControl().addTo(map);
    createSettingsControl().addTo(map);
    createLegendControl().addTo(map);
    updateLegend();

    var view = viewFromUrl();
    if (view) map.setView(view.center, view.zoom === null ? map.getZoom() : view.zoom, { animate: false });

    map.on('overlayadd overlayremove', onOverlayChange);
    map.on('zoomend', updateLabelVisibility);
    map.on('resize', fitLegend);
    container.addEventListener('toggle', fitLegend, true);

    // Boundaries first: the view is fitted to them before the layers ask for their bbox.
    loadChoropleth().catch(report).then(function () {
      if (view) return;
      var selected = state.areaShapes[state.config.area];
      var bounds = (selected || state.areaLayer).getBounds();
      if (bounds.isValid()) map.fitBounds(bounds, { maxZoom: selected ? 13 : 11, padding: [10, 10], animate: false });
    }).then(function () {
      return reloadVisible(false);
    }).catch(report).then(function () {
      state.urlReady = true;
      updateUrl();
      map.on('moveend', function () { updateUrl(); scheduleReload(); });
      state.loaded = true;
      container.setAttribute('data-portal-loaded', 'true');
      resolveReady(state);
    });
    return state;
  }

  var PortalMap = {
    init: init,
    state: null,
    // Redraw areas and records after an edit (portal-edit.js).
    refresh: function () { return state ? reloadAll() : null; }
  };
  global.PortalMap = PortalMap;
})(window);
