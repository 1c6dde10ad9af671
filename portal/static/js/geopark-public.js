/*
 * geopark-public.js: the map and the site cards of the public geopark page (/geopark).
 *
 * Plain ES2017, no build step, no request to any host but the page's own (and the base map, when
 * one is configured). Loaded after Leaflet and portal-core.js. The page holds its sites in the
 * JSON of #geopark-data (key, name, note (set when the name is the Vietnamese one), type,
 * hours, lat, lon, url: no record id, status or progress), written by portal/views/geopark.py in the visitor's language; the commune
 * boundaries come from /api/areas and are drawn in one neutral colour.
 *
 * Tapping a card (or its name button) centres the map on the site and opens its popup, and the
 * address becomes the site's shareable link (?site=<key>); opening such a link does the same.
 * Every value reaches the page through textContent or a DOM property, never innerHTML.
 *
 * Portal.geoparkPublic (also window.GeoparkPublic):
 *   show(key)   centres the map on a site and opens its popup; false for an unknown key
 *   state       read-only view for the browser tests: map, loaded, opened, markers
 */
window.Portal.define('geoparkPublic', function (Portal, L) {
  'use strict';

  var el = Portal.core.el;
  var SITE_ZOOM = 12;
  var state = { map: null, loaded: false, opened: null, markers: {} };
  var sites = {};
  var data = null;

  function popupContent(site) {
    var box = el('div', 'geopark-popup-body');
    var title = box.appendChild(el('div', 'geopark-popup-title'));
    var name = title.appendChild(el('strong', null, site.name));
    if (site.note) {
      // The name is the Vietnamese one: say so, in the visitor's language.
      name.lang = 'vi';
      title.appendChild(document.createTextNode(' '));
      title.appendChild(el('span', 'fallback-note', site.note));
    }
    box.appendChild(el('div', 'small text-muted', site.type));
    if (site.hours) box.appendChild(el('div', 'small', site.hours));
    var more = el('a', 'small', data.strings.details);
    more.href = '#site-' + site.key;
    more.addEventListener('click', function (event) {
      event.preventDefault();
      var card = document.getElementById('site-' + site.key);
      if (card) {
        card.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
        var button = card.querySelector('.site-show');
        if (button) button.focus({ preventScroll: true });
      }
    });
    box.appendChild(more);
    return box;
  }

  function markCard(key) {
    var cards = document.querySelectorAll('.site-card');
    for (var i = 0; i < cards.length; i++) {
      cards[i].classList.toggle('is-selected', cards[i].dataset.key === key);
    }
  }

  function remember(key) {
    var query = new URLSearchParams(window.location.search);
    query.set('site', key);
    window.history.replaceState(null, '', window.location.pathname + '?' + query.toString());
  }

  function show(key) {
    var marker = state.markers[key];
    if (!marker) return false;
    var map = state.map;
    map.setView(marker.getLatLng(), Math.max(map.getZoom(), SITE_ZOOM), { animate: false });
    marker.openPopup();
    state.opened = key;
    markCard(key);
    remember(key);
    return true;
  }

  function addMarker(site) {
    var marker = L.circleMarker([site.lat, site.lon], {
      radius: 9, color: '#ffffff', weight: 2, fillColor: '#1b5e20', fillOpacity: 1,
      className: 'geopark-marker',
    });
    marker.bindPopup(function () { return popupContent(site); }, {
      maxWidth: 240, maxHeight: 160, autoPanPadding: [12, 12], className: 'geopark-popup',
    });
    marker.bindTooltip(site.note ? site.name + ' ' + site.note : site.name,
      { direction: 'top', offset: [0, -8] });
    marker.on('click', function () {
      state.opened = site.key;
      markCard(site.key);
      remember(site.key);
    });
    marker.addTo(state.map);
    state.markers[site.key] = marker;
  }

  function drawAreas() {
    return fetch(data.areas, { credentials: 'same-origin' })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (collection) {
        if (!collection) return;
        L.geoJSON(collection, {
          pane: 'geopark-areas',
          interactive: false,
          style: function () {
            return {
              color: '#8d8a80', weight: 0.8, fillColor: '#f3f0e6', fillOpacity: 1,
              className: 'area-shape',
            };
          },
        }).addTo(state.map);
      })
      .catch(function () { /* the sites still show without the boundaries */ });
  }

  function onCardClick(event) {
    if (event.target.closest('a, summary')) return;
    var card = event.target.closest('.site-card');
    if (card) show(card.dataset.key);
  }

  function init() {
    var source = document.getElementById('geopark-data');
    var node = document.getElementById('geopark-map');
    if (!source || !node) return;
    data = JSON.parse(source.textContent);
    var map = L.map(node, { zoomSnap: 0.25, zoomDelta: 0.5, minZoom: 7, maxZoom: 18 });
    state.map = map;
    map.createPane('geopark-areas').style.zIndex = 350;
    if (data.basemap) {
      L.tileLayer(data.basemap.url, { attribution: data.basemap.attribution || ' ' }).addTo(map);
    } else if (data.basemaps && data.basemaps.length && Portal.basemaps) {
      Portal.basemaps.init(map, { basemaps: data.basemaps, none: data.noBasemap });
      if (data.basemaps.length > 1) Portal.basemaps.addToControl(L.control.layers(null, null, { position: 'topright' }), map).addTo(map);
    }
    var bounds = L.latLngBounds([]);
    data.sites.forEach(function (site) {
      sites[site.key] = site;
      bounds.extend([site.lat, site.lon]);
    });
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [24, 24], maxZoom: SITE_ZOOM });
    else map.setView([21.85, 106.62], 9);
    data.sites.forEach(addMarker);
    var list = document.querySelector('.site-list');
    if (list) list.addEventListener('click', onCardClick);
    drawAreas().then(function () {
      if (data.selected && show(data.selected)) {
        var card = document.getElementById('site-' + data.selected);
        if (card) card.scrollIntoView({ block: 'nearest' });
      }
      state.loaded = true;
      node.dataset.ready = 'true';
    });
  }

  init();
  var api = { show: show, state: state };
  window.GeoparkPublic = api;
  return api;
});
