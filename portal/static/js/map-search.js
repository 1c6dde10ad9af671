/*
 * map-search.js: the search box over the map (an ARIA combobox) and what choosing a result does:
 * fly to an area and select it (switching the level when needed), or to a record and open it.
 * A pre-2025 commune or district (kind "old_area") shows where it went ("now part of …") and
 * opens the 2025 commune it became (the first, when it was divided).
 *
 * Portal.search.create(view) (view: see portal-map.js; uses view.areas and view.layers)
 * returns the Leaflet control, to be added to the map.
 *
 * UI words:
 *   search_label          accessible name of the search box
 *   search_placeholder    placeholder of the search box
 *   search_no_results     shown when a search finds nothing
 *   search_kind_area      kind of a search result: an area
 *   search_kind_feature   kind of a search result: a record
 *   search_kind_old_area  kind of a search result: a unit from before 1 July 2025
 */
window.Portal.define('search', function (Portal, L) {
  'use strict';

  var core = Portal.core;
  var { el, t, isNum } = core;

  var SEARCH_DELAY_MS = 250;
  var SEARCH_MIN_CHARS = 2;

  function create(view) {
    var map = view.map;

    // Flies to a result and calls `then` once there (popups opened mid-flight would autopan
    // and break the flight). Returns whether the map moves.
    function moveTo(result, then) {
      var bounds = Portal.draw.bboxBounds(result.bbox);
      if (bounds && bounds.isValid()) {
        map.once('moveend', then);
        map.flyToBounds(bounds, { maxZoom: 15, padding: [20, 20], duration: 0.8 });
        return true;
      }
      if (isNum(result.lat) && isNum(result.lon)) {
        map.once('moveend', then);
        map.flyTo([result.lat, result.lon], Math.max(map.getZoom(), 14), { duration: 0.8 });
        return true;
      }
      then();
      return false;
    }

    function openResult(result) {
      map.closePopup();
      if (result.kind === 'old_area') {
        var now = (result.now || [])[0];
        if (now) openResult({ kind: 'area', level: 'commune', code: now.code, lat: result.lat, lon: result.lon });
        return;
      }
      if (result.kind === 'area') {
        var switchLevel = result.level && result.level !== view.get('level') && view.levelSpec(result.level);
        var loaded = switchLevel ? view.setLevel(result.level) : Promise.resolve();
        moveTo(result, function () {
          loaded.then(function () { view.areas.select(result.code, { openPopup: true }); });
        });
        return;
      }
      var spec = view.layerSpec(result.layer);
      if (!spec) return;
      var group = view.layers.group(spec.id);
      if (!map.hasLayer(group)) map.addLayer(group);
      var focus = {
        layer: spec.id, id: result.id, lat: result.lat, lon: result.lon, name: result.name, detail: result.detail
      };
      // The moveend at the end of the flight reloads the layer (debounced); the reload opens
      // the record's popup once it is drawn.
      var moving = moveTo(result, function () { view.layers.focus(focus); });
      if (!moving) view.layers.reload(spec.id);
    }

    function resultMeta(item) {
      // An old unit's detail already names its old district and the date it was retired.
      if (item.kind === 'old_area') return item.detail || t('search_kind_old_area');
      var spec = item.kind === 'feature' ? view.layerSpec(item.layer) : null;
      var kind = item.kind === 'area'
        ? (view.levelSpec(item.level) || {}).label || t('search_kind_area')
        : (spec && spec.name) || t('search_kind_feature');
      return [kind, item.detail].filter(function (v) { return v; }).join(' · ');
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
        if (!items.length) list.appendChild(el('li', 'portal-search-empty', t('search_no_results')));
        items.forEach(function (item, i) {
          var li = el('li', 'portal-search-item');
          li.id = 'portal-search-option-' + i;
          li.setAttribute('role', 'option');
          li.setAttribute('aria-selected', 'false');
          li.appendChild(el('span', 'portal-search-name', item.name));
          li.appendChild(el('span', 'portal-search-detail', resultMeta(item)));
          if (item.note) li.appendChild(el('span', 'portal-search-detail portal-search-note', item.note));
          li.addEventListener('mousedown', function (e) { e.preventDefault(); });
          li.addEventListener('click', function () { choose(i); });
          list.appendChild(li);
        });
        list.hidden = false;
        input.setAttribute('aria-expanded', 'true');
      }

      var search = core.debounce(function (q) {
        view.api('search', '/search', { q, as_of: view.get('asOf') })
          .then(function (items) { if (input.value.trim() === q) render(Array.isArray(items) ? items : []); })
          .catch(view.report);
      }, SEARCH_DELAY_MS);

      input.addEventListener('input', function () {
        var q = input.value.trim();
        if (q.length < SEARCH_MIN_CHARS) {
          core.abort('search');
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

    var Search = L.Control.extend({
      options: { position: 'topleft' },
      onAdd: function () {
        var box = el('div', 'leaflet-control portal-search');
        core.stopMapEvents(box);
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

  return { create };
});
