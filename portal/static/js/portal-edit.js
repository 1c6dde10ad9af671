/*
 * portal-edit.js: the editing add-on of the map client, loaded only for signed-in editors.
 *
 * Plain ES2017, no build step. Needs Leaflet, Leaflet-Geoman (vendor/geoman), portal-core.js,
 * the map client (portal-map.js) and, before this file, edit-panel.js, edit-forms.js and
 * edit-records.js. The page calls, after PortalMap.init(map, config):
 *
 *     PortalEdit.init(map, config.edit)
 *
 * config.edit comes from portal.web.edit_config.edit_client_config(current_user); when it is
 * absent the add-on fetches the same object from {api}/edit/config. It holds: api, layers (ids
 * the user edits), geometryTypes, fields (every field of those layers, restricted ones
 * included: type, label, required, min, max, choices), workflow, user, role, stepBack, today,
 * csrf, maxPhotoBytes and strings.
 *
 * What it adds: a Geoman toolbar to draw a point, line or polygon for an editable layer, then an
 * attribute form built from the layer's fields; buttons in each editable record's popup
 * (edit-records.js). Every write sends the record's version and the X-CSRFToken header
 * (Portal.core.request); a 409 shows both versions side by side and offers to reload. Every
 * write that succeeds dispatches one "portal:data-changed" document event (portal-core.js).
 *
 * It uses the map only through Portal.map's interface: whenReady(),
 * option('api'|'asOf'|'dataDate'), layerSpec(id), group(id) and refresh().
 *
 * Portal.edit (also window.PortalEdit):
 *   init(map, editConfig) -> Promise of the editing context (null when the user edits nothing)
 *   state                 the editing context, for debugging
 * The context handed to edit-panel.js, edit-forms.js and edit-records.js: map, config,
 * fieldsOf(layerId), statusesOf(layerId), statusLabel(layerId, status), asOf(),
 * request(method, path, body) (the editing API, CSRF header included), refreshMap().
 *
 * As in the map client, every value reaches the page through textContent or DOM properties,
 * never innerHTML. UI words come from config.edit.strings, then the map's strings
 * (Portal.core.t); a missing key shows the key itself. Here:
 *   edit_toolbar_marker, edit_toolbar_line, edit_toolbar_polygon   Geoman button titles
 *   edit_tip_marker, edit_tip_first_vertex, edit_tip_continue_line, edit_tip_finish_line,
 *   edit_tip_finish_polygon                                        Geoman drawing tooltips
 *   edit_action_finish, edit_action_cancel, edit_action_remove_vertex   Geoman drawing actions
 *   edit_title_new, edit_layer, edit_name, edit_status, edit_progress, edit_date, edit_reason
 *   edit_no_layer           the drawn shape fits no layer the user edits
 *   edit_error, edit_close, edit_cancel, edit_save
 */
