/*
 * map-controls.js: the controls around the map: the layer list, the map options panel (layer,
 * level, date) and the legend.
 *
 * Portal.controls.create(view) (view: see portal-map.js; uses view.areas and view.layers)
 * returns the Leaflet controls, to be added to the map in this order, and the legend's redraw:
 *   layerList, settings, legend, updateLegend()
 * The options panel follows "map:options"; the legend redraws on "map:areas" and "map:visible".
 * Both fold: open on wide maps, folded on half-width maps (under 900 px) and phones, and the
 * user's last choice wins (localStorage "portal.panel.<class>").
 *
 * Leaflet writes the overlay names of its layer list with innerHTML: layerControlLabel() builds
 * them from escaped text only. Everything else is DOM nodes and properties.
 *
 * UI words:
 *   boundaries            overlay name of the administrative boundaries
 *   settings_title, settings_layer, settings_level, settings_as_of   the options panel
 *   legend_progress       legend subtitle: what the colours mean
 *   legend_as_of          "… {date}": the date the figures are for
 *   legend_no_target      class of areas without a target
 *   legend_lagging        outline of areas behind schedule
 *   legend_over_target    note under the classes: above 100 % is over target, coloured as the top
 *   legend_statuses       heading of the status colours of the visible layers
 *   legend_toggle         accessible name of the legend's show/hide summary
 *   badge_illustrative    badge: the figures are illustrative
 */
