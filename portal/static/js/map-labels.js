/*
 * map-labels.js: the names written on the map, so that it reads without a base map.
 *
 * At the zoom that shows the whole province the names of the districts (the pre-2025 units,
 * for orientation) are written; one zoom step in, the names of the drawn areas (the communes);
 * the names of a few point layers (border gates, geopark sites: config.labelLayers) wherever
 * they stand apart. Each area's name sits on its label point (the point of the area farthest
 * from its edges, computed by the server: /api/areas label_lon/label_lat), in a size that grows
 * with the area. Names are placed the selected area's first, then the points', then the larger
 * areas' before the smaller; a name that would overlap one already placed (or a named point's
 * marker) is left out. The placement is redone after each zoom.
 *
 * Portal.labels.create(view) (view: see portal-map.js; uses view.areas once it exists) returns:
 *   setAreas(fc)          the drawn areas (GeoJSON of the current level)
 *   setPoints(layerId, items)   a point layer's named records [{latlng, name}] ([] to clear)
 *   place()               places the names again
 *   shown()               the names placed: [{name, kind, box}] (box in container pixels at
 *                         the time of placing; for debugging)
 */
window.Portal.define('labels', function (Portal, L) {
  'use strict';

  var { core } = Portal;
  var { el } = core;

  // Sizes in px: [smallest, largest] per kind of name.
  var SIZES = { district: [12, 18], area: [10.5, 18], point: [11, 11] };
  // A name's size is this share of the side of its area on screen, within SIZES.
  var SIZE_SHARE = 0.07;
  var GAP = 3;
  // Half the size of a point marker (map-layers.js draws them with a radius of 6 px).
  var DOT = 7;

  // District names are written short ("Huyện Bình Gia" -> "Bình Gia", in capitals by CSS).
  function shortName(name, kind) {
    if (kind !== 'district') return name;
    return name.replace(/^Huyện\s+/i, '').replace(/^Thành phố\s+/i, 'TP. ').replace(/^Thị xã\s+/i, 'TX. ');
  }

  function create(view) {
    var map = view.map;
    var group = L.layerGroup().addTo(map);
    var areas = null;
    var districts = null;
    var points = {};
    var placed = [];

    function candidates(fc, kind) {
      var range = SIZES[kind];
      var list = ((fc && fc.features) || []).map(function (f) {
        var p = f.properties || {};
        var at = Portal.draw.labelPoint(f);
        return at && p.name ? { name: shortName(String(p.name), kind), code: p.code, at, km2: core.isNum(p.area_km2) ? p.area_km2 : 0, kind } : null;
      }).filter(Boolean);
      var zoom = map.getZoom();
      list.forEach(function (c) {
        // The side of the area on screen: sqrt(km²) over the metres a pixel spans there.
        var metresPerPixel = 40075016.686 * Math.cos(c.at.lat * Math.PI / 180) / Math.pow(2, zoom + 8);
        var side = Math.sqrt(c.km2 * 1e6) / metresPerPixel;
        c.size = Math.min(range[1], Math.max(range[0], SIZE_SHARE * side));
      });
      return list.sort(function (a, b) { return b.km2 - a.km2; });
    }

    // Whole-province zoom: the zoom at which the drawn areas fit the map.
    function provinceZoom() {
      var bounds = view.areas && view.areas.bounds();
      return bounds && bounds.isValid() ? map.getBoundsZoom(bounds) : 9;
    }

    function areaNames() {
      var level = view.get('level');
      if (level !== 'commune') return candidates(areas, level === 'district' ? 'district' : 'area');
      if (map.getZoom() < provinceZoom() + 1) return districts ? candidates(districts, 'district') : [];
      return candidates(areas, 'area');
    }

    function pointNames() {
      var list = [];
      Object.keys(points).forEach(function (id) {
        if (view.get('visible').indexOf(id) < 0) return;
        points[id].forEach(function (item) {
          list.push({ name: item.name, at: item.latlng, kind: 'point', size: SIZES.point[0], km2: 0 });
        });
      });
      return list;
    }

    function overlaps(a, b) {
      return a.left < b.right + GAP && b.left < a.right + GAP && a.top < b.bottom + GAP && b.top < a.bottom + GAP;
    }

    // Per-area count bubbles sit on the label points: the names then go just above them.
    function raised() {
      return view.get('visible').some(function (id) {
        var spec = view.layerSpec(id);
        return spec && Portal.draw.countsOnly(spec);
      });
    }

    // The name's box as drawn, in container pixels.
    function boxOf(span) {
      var outer = map.getContainer().getBoundingClientRect();
      var r = span.getBoundingClientRect();
      return { left: r.left - outer.left, top: r.top - outer.top, right: r.right - outer.left, bottom: r.bottom - outer.top };
    }

    // The markers of the named points: no name is written over them.
    function dots(names) {
      return names.map(function (c) {
        var p = map.latLngToContainerPoint(c.at);
        return { left: p.x - DOT, top: p.y - DOT, right: p.x + DOT, bottom: p.y + DOT };
      });
    }

    function hitsDot(box, list) {
      return list.some(function (d) {
        return box.left < d.right && d.left < box.right && box.top < d.bottom && d.top < box.bottom;
      });
    }

    // Each name is drawn, measured, and taken off again when it overlaps one placed before.
    function place() {
      group.clearLayers();
      placed = [];
      var lift = raised();
      var named = pointNames();
      var markers = dots(named);
      // The selected area's name first (an area page names its area), then the points.
      var areas = areaNames();
      var selected = areas.filter(function (c) { return c.code && c.code === view.get('area'); });
      var others = areas.filter(function (c) { return selected.indexOf(c) < 0; });
      selected.concat(named, others).forEach(function (c) {
        var span = el('span', null, c.name);
        span.style.fontSize = c.size.toFixed(1) + 'px';
        var marker = L.marker(c.at, {
          pane: 'portal-labels',
          interactive: false,
          keyboard: false,
          icon: L.divIcon({
            className: 'map-label map-label-' + c.kind + (lift && c.kind !== 'point' ? ' map-label-raised' : ''),
            html: span,
            iconSize: null
          })
        });
        group.addLayer(marker);
        var box = boxOf(span);
        var first = selected.indexOf(c) >= 0;
        if (!first && (hitsDot(box, markers) || placed.some(function (other) { return overlaps(box, other.box); }))) {
          group.removeLayer(marker);
          return;
        }
        placed.push({ name: c.name, kind: c.kind, box });
      });
    }

    function setAreas(fc) {
      areas = fc;
      if (view.get('level') === 'commune' && !districts && view.areas) {
        view.areas.boundaries('district').then(function (d) {
          districts = d;
          place();
        }).catch(function () { districts = { features: [] }; });
      }
      place();
    }

    function setPoints(layerId, items) {
      points[layerId] = items || [];
      place();
    }

    map.on('zoomend resize', place);
    core.on('map:visible', place);

    return {
      setAreas,
      setPoints,
      place,
      shown: function () {
        return placed.map(function (p) { return { name: p.name, kind: p.kind, box: p.box }; });
      }
    };
  }

  return { create };
});
