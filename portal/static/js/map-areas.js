/*
 * map-areas.js: the administrative boundaries, coloured by the progress of the chosen layer
 * (the choropleth) and the selected area; their names are written by map-labels.js.
 *
 * Portal.areas.create(view) (view: see portal-map.js) adds the boundaries overlay to the map
 * and returns:
 *   group                 the overlay (a Leaflet feature group), for the layer list
 *   load()                fetches the boundaries of the level and the progress, then draws them;
 *                         emits "map:areas" once drawn
 *   boundaries(level)     a Promise of the level's boundaries (GeoJSON), fetched once per level
 *   select(code, {fit, openPopup})   highlights an area (and records it in the view)
 *   bounds(code)          bounds of a drawn area (null when not drawn); without an argument,
 *                         of all drawn areas (not valid before the first drawing)
 *   approximate()         whether the drawn boundaries are approximate
 *   paint(fills)          fills the areas with other colours ({code: CSS colour}; an area left
 *                         out: the "no target" grey) until unpaint(), over selection, hover
 *                         and redraws (raster-zonal.js: a raster's figure per area)
 *   unpaint()             the progress colours again
 * Document events listened to: "portal:area-hover" {code|null} outlines an area (a table row
 * under the pointer), "portal:area-focus" {code} selects it and zooms to it.
 *
 * UI words: no_target (tooltip of an area without a target).
 */
window.Portal.define('areas', function (Portal, L) {
  'use strict';

  var { core, draw } = Portal;
  var { el } = core;

  var BOUNDARIES_ID = 'boundaries';

  function areaStyle(row, selected) {
    var cls = draw.classIndex(row);
    var lagging = !!(row && row.lagging);
    return {
      color: selected ? draw.colors.selected : lagging ? draw.colors.lagging : draw.colors.outline,
      weight: selected ? 4 : lagging ? 2.5 : 1,
      dashArray: lagging ? '6 4' : null,
      opacity: 1,
      fillColor: cls >= 0 ? draw.colors.classes[cls] : draw.colors.noTarget,
      fillOpacity: 0.72
    };
  }

  function create(view) {
    var map = view.map;
    var cache = {};
    var progress = {};
    var shapes = {};
    var areaLayer = L.featureGroup();
    var approximate = false;
    var painted = null;  // {code: fill} of paint(), null: the progress colours
    var renderer = L.svg({ pane: 'portal-areas', padding: 0.5 });
    var group = L.featureGroup();
    group.portalLayerId = BOUNDARIES_ID;
    group.addTo(map);

    // Boundaries change rarely: one request per level, shared by everyone who needs it.
    function boundaries(level) {
      if (!cache[level]) {
        cache[level] = view.api('areas:' + level, '/areas', { level }).catch(function (err) {
          delete cache[level];
          throw err;
        });
      }
      return cache[level];
    }

    function styleOf(code, selected) {
      var style = areaStyle(progress[code], selected);
      if (painted) style.fillColor = painted[code] || draw.colors.noTarget;
      return style;
    }

    function tooltip(props, row) {
      var tip = el('div', 'portal-area-tip');
      tip.appendChild(el('strong', null, props.name));
      tip.appendChild(el('span', null, ' ' + (draw.classIndex(row) >= 0 ? core.fmtPercent(row.percent) : core.t('no_target'))));
      if (draw.classIndex(row) >= 0 && draw.isOverTarget(row)) tip.appendChild(el('span', null, ' · ' + core.t('over_target')));
      return tip;
    }

    function drawAreas(fc, rows) {
      var byCode = {};
      rows.forEach(function (row) { byCode[row.code] = row; });
      progress = byCode;
      shapes = {};
      group.clearLayers();
      var anyApproximate = false;
      var selectedCode = view.get('area');
      var layer = L.geoJSON(fc, {
        renderer,
        style: function (feature) {
          var row = byCode[feature.properties.code];
          var style = styleOf(feature.properties.code, feature.properties.code === selectedCode);
          var cls = draw.classIndex(row);
          style.className = 'area-shape area-class-' + (cls >= 0 ? cls : 'none') + (row && row.lagging ? ' area-lagging' : '');
          return style;
        },
        onEachFeature: function (feature, shape) {
          var props = feature.properties || {};
          var row = byCode[props.code];
          if (props.provenance === 'approximate') anyApproximate = true;
          shapes[props.code] = shape;
          draw.setDomData(shape, {
            'data-code': String(props.code),
            'data-level': String(props.level || view.get('level')),
            'data-class': String(draw.classIndex(row))
          });
          shape.bindTooltip(function () { return tooltip(props, row); },
            { sticky: true, direction: 'top', className: 'portal-tooltip' });
          shape.bindPopup(view.popups.make({ maxWidth: 300 }).setContent(function () { return view.popups.area(props, row); }));
          shape.on('click', function () { select(props.code, { fit: false }); });
        }
      });
      group.addLayer(layer);
      areaLayer = layer;
      approximate = anyApproximate;
      view.labels.setAreas(fc);
      core.emit('map:areas');
      if (selectedCode && shapes[selectedCode]) shapes[selectedCode].bringToFront();
      return layer;
    }

    async function load() {
      var level = view.get('level');
      var layer = view.get('progressLayer');
      var results = await Promise.all([
        boundaries(level),
        layer ? view.api('progress', '/progress', { layer, level, as_of: view.get('asOf') })
          : Promise.resolve([])
      ]);
      drawAreas(results[0], results[1] || []);
    }

    function select(code, options) {
      var previous = shapes[view.get('area')];
      view.setArea(code);
      if (previous) previous.setStyle(styleOf(previous.feature.properties.code, false));
      var shape = shapes[code];
      if (shape) {
        shape.setStyle(styleOf(code, true));
        if (map.hasLayer(shape)) shape.bringToFront();
        if (options && options.fit) map.fitBounds(shape.getBounds(), { maxZoom: 13, padding: [20, 20] });
        if (options && options.openPopup) shape.openPopup(shape.getBounds().getCenter());
      }
    }

    function bounds(code) {
      if (arguments.length) return shapes[code] ? shapes[code].getBounds() : null;
      return areaLayer.getBounds();
    }

    function paint(fills) {
      painted = fills || null;
      Object.keys(shapes).forEach(function (code) {
        shapes[code].setStyle(styleOf(code, code === view.get('area')));
      });
    }

    // A page's table talks to the map through two document events (planning.js):
    // "portal:area-hover" {code | null} outlines an area, "portal:area-focus" {code} selects it
    // and zooms to it.
    var hovered = null;
    document.addEventListener('portal:area-hover', function (e) {
      var code = e.detail && e.detail.code;
      if (hovered && shapes[hovered]) shapes[hovered].setStyle(styleOf(hovered, hovered === view.get('area')));
      hovered = code && shapes[code] ? code : null;
      if (hovered) shapes[hovered].setStyle({ color: draw.colors.selected, weight: 4 }).bringToFront();
    });
    document.addEventListener('portal:area-focus', function (e) {
      if (e.detail && e.detail.code) select(e.detail.code, { fit: true });
    });

    return {
      group,
      load,
      boundaries,
      select,
      bounds,
      paint,
      unpaint: function () { paint(null); },
      approximate: function () { return approximate; }
    };
  }

  return { create };
});
