/*
 * map-tiles.js: record layers drawn from the portal's vector tiles (/tiles/<layer>/<z>/<x>/<y>.mvt)
 * with Leaflet.VectorGrid, instead of the GeoJSON of /api/layers/<id>/features.
 *
 * Which layers: config.tiles.layers (PORTAL_MAP_TILES, see portal/web/mapconfig.py; "auto":
 * unclustered public layers of many records, which scripts/bench_map_tiles.py measured faster
 * as tiles). A layer falls back to GeoJSON while a filter is ticked (the tiles hold every
 * record; the features API filters) and when Leaflet.VectorGrid did not load. Leaflet.VectorGrid
 * 1.3 draws with its SVG tile renderer: its canvas one calls L.DomEvent.fakeStop on a click,
 * which Leaflet 1.9 no longer has.
 *
 * Portal.tiles.create(view) (view: see portal-map.js) returns:
 *   usable(spec)          whether the layer is drawn from tiles now
 *   draw(spec, group)     shows the layer's tile grid in `group` (made again when the date
 *                         changed or after an edit) and resolves, once the tiles in view are
 *                         drawn, to {drawn, records, byId, named}: features drawn, records they
 *                         stand for, {id: {open()}} for search results, [{latlng, name}] labels
 *   requests()            tile requests answered so far, per layer: {layer: {ok, failed}}
 *
 * A click on a record opens its popup (view.popups.openFeature, the properties of the tile are
 * the features API's, "incomplete" as JSON text); the pointer over it shows its name.
 */
