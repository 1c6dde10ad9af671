/*
 * map-layers.js: the thematic layers: each visible layer's records in the view (points, lines,
 * shapes and the server's cluster bubbles), or per-area count bubbles for a layer whose records
 * are not public.
 *
 * Portal.layers.create(view) (view: see portal-map.js) makes one Leaflet feature group per
 * catalogue layer (the visible ones on the map) and returns:
 *   group(id)             the layer's feature group (its overlay in the layer list)
 *   reload(id)            fetches and redraws a visible layer (a failure is reported)
 *   reloadVisible(onlyViewDependent)   reloads every visible layer; with true, not the
 *                         per-area count layers (they do not depend on the view)
 *   hide(id)              stops loading a layer taken off the map and empties it
 *   focus(target)         opens {layer, id, lat, lon, name, detail}'s popup once its layer has
 *                         been redrawn (a search result)
 *   stats()               {drawn, records, renderer}: per layer, features drawn, records they
 *                         stand for and "svg", "canvas", "dom" or "tiles" (kept up to date)
 *
 * Layers view.tiles says are usable are drawn from the vector tiles (map-tiles.js).
 *
 * The names of the records of config.labelLayers go to view.labels (map-labels.js).
 *
 * UI words: cluster_title ("{count} … {done} …": title of a cluster bubble; a click zooms in).
 */