window.Portal.define('edit', function (Portal, L) {
  'use strict';

  var core = Portal.core;
  var { el, t, button } = core;

  var ctx = null;
  var panel = null;
  var forms = null;
  var actions = [];
  var lastPopup = null;

  // ---------------------------------------------------------------- the editing context

  function statusesOf(id) {
    var spec = Portal.map.layerSpec(id);
    return (spec && spec.statuses) || [];
  }

  // After every saved write (create, update, status, geometry, delete, restore, photo): ONE
  // "portal:data-changed" document event, detail {layer, recordId}; the map, the page's
  // figures (page-live.js) and the lists of other pages redraw from it.
  function dataChanged(path, answer) {
    var match = /^\/layers\/([^/]+)\/features(?:\/([^/]+))?/.exec(path);
    var props = (answer && answer.properties) || {};
    var detail = {
      layer: match ? decodeURIComponent(match[1]) : props.layer || null,
      recordId: match && match[2] ? decodeURIComponent(match[2]) : (answer && answer.id) || props.id || null
    };
    document.dispatchEvent(new CustomEvent('portal:data-changed', { detail }));
  }

  function makeContext(map, config) {
    var base = (config.api || Portal.map.option('api') || '/api').replace(/\/$/, '');
    return {
      map,
      config,
      fieldsOf: function (id) { return (config.fields && config.fields[id]) || []; },
      statusesOf,
      statusLabel: function (layerId, id) {
        var found = statusesOf(layerId).filter(function (s) { return s.id === id; })[0];
        return found ? found.label : id;
      },
      // The date the map shows: the one picked, else the date of the latest data.
      asOf: function () { return Portal.map.option('asOf') || Portal.map.option('dataDate'); },
      request: function (method, path, body) {
        return core.request(method, base + path, { body, fallback: t('edit_error') }).then(function (answer) {
          if (method !== 'GET') dataChanged(path, answer);
          return answer;
        });
      },
      refreshMap: function () { Portal.map.refresh(); }
    };
  }

  function layerName(id) {
    var spec = Portal.map.layerSpec(id);
    return spec ? spec.name : id;
  }

  // ---------------------------------------------------------------- popups

  function decorate(popup, layerId, props) {
    var content = popup.getContent();
    if (!(content instanceof Node) || content.querySelector('.portal-edit-actions')) return;
    if (ctx.config.layers.indexOf(layerId) < 0 || !props || props.cluster || props.id === undefined) return;
    var bar = el('div', 'portal-edit-actions d-flex flex-wrap gap-1 mt-2');
    bar.setAttribute('data-layer', layerId);
    bar.setAttribute('data-id', String(props.id));
    actions.forEach(function (action) {
      bar.appendChild(button(t(action.label), action.className + ' portal-edit-' + action.key, function () {
        ctx.map.closePopup();
        action.run(layerId, props.id);
      }));
    });
    content.appendChild(bar);
    popup.update();
  }

  function isFeaturePopup(popup) {
    return popup && popup.isOpen() && /portal-feature-popup/.test(popup.options.className || '');
  }

  // The record whose drawn anchor is where the popup opened (a popup opened from a search).
  function recordAt(latlng) {
    var found = null;
    ctx.config.layers.forEach(function (layerId) {
      var group = Portal.map.group(layerId);
      if (!group || found) return;
      (function walk(layer) {
        if (found) return;
        if (layer.eachLayer && !layer.feature) { layer.eachLayer(walk); return; }
        if (!layer.feature) return;
        var anchor = layer.getLatLng ? layer.getLatLng() : layer.getBounds && layer.getBounds().getCenter();
        if (anchor && anchor.equals(latlng)) found = { layer: layerId, props: layer.feature.properties };
      })(group);
    });
    return found;
  }

  function watchPopups() {
    ctx.map.on('popupopen', function (e) {
      lastPopup = e.popup;
      // A click's own handler runs first (see below); this catches the other ways in.
      setTimeout(function () {
        if (!isFeaturePopup(e.popup)) return;
        var hit = recordAt(e.popup.getLatLng());
        if (hit) decorate(e.popup, hit.layer, hit.props);
      }, 0);
    });
    ctx.config.layers.forEach(function (layerId) {
      var group = Portal.map.group(layerId);
      if (!group) return;
      group.on('click', function (e) {
        var item = e.propagatedFrom || e.layer;
        var feature = item && item.feature;
        if (feature && isFeaturePopup(lastPopup)) decorate(lastPopup, layerId, feature.properties);
      });
    });
  }

  // ---------------------------------------------------------------- drawing new records

  function layersTaking(type) {
    var kind = String(type || '').replace(/^Multi/, '');
    return ctx.config.layers.filter(function (id) {
      return ((ctx.config.geometryTypes || {})[id] || []).indexOf(kind) >= 0;
    });
  }

  function newRecordInputs(holder, layerId) {
    var inputs = { name: forms.labelled(holder, t('edit_name'), forms.nameInput('', false)) };
    Object.assign(inputs, forms.attributeInputs(holder, layerId, null));
    inputs.status = forms.labelled(holder, t('edit_status'), forms.statusInput(layerId, null, true));
    inputs.progress = forms.labelled(holder, t('edit_progress'), forms.progressInput(null, layerId));
    inputs.date = forms.labelled(holder, t('edit_date'), forms.dateInput(null));
    inputs.reason = forms.labelled(holder, t('edit_reason'), forms.reasonInput(false));
    return inputs;
  }

  function createForm(drawn) {
    var geometry = drawn.toGeoJSON().geometry;
    var choices = layersTaking(geometry.type);
    var box = panel.open(t('edit_title_new'), function () { ctx.map.removeLayer(drawn); });
    if (!choices.length) {
      panel.say(box, t('edit_no_layer'), 'warning');
      box.footer.appendChild(panel.closeButton());
      return;
    }
    var layerSelect = el('select', 'form-select form-select-sm');
    choices.forEach(function (id, i) { core.option(layerSelect, id, layerName(id), i === 0); });
    forms.labelled(box.body, t('edit_layer'), { node: layerSelect, name: 'layer' });
    var holder = el('div');
    box.body.appendChild(holder);
    var inputs = {};
    function build() {
      holder.textContent = '';
      inputs = newRecordInputs(holder, layerSelect.value);
    }
    layerSelect.addEventListener('change', build);
    build();
    box.footer.appendChild(button(t('edit_cancel'), null, panel.close));
    box.footer.appendChild(button(t('edit_save'), 'btn-primary portal-edit-save', async function () {
      var layerId = layerSelect.value;
      var properties = {};
      Object.keys(inputs).forEach(function (key) {
        if (key === 'reason') return;
        var value = inputs[key].read();
        if (value !== null && value !== '') properties[key] = value;
      });
      var saved = await panel.submit(box, function () {
        return ctx.request('POST', '/layers/' + encodeURIComponent(layerId) + '/features', {
          type: 'Feature', geometry, properties, reason: inputs.reason.read()
        });
      }, inputs, null);
      if (saved) {
        panel.keep();
        ctx.map.removeLayer(drawn);
        panel.done(box, saved, properties.date);
      }
    }));
  }

  function geomanTexts() {
    return {
      tooltips: {
        placeMarker: t('edit_tip_marker'),
        firstVertex: t('edit_tip_first_vertex'),
        continueLine: t('edit_tip_continue_line'),
        finishLine: t('edit_tip_finish_line'),
        finishPoly: t('edit_tip_finish_polygon')
      },
      actions: {
        finish: t('edit_action_finish'),
        cancel: t('edit_action_cancel'),
        removeLastVertex: t('edit_action_remove_vertex')
      },
      buttonTitles: {
        drawMarkerButton: t('edit_toolbar_marker'),
        drawLineButton: t('edit_toolbar_line'),
        drawPolyButton: t('edit_toolbar_polygon')
      }
    };
  }

  function setupDrawing() {
    var map = ctx.map;
    if (!map.pm && L.PM && typeof L.PM.reInitLayer === 'function') {
      // Geoman hooks maps created after it loaded; this one may be older (loaded on demand).
      L.PM.reInitLayer(map);
      if (map.pm) map.pm.setGlobalOptions({});
    }
    if (!map.pm) return;
    var kinds = {};
    ctx.config.layers.forEach(function (id) {
      ((ctx.config.geometryTypes || {})[id] || []).forEach(function (k) { kinds[k] = true; });
    });
    map.pm.setLang('portal', geomanTexts(), 'en');
    map.pm.addControls({
      position: 'topleft',
      drawMarker: !!kinds.Point,
      drawPolyline: !!kinds.LineString,
      drawPolygon: !!kinds.Polygon,
      drawCircleMarker: false,
      drawRectangle: false,
      drawCircle: false,
      drawText: false,
      editMode: false,
      dragMode: false,
      cutPolygon: false,
      removalMode: false,
      rotateMode: false
    });
    map.on('pm:create', function (e) { createForm(e.layer); });
  }

  // ---------------------------------------------------------------- init

  function start(map, config) {
    core.configure({ strings: config.strings, csrf: config.csrf });
    ctx = makeContext(map, config);
    panel = Portal.editPanel.create(ctx);
    forms = Portal.editForms.create(ctx);
    actions = Portal.editRecords.create(ctx, panel, forms).actions;
    PortalEdit.state = ctx;
    setupDrawing();
    watchPopups();
    map.getContainer().setAttribute('data-portal-edit', 'ready');
    return ctx;
  }

  function fetchConfig() {
    var address = core.url(Portal.map.option('api') || '/api', '/edit/config');
    return core.request('GET', address).catch(function (err) {
      if (err instanceof core.ApiError) return null;
      throw err;
    });
  }

  function init(map, config) {
    var ready = Portal.map && Portal.map.whenReady();
    if (!L || !ready) return Promise.resolve(null);
    var configured = config ? Promise.resolve(config) : fetchConfig();
    return Promise.all([configured, ready]).then(function (results) {
      var cfg = results[0];
      if (!cfg || !Array.isArray(cfg.layers) || !cfg.layers.length) return null;
      return start(map, cfg);
    });
  }

  var PortalEdit = { init, state: null };
  window.PortalEdit = PortalEdit;
  return PortalEdit;
});