window.Portal.define('controls', function (Portal, L) {
  'use strict';

  var { core, draw } = Portal;
  var { el, t } = core;

  // Maps narrower than this (half-width panels) start with the options and legend folded.
  var WIDE_MAP = 900;
  var FOLD_KEY = 'portal.panel.';

  function roomy(view) {
    return view.mapWidth() >= WIDE_MAP && !Portal.place.isPhone();
  }

  // Leaflet writes overlay names with innerHTML: build them from escaped text only.
  function layerControlLabel(name, color, icon) {
    var swatch = '<span class="portal-layer-swatch" style="background-color:' +
      core.escapeHtml(core.safeColor(color, draw.colors.fallback)) + '"></span>';
    var glyph = /^[a-z0-9-]{1,40}$/.test(String(icon || '')) ? '<i class="fa-solid fa-' + icon + ' portal-layer-icon" aria-hidden="true"></i>' : '';
    return swatch + glyph + '<span class="portal-layer-name">' + core.escapeHtml(name) + '</span>';
  }

  function legendRow(swatchClass, color, text) {
    var row = el('div', 'portal-legend-row');
    var swatch = el('span', 'portal-legend-swatch' + (swatchClass ? ' ' + swatchClass : ''));
    if (color) swatch.style.backgroundColor = color;
    row.appendChild(swatch);
    row.appendChild(el('span', null, text));
    return row;
  }

  // The user's last choice of a folding panel (localStorage; null when none or unavailable).
  function remembered(className) {
    try {
      var value = window.localStorage.getItem(FOLD_KEY + className);
      return value === 'open' ? true : value === 'closed' ? false : null;
    } catch (err) {
      return null;
    }
  }

  function remember(className, open) {
    try {
      window.localStorage.setItem(FOLD_KEY + className, open ? 'open' : 'closed');
    } catch (err) {
      // Private browsing without storage: the panel still folds, only not remembered.
    }
  }

  // A folding panel in a map corner; on small maps (half-width side panels, phones) it starts
  // folded, unless the user opened it before (their choice is remembered).
  function panelControl(position, className, openFrom, fill) {
    var Panel = L.Control.extend({
      options: { position },
      onAdd: function () {
        var box = el('details', 'leaflet-control ' + className);
        var choice = remembered(className);
        box.open = choice === null ? openFrom() : choice;
        // A click on the summary flips the panel: remember the state it flips to.
        box.addEventListener('click', function (e) {
          if (e.target.closest && e.target.closest('summary') && e.target.closest('details') === box) {
            remember(className, !box.open);
          }
        });
        core.stopMapEvents(box);
        fill(box);
        return box;
      }
    });
    return new Panel();
  }

  function create(view) {
    var map = view.map;
    var inputs = null;
    var legendBox = null;

    function layerList() {
      var control = L.control.layers(null, null, { position: 'topright', collapsed: view.mapWidth() < WIDE_MAP });
      if (Portal.basemaps) Portal.basemaps.addToControl(control, map);
      control.addOverlay(view.areas.group, layerControlLabel(t('boundaries'), draw.colors.outline, null));
      view.get('layers').forEach(function (spec) {
        control.addOverlay(view.layers.group(spec.id), layerControlLabel(spec.name, spec.color, spec.icon));
      });
      return control;
    }

    function fillSettings(box) {
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
      view.get('layers').forEach(function (spec) {
        core.option(layerSelect, spec.id, spec.name, spec.id === view.get('progressLayer'));
      });
      var levelSelect = field('portal-setting-level', t('settings_level'), el('select', 'form-select form-select-sm'));
      view.get('levels').forEach(function (level) {
        core.option(levelSelect, level.id, level.label, level.id === view.get('level'));
      });
      var dateInput = field('portal-setting-as-of', t('settings_as_of'), el('input', 'form-control form-control-sm'));
      dateInput.type = 'date';
      dateInput.value = view.get('asOf') || view.get('dataDate') || '';

      layerSelect.addEventListener('change', function () { view.setProgressLayer(layerSelect.value); });
      levelSelect.addEventListener('change', function () { view.setLevel(levelSelect.value); });
      dateInput.addEventListener('change', function () {
        if (/^\d{4}-\d{2}-\d{2}$/.test(dateInput.value)) view.setAsOf(dateInput.value);
      });
      inputs = { layer: layerSelect, level: levelSelect, asOf: dateInput };
    }

    function syncSettings() {
      if (!inputs) return;
      inputs.layer.value = view.get('progressLayer');
      inputs.level.value = view.get('level');
      inputs.asOf.value = view.get('asOf') || view.get('dataDate') || '';
    }

    // Visible layers drawn by status, grouped when they share the same statuses (one list each).
    function statusGroups() {
      var groups = [];
      var byKey = {};
      view.get('visible').map(view.layerSpec).forEach(function (s) {
        if (!s || draw.countsOnly(s) || !(s.statuses || []).length) return;
        var key = JSON.stringify(s.statuses.map(function (st) { return [st.label, st.color]; }));
        if (!byKey[key]) {
          byKey[key] = { names: [], statuses: s.statuses };
          groups.push(byKey[key]);
        }
        byKey[key].names.push(s.name);
      });
      return groups;
    }

    // Bottom-right and top-right controls live in separate corners: keep the legend out of
    // the way of the layer list and the options above it.
    function fitLegend() {
      var box = legendBox;
      var body = box && box.querySelector('.portal-legend-body');
      if (!body) return;
      var container = map.getContainer();
      var top = container.querySelector('.leaflet-top.leaflet-right');
      var summary = box.querySelector('summary');
      var below = box.parentNode ? box.parentNode.offsetHeight - box.offsetHeight : 0;
      var room = container.clientHeight - (top ? top.offsetHeight : 0) - below -
        (summary ? summary.offsetHeight : 0) - 40;
      body.style.maxHeight = Math.max(72, room) + 'px';
    }

    function legendBadges(spec) {
      // The caveats (approximate boundaries, illustrative data) come first, where they are seen
      // without scrolling: wherever the data is shown, they are shown too.
      var badges = el('div', 'portal-legend-badges');
      if (view.areas.approximate()) badges.appendChild(draw.approximateBadge());
      var illustrative = [spec].concat(view.get('visible').map(view.layerSpec)).some(function (s) { return s && s.illustrative; });
      if (illustrative) badges.appendChild(draw.badge(t('badge_illustrative'), null, 'badge-illustrative'));
      return badges;
    }

    function updateLegend() {
      var box = legendBox;
      if (!box) return;
      box.textContent = '';
      var spec = view.layerSpec(view.get('progressLayer'));
      var summary = el('summary', 'portal-legend-title', spec ? spec.name : t('legend_progress'));
      summary.setAttribute('aria-label', t('legend_toggle') + ': ' + (spec ? spec.name : ''));
      box.appendChild(summary);
      var body = el('div', 'portal-legend-body');
      box.appendChild(body);
      body.appendChild(el('div', 'portal-legend-sub', t('legend_progress')));
      var level = view.levelSpec(view.get('level'));
      if (level) body.appendChild(el('div', 'portal-legend-sub', level.label));
      body.appendChild(el('div', 'portal-legend-sub portal-legend-date', t('legend_as_of', { date: core.fmtDate(view.get('asOf') || view.get('dataDate')) })));
      var badges = legendBadges(spec);
      if (badges.childNodes.length) body.appendChild(badges);
      for (var i = draw.colors.classes.length - 1; i >= 0; i--) body.appendChild(legendRow(null, draw.colors.classes[i], draw.classLabel(i)));
      body.appendChild(el('div', 'portal-legend-sub portal-legend-over', t('legend_over_target')));
      body.appendChild(legendRow(null, draw.colors.noTarget, t('legend_no_target')));
      body.appendChild(legendRow('portal-legend-lagging', null, t('legend_lagging')));

      var groups = statusGroups();
      if (groups.length) {
        body.appendChild(el('div', 'portal-legend-heading', t('legend_statuses')));
        groups.forEach(function (group) {
          body.appendChild(el('div', 'portal-legend-layer', group.names.join(', ')));
          group.statuses.forEach(function (status) {
            body.appendChild(legendRow('portal-legend-dot', core.safeColor(status.color, draw.colors.fallback), status.label));
          });
        });
      }
      fitLegend();
    }

    var list = layerList();
    var settings = panelControl('topright', 'portal-settings', function () { return roomy(view); }, fillSettings);
    var legend = panelControl('bottomright', 'portal-legend', function () { return roomy(view); },
      function (box) { legendBox = box; });

    core.on('map:options', syncSettings);
    core.on('map:areas', updateLegend);
    core.on('map:visible', updateLegend);
    map.on('resize', fitLegend);
    map.getContainer().addEventListener('toggle', fitLegend, true);

    return { layerList: list, settings, legend, updateLegend };
  }

  return { create };
});