window.Portal.define('layers', function (Portal, L) {
  'use strict';

  var { core, draw } = Portal;
  var { el, isNum, fmtNum } = core;

  // Above this many points per layer a canvas renderer is used (no DOM node per point).
  var SVG_POINT_LIMIT = 1500;

  function colorOf(spec, props) {
    return core.safeColor(draw.statusOf(spec, props).color, core.safeColor(spec.color, draw.colors.fallback));
  }

  function create(view) {
    var map = view.map;
    var groups = {};
    var index = {};
    var stats = { drawn: {}, records: {}, renderer: {} };
    var pending = null;
    var renderers = {
      svg: L.svg({ pane: 'portal-points' }),
      canvas: L.canvas({ pane: 'portal-points', tolerance: 3 })
    };
    var visible = view.get('visible');
    view.get('layers').forEach(function (spec) {
      var group = L.featureGroup();
      group.portalLayerId = spec.id;
      groups[spec.id] = group;
      stats.drawn[spec.id] = 0;
      stats.records[spec.id] = 0;
      if (visible.indexOf(spec.id) >= 0) group.addTo(map);
    });

    function layerParams(spec) {
      var b = map.getBounds().pad(0.1);
      var r = function (v) { return Math.round(v * 1e5) / 1e5; };
      var params = {
        bbox: [r(b.getWest()), r(b.getSouth()), r(b.getEast()), r(b.getNorth())].join(','),
        zoom: Math.round(map.getZoom()),
        as_of: view.get('asOf')
      };
      if (spec.cluster !== false) params.cluster = 'auto';
      if (view.filters) Object.assign(params, view.filters.params(spec));
      return params;
    }

    function record(spec, drawn, records, byId, renderer) {
      index[spec.id] = byId;
      stats.drawn[spec.id] = drawn;
      stats.records[spec.id] = records;
      stats.renderer[spec.id] = renderer;
    }

    function clusterMarker(spec, feature, latlng) {
      var p = feature.properties;
      var title = core.t('cluster_title', { count: fmtNum(p.count), done: fmtNum(p.done) });
      var marker = L.marker(latlng, {
        icon: draw.bubbleIcon(p.count || 0, 'feature-cluster'), title, alt: title, riseOnHover: true
      });
      draw.setDomData(marker, { 'data-layer': spec.id, 'data-count': String(p.count || 0) });
      marker.on('click', function () {
        var bounds = draw.bboxBounds(p.bbox);
        if (bounds && bounds.isValid()) map.fitBounds(bounds, { padding: [30, 30] });
        else map.setView(latlng, Math.min(map.getZoom() + 2, map.getMaxZoom()));
      });
      return marker;
    }

    function drawFeatures(spec, fc) {
      var features = (fc && fc.features) || [];
      var points = 0;
      features.forEach(function (f) {
        if (f.geometry && f.geometry.type === 'Point' && !(f.properties && f.properties.cluster)) points++;
      });
      var renderer = points < SVG_POINT_LIMIT ? renderers.svg : renderers.canvas;
      var byId = {};
      var drawn = 0;
      var records = 0;
      var named = [];
      var layer = L.geoJSON(fc, {
        pane: 'portal-shapes',
        pointToLayer: function (feature, latlng) {
          var p = feature.properties || {};
          if (p.cluster === true) return clusterMarker(spec, feature, latlng);
          var marker = L.circleMarker(latlng, {
            renderer, radius: 6, color: '#ffffff', weight: 1.5,
            fillColor: colorOf(spec, p), fillOpacity: 0.92, className: 'feature-marker'
          });
          draw.setDomData(marker, { 'data-layer': spec.id, 'data-id': String(p.id) });
          return marker;
        },
        style: function (feature) {
          // GeoJSON applies this to circle markers too: leave points as pointToLayer made them.
          var type = feature.geometry && feature.geometry.type;
          if (type === 'Point' || type === 'MultiPoint') return {};
          var color = colorOf(spec, feature.properties || {});
          return { color, weight: 4, opacity: 0.9, fillColor: color, fillOpacity: 0.35, className: 'feature-shape' };
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
            var data = { 'data-layer': spec.id, 'data-id': String(p.id) };
            draw.setDomData(item, data);
            if (item.eachLayer) item.eachLayer(function (part) { draw.setDomData(part, data); });
          }
          var anchor = isPoint ? item.getLatLng() : item.getBounds().getCenter();
          if (p.name) named.push({ latlng: anchor, name: String(p.name) });
          byId[p.id] = { open: function () { view.popups.openFeature(spec, p, anchor); } };
          item.on('click', function (e) { view.popups.openFeature(spec, p, isPoint || !e.latlng ? anchor : e.latlng); });
          if (p.name) item.bindTooltip(el('span', null, p.name), { direction: 'top', className: 'portal-tooltip' });
        }
      });
      var group = groups[spec.id];
      group.clearLayers();
      group.addLayer(layer);
      record(spec, drawn, records, byId, renderer === renderers.svg ? 'svg' : 'canvas');
      if (view.get('labelLayers').indexOf(spec.id) >= 0) view.labels.setPoints(spec.id, named);
    }

    function drawCounts(spec, areas, rows) {
      var byCode = {};
      rows.forEach(function (row) { byCode[row.code] = row; });
      var group = groups[spec.id];
      group.clearLayers();
      var drawn = 0;
      var records = 0;
      var byId = {};
      (areas.features || []).forEach(function (feature) {
        var props = feature.properties || {};
        var row = byCode[props.code];
        var point = draw.labelPoint(feature);
        if (!row || !point || !(typeof row.count === 'string' || row.count > 0 || draw.hasTarget(row))) return;
        var marker = L.marker(point, { icon: draw.bubbleIcon(row.count || 0, 'area-count'), title: props.name, alt: props.name });
        draw.setDomData(marker, { 'data-layer': spec.id, 'data-code': String(props.code), 'data-count': String(row.count || 0) });
        marker.bindPopup(view.popups.make({ maxWidth: 300 }).setContent(function () { return view.popups.counts(spec, props, row); }));
        group.addLayer(marker);
        byId[props.code] = { open: function () { marker.openPopup(); } };
        drawn++;
        records += isNum(row.count) ? row.count : 0;
      });
      record(spec, drawn, records, byId, 'dom');
    }

    function focusPending(layerId) {
      if (!pending || pending.layer !== layerId) return;
      var target = pending;
      pending = null;
      var item = (index[layerId] || {})[target.id];
      if (item) {
        item.open();
        return;
      }
      if (isNum(target.lat) && isNum(target.lon)) {
        var box = el('div', 'portal-popup');
        box.appendChild(el('div', 'portal-popup-title', target.name));
        if (target.detail) box.appendChild(el('div', 'portal-popup-sub', target.detail));
        view.popups.make().setLatLng([target.lat, target.lon]).setContent(box).openOn(map);
      }
    }

    async function load(id) {
      var spec = view.layerSpec(id);
      if (!spec || view.get('visible').indexOf(id) < 0) return;
      if (draw.countsOnly(spec)) {
        var level = view.get('level');
        var results = await Promise.all([
          view.areas.boundaries(level),
          view.api('layer:' + id, '/progress', { layer: id, level, as_of: view.get('asOf') })
        ]);
        drawCounts(spec, results[0], results[1] || []);
      } else if (view.tiles && view.tiles.usable(spec)) {
        var tiled = await view.tiles.draw(spec, groups[spec.id]);
        record(spec, tiled.drawn, tiled.records, tiled.byId, 'tiles');
        if (view.get('labelLayers').indexOf(spec.id) >= 0) view.labels.setPoints(spec.id, tiled.named);
      } else {
        var fc = await view.api('layer:' + id, '/layers/' + encodeURIComponent(id) + '/features', layerParams(spec));
        drawFeatures(spec, fc);
      }
      focusPending(id);
    }

    function reload(id) {
      return load(id).catch(view.report);
    }

    function reloadVisible(onlyViewDependent) {
      return Promise.all(view.get('visible').map(function (id) {
        var spec = view.layerSpec(id);
        if (!spec || (onlyViewDependent && draw.countsOnly(spec))) return null;
        return reload(id);
      }));
    }

    function hide(id) {
      core.abort('layer:' + id);
      groups[id].clearLayers();
      view.labels.setPoints(id, []);
      stats.drawn[id] = 0;
      stats.records[id] = 0;
    }

    return {
      group: function (id) { return groups[id] || null; },
      reload,
      reloadVisible,
      hide,
      focus: function (target) { pending = target; },
      stats: function () { return stats; }
    };
  }

  return { create };
});