window.Portal.define('tiles', function (Portal, L) {
  'use strict';

  var { core, draw } = Portal;
  var { el } = core;
  var DATA_CHANGED = 'portal:data-changed';

  function colorOf(spec, props) {
    return core.safeColor(draw.statusOf(spec, props).color, core.safeColor(spec.color, draw.colors.fallback));
  }

  // A tile's properties as the features API gives them: "incomplete" is JSON text in a tile.
  function properties(raw, id) {
    var p = Object.assign({}, raw);
    if (typeof p.incomplete === 'string') {
      try { p.incomplete = JSON.parse(p.incomplete); } catch (err) { p.incomplete = []; }
    }
    if (p.id === undefined || p.id === null) p.id = id;
    return p;
  }

  function styleFor(spec) {
    return function (props) {
      var color = colorOf(spec, props);
      return {
        color, weight: 4, opacity: 0.9, fill: true, fillColor: color, fillOpacity: 0.35,
        radius: 6, className: 'feature-shape feature-tile'
      };
    };
  }

  // Points look as map-layers.js draws them: a white ring around the status colour.
  var POINT_STYLE = { color: '#ffffff', weight: 1.5, fillOpacity: 0.92, radius: 6, className: 'feature-marker feature-tile' };

  // A failed tile counts and draws nothing, so the map still reports itself drawn.
  var Grid = L.VectorGrid && L.VectorGrid.Protobuf.extend({
    // The style functions see a feature's properties only: a point gets its look here.
    _createLayer: function (feat, pxPerExtent) {
      var layer = L.VectorGrid.Protobuf.prototype._createLayer.call(this, feat, pxPerExtent);
      layer.portalId = feat.id;
      if (feat.type === 1) {
        var render = layer.render;
        layer.render = function (renderer, style) { render.call(this, renderer, Object.assign({}, style, POINT_STYLE)); };
      }
      return layer;
    },
    _getVectorTilePromise: function (coords) {
      var counts = this.options.portalCounts;
      return L.VectorGrid.Protobuf.prototype._getVectorTilePromise.call(this, coords).then(function (tile) {
        counts.ok++;
        return tile;
      }, function () {
        counts.failed++;
        return { layers: {} };
      });
    }
  });

  function create(view) {
    var map = view.map;
    var config = view.get('tiles') || {};
    var tiled = Array.isArray(config.layers) ? config.layers : [];
    var grids = {};
    var counts = {};
    var stale = {};
    var tooltip = L.tooltip({ direction: 'top', className: 'portal-tooltip', sticky: true });

    document.addEventListener(DATA_CHANGED, function () {
      Object.keys(grids).forEach(function (id) { stale[id] = true; });
    });

    function usable(spec) {
      if (!Grid || !config.url || !spec || spec.recordsPublic !== true || tiled.indexOf(spec.id) < 0) return false;
      return !view.filters || Object.keys(view.filters.params(spec)).length === 0;
    }

    function tileUrl(spec) {
      var asOf = view.get('asOf');
      return config.url + '/' + encodeURIComponent(spec.id) + '/{z}/{x}/{y}.mvt'
        + (asOf ? '?as_of=' + encodeURIComponent(asOf) : '');
    }

    // Where a tile feature stands: its point, or the middle vertex of its first part.
    function anchorOf(symbolizer, coords, size) {
      var pt = symbolizer._point;
      if (!pt && symbolizer._parts && symbolizer._parts[0] && symbolizer._parts[0].length) {
        var part = symbolizer._parts[0];
        pt = part[Math.floor(part.length / 2)];
      }
      if (!pt) return null;
      return map.unproject(L.point(coords.x * size.x + pt.x, coords.y * size.y + pt.y), coords.z);
    }

    function openAt(spec, props, latlng) {
      view.popups.openFeature(spec, props, latlng);
    }

    function makeGrid(spec) {
      counts[spec.id] = counts[spec.id] || { ok: 0, failed: 0 };
      var grid = new Grid(tileUrl(spec), {
        pane: 'portal-shapes',
        rendererFactory: L.svg.tile,
        interactive: true,
        maxZoom: map.getMaxZoom() || 19,
        getFeatureId: function (feature) { return feature.id; },
        vectorTileLayerStyles: { [spec.id]: styleFor(spec) },
        fetchOptions: { credentials: 'same-origin' },
        portalCounts: counts[spec.id]
      });
      grid.portalUrl = tileUrl(spec);
      grid.on('click', function (e) {
        var feature = e.layer || {};
        var props = properties(feature.properties || {}, feature.portalId);
        // As a GeoJSON layer's: the editing add-on reads the clicked record from it.
        feature.feature = { type: 'Feature', properties: props };
        openAt(spec, props, e.latlng);
      });
      grid.on('mouseover', function (e) {
        var name = e.layer && e.layer.properties && e.layer.properties.name;
        if (!name) return;
        tooltip.setContent(el('span', null, String(name))).setLatLng(e.latlng);
        map.openTooltip(tooltip);
      });
      grid.on('mouseout', function () { map.closeTooltip(tooltip); });
      return grid;
    }

    // The features of the tiles at the map's zoom, once each (a record crossing tiles is in
    // several).
    function summary(spec, grid) {
      var byId = {};
      var named = [];
      var drawn = 0;
      var zoom = Math.round(map.getZoom());
      var size = grid.getTileSize();
      Object.keys(grid._vectorTiles || {}).forEach(function (key) {
        var renderer = grid._vectorTiles[key];
        var coords = renderer.getCoord();
        if (coords.z !== zoom) return;
        Object.keys(renderer._features || {}).forEach(function (id) {
          if (byId[id]) return;
          var symbolizer = renderer._features[id].feature;
          var anchor = anchorOf(symbolizer, coords, size);
          var props = properties(symbolizer.properties || {}, Number(id));
          drawn++;
          if (anchor && props.name) named.push({ latlng: anchor, name: String(props.name) });
          byId[id] = { open: function () { if (anchor) openAt(spec, props, anchor); } };
          if (symbolizer._path) {
            symbolizer._path.setAttribute('data-layer', spec.id);
            symbolizer._path.setAttribute('data-id', String(props.id));
          }
        });
      });
      return { drawn, records: drawn, byId, named };
    }

    function drawLayer(spec, group) {
      var grid = grids[spec.id];
      var fresh = !grid || !group.hasLayer(grid) || grid.portalUrl !== tileUrl(spec);
      if (fresh) {
        group.clearLayers();
        grid = grids[spec.id] = makeGrid(spec);
        stale[spec.id] = false;
      }
      return new Promise(function (resolve) {
        var done = function () { resolve(summary(spec, grid)); };
        if (fresh) {
          grid.once('load', done);
          group.addLayer(grid);
        } else if (stale[spec.id]) {
          stale[spec.id] = false;
          grid.once('load', done);
          grid.redraw();
        } else if (grid.isLoading()) {
          grid.once('load', done);
        } else {
          done();
        }
      });
    }

    return {
      usable,
      draw: drawLayer,
      requests: function () { return JSON.parse(JSON.stringify(counts)); }
    };
  }

  return { create };
});
