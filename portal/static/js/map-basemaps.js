/*
 * Basemaps kept by the portal (instance/basemaps/, served from /basemap/<name>/{z}/{x}/{y}.<ext>).
 *
 * Portal.basemaps.init(map, {basemaps: [...], none: 'No basemap'}) makes one layer per basemap:
 * raster ones a plain L.tileLayer, vector ones drawn in the browser by protomaps-leaflet
 * (vendor/protomaps-leaflet, global `protomapsL`) from z/x/y vector tiles of the Protomaps
 * basemap schema, with labels in the portal's own font (Be Vietnam Pro, served locally: no font,
 * glyph or sprite is fetched from anywhere). The default basemap is added to the map; each one
 * and "no basemap" become base layers of the map's layer control (addToControl). Without
 * basemaps nothing is added and the map is as before.
 */
window.Portal.define('basemaps', function (Portal, L) {
  'use strict';

  var FONT = "'Be Vietnam Pro', system-ui, sans-serif";

  // protomaps-leaflet's default labels use "sans-serif": switch every font of its label rules
  // to the portal's font, so Vietnamese names are drawn with the font the page already has.
  function withPortalFont(rules) {
    var seen = [];
    function walk(node, depth) {
      if (!node || typeof node !== 'object' || depth > 6 || seen.indexOf(node) >= 0) return;
      seen.push(node);
      if (node.font && typeof node.font.get === 'function' && !node.font.portalFont) {
        var original = node.font.get.bind(node.font);
        node.font.get = function (z, f) {
          return String(original(z, f)).replace(/sans-serif$/, FONT);
        };
        node.font.portalFont = true;
      }
      Object.keys(node).forEach(function (key) { walk(node[key], depth + 1); });
    }
    rules.forEach(function (rule) { walk(rule, 0); });
    return rules;
  }

  function vectorLayer(spec, lang) {
    var P = window.protomapsL;
    if (!P) return null;
    var flavor = 'light';
    return P.leafletLayer({
      url: spec.url,
      flavor: flavor,
      lang: lang,
      labelRules: withPortalFont(P.labelRules(flavor, lang)),
      attribution: spec.attribution || ' ',
      maxDataZoom: spec.maxZoom,
      bounds: spec.bounds,
      pane: 'tilePane'
    });
  }

  function rasterLayer(spec) {
    return L.tileLayer(spec.url, {
      attribution: spec.attribution || ' ',
      minZoom: 0,
      maxNativeZoom: spec.maxZoom,
      minNativeZoom: spec.minZoom,
      bounds: spec.bounds,
      className: 'portal-basemap-' + spec.kind
    });
  }

  function init(map, config) {
    var specs = (config && config.basemaps) || [];
    if (!specs.length) return null;
    var lang = document.documentElement.lang === 'en' ? 'en' : 'vi';
    var base = {};
    var shown = null;
    specs.forEach(function (spec) {
      var layer = spec.kind === 'vector' ? vectorLayer(spec, lang) : rasterLayer(spec);
      if (!layer) return;
      layer.portalBasemap = spec.name;
      base[spec.label] = layer;
      if (spec.default) shown = layer;
    });
    var none = L.layerGroup();
    base[config.none || '-'] = none;
    (shown || none).addTo(map);
    var container = map.getContainer();
    container.classList.toggle('portal-map-offline', !shown);
    map.on('baselayerchange', function (event) {
      container.classList.toggle('portal-map-offline', event.layer === none);
    });
    var kept = { base: base, shown: shown };
    map.portalBasemaps = kept;
    return kept;
  }

  // Adds the kept basemaps to a layer control as base layers ("no basemap" among them).
  function addToControl(control, map) {
    var kept = map.portalBasemaps;
    if (!kept) return control;
    Object.keys(kept.base).forEach(function (label) { control.addBaseLayer(kept.base[label], label); });
    return control;
  }

  return { init: init, addToControl: addToControl };
});

window.PortalBasemaps = { init: function (map, config) { return window.Portal.basemaps.init(map, config); } };
