/*
 * map-terrain.js: terrain and hazards at the map's records, from the current raster layers.
 *
 * Portal.terrain.create(view) (view: see portal-map.js; made by map-filters.js as view.terrain)
 * returns:
 *   section(spec, props)  a "Terrain & hazards" part for a record's popup (map-popups.js): the
 *                         elevation under the record, the people within 1 km and whether it
 *                         lies in a flood or landslide zone, each with its raster's date and
 *                         provenance badge; filled once the values are in, removed when no
 *                         raster answers (null for a layer shown only as counts)
 *   params(spec)          the features request's raster filter: {hazard: "flood_depth,...",
 *                         elev_min, elev_max} ({} when nothing is asked, or for a layer shown
 *                         only as counts); kinds with no current raster are left out
 *   fill(body, changed)   adds the filter's fields to the filter panel (map-filters.js);
 *                         `changed()` is called when they change
 *
 * Which rasters are current comes from GET {api}/rasters?as_of= once per date; a kind with no
 * current raster is never asked for. The values of a layer's records come from
 * GET {api}/coverage/record-values?layer=&kind=&as_of=, once per layer, kind and date, kept in
 * the page (a popup of a layer of 1,000 records costs one request per kind, not per popup).
 * The choice is kept in the page URL as hazard=flood_depth,landslide_hazard and
 * elev=min,max (read once, when the page opens).
 *
 * UI words (portal/web/strings.py:terrain_strings): terrain_title; the labels terrain_elevation,
 * terrain_people, terrain_flood, terrain_landslide; terrain_people_value, terrain_flood_in,
 * terrain_flood_out, terrain_landslide_in, terrain_landslide_out ({value}, {threshold},
 * {count}), terrain_no_value, terrain_source ({date}), terrain_approximate,
 * terrain_illustrative (badges); terrain_filter_title, terrain_filter_flood,
 * terrain_filter_landslide, terrain_filter_elevation, terrain_filter_min, terrain_filter_max.
 */
window.Portal.define('terrain', function (Portal) {
  'use strict';

  var { core, draw } = Portal;
  var { el, t, fmtNum } = core;

  var KINDS = ['elevation', 'population', 'flood_depth', 'landslide_hazard'];
  var HAZARDS = ['flood_depth', 'landslide_hazard'];
  var HAZARD_WORD = { flood_depth: 'flood', landslide_hazard: 'landslide' };
  var LABELS = {
    elevation: 'terrain_elevation', population: 'terrain_people',
    flood_depth: 'terrain_flood', landslide_hazard: 'terrain_landslide'
  };

  function fromUrl() {
    var query = new URLSearchParams(window.location.search);
    var hazards = (query.get('hazard') || '').split(',').filter(function (k) { return HAZARDS.indexOf(k) >= 0; });
    var elev = (query.get('elev') || '').split(',');
    var num = function (v) { return v !== undefined && v !== '' && isFinite(Number(v)) ? Number(v) : null; };
    return { hazards, min: num(elev[0]), max: num(elev[1]) };
  }

  function keepInUrl(chosen) {
    var query = new URLSearchParams(window.location.search);
    if (chosen.hazards.length) query.set('hazard', chosen.hazards.join(',')); else query.delete('hazard');
    if (chosen.min !== null || chosen.max !== null) {
      query.set('elev', (chosen.min === null ? '' : chosen.min) + ',' + (chosen.max === null ? '' : chosen.max));
    } else {
      query.delete('elev');
    }
    var text = query.toString().replace(/%2C/g, ',');
    try {
      window.history.replaceState(window.history.state, '', window.location.pathname + (text ? '?' + text : '') + window.location.hash);
    } catch (err) {
      // A sandboxed frame cannot change its URL; the filter still works.
    }
  }

  function create(view) {
    var chosen = fromUrl();
    var current = {};        // kind -> raster entry of /api/rasters, for the date of `currentDay`
    var currentDay = null;
    var rastersLoad = null;
    var values = {};         // layer|kind|day -> Promise of {raster, threshold, byId}
    var filterBox = null;
    var onChanged = null;

    function day() { return view.get('asOf') || view.get('dataDate') || ''; }

    function loadRasters() {
      if (rastersLoad && currentDay === day()) return rastersLoad;
      currentDay = day();
      rastersLoad = core.request('GET', core.url(view.get('api'), '/rasters', { as_of: currentDay }))
        .then(function (data) {
          current = {};
          ((data && data.rasters) || []).forEach(function (r) {
            if (KINDS.indexOf(r.kind) >= 0) current[r.kind] = r;
          });
          return current;
        })
        .catch(function () { current = {}; return current; });
      return rastersLoad;
    }

    function layerValues(spec, kind) {
      var key = spec.id + '|' + kind + '|' + day();
      if (!values[key]) {
        values[key] = core.request('GET', core.url(view.get('api'), '/coverage/record-values',
          { layer: spec.id, kind, as_of: day() }))
          .then(function (data) {
            var byId = {};
            (data.values || []).forEach(function (v) { byId[v.id] = v; });
            return { raster: data.raster, threshold: data.threshold, byId };
          })
          .catch(function () { delete values[key]; return null; });
      }
      return values[key];
    }

    function source(raster) {
      var wrap = el('span', 'portal-terrain-source');
      wrap.appendChild(document.createTextNode(' ' + t('terrain_source', { date: core.fmtDate(raster.as_of) })));
      if (raster.provenance === 'approximate' || raster.provenance === 'illustrative') {
        wrap.appendChild(document.createTextNode(' '));
        wrap.appendChild(draw.badge(t('terrain_' + raster.provenance), null, 'badge-' + raster.provenance));
      }
      return wrap;
    }

    function line(kind, answer, item) {
      var row = el('div', 'portal-terrain-row');
      row.setAttribute('data-kind', kind);
      var value = item ? item.value : null;
      if (value === null || value === undefined) {
        row.appendChild(el('span', 'portal-terrain-label', t(LABELS[kind])));
        row.appendChild(el('span', 'portal-terrain-none', ' ' + t('terrain_no_value')));
      } else if (kind === 'elevation') {
        row.appendChild(el('span', 'portal-terrain-label', t(LABELS[kind])));
        row.appendChild(el('span', 'portal-terrain-value', ' ' + fmtNum(Math.round(value)) + ' m'));
      } else if (kind === 'population') {
        row.appendChild(el('span', 'portal-terrain-label', t(LABELS[kind])));
        row.appendChild(el('span', 'portal-terrain-value', ' ' + t('terrain_people_value', { count: fmtNum(Math.round(value)) })));
      } else {
        var word = HAZARD_WORD[kind];
        var limit = fmtNum(answer.threshold);
        if (item.over) {
          row.appendChild(draw.badge(t('terrain_' + word + '_in', { threshold: limit }), '#c62828', 'portal-hazard-badge'));
          row.setAttribute('data-over', 'true');
        } else {
          row.appendChild(el('span', 'portal-terrain-label', t(LABELS[kind])));
          row.appendChild(el('span', 'portal-terrain-value', ' ' + t('terrain_' + word + '_out', { value: fmtNum(value), threshold: limit })));
        }
      }
      row.appendChild(source(answer.raster));
      return row;
    }

    // The popup grew after it opened: fit and pan it again (map-place.js keeps it clear of
    // the controls), unless it was closed or shows another record meanwhile.
    function refit(box) {
      var popup = view.map && view.map._popup;
      var node = popup && popup.isOpen() && popup.getElement();
      if (node && node.contains(box)) popup.update();
    }

    function section(spec, props) {
      if (!spec || draw.countsOnly(spec) || props.id === undefined || props.id === null) return null;
      var box = el('div', 'portal-terrain');
      box.hidden = true;
      box.appendChild(el('div', 'portal-terrain-title', t('terrain_title')));
      var body = el('div', 'portal-terrain-body');
      box.appendChild(body);
      // Each kind shows as soon as its values are in (people within 1 km take longest), in
      // KINDS order: a slot per kind, dropped when its raster does not answer.
      loadRasters().then(function (rasters) {
        var kinds = KINDS.filter(function (k) { return rasters[k]; });
        return Promise.all(kinds.map(function (kind) {
          var slot = body.appendChild(el('div', 'portal-terrain-slot'));
          return layerValues(spec, kind).then(function (answer) {
            if (answer) slot.appendChild(line(kind, answer, answer.byId[props.id]));
            else body.removeChild(slot);
            box.hidden = !body.querySelector('.portal-terrain-row');
            refit(box);
          });
        })).then(function () {
          box.hidden = !body.querySelector('.portal-terrain-row');
          box.setAttribute('data-loaded', 'true');
        });
      });
      return box;
    }

    function params(spec) {
      var out = {};
      if (!spec || draw.countsOnly(spec)) return out;
      var hazards = chosen.hazards.filter(function (k) { return current[k]; });
      if (hazards.length) out.hazard = hazards.join(',');
      if (current.elevation) {
        if (chosen.min !== null) out.elev_min = String(chosen.min);
        if (chosen.max !== null) out.elev_max = String(chosen.max);
      }
      return out;
    }

    function checkbox(kind) {
      var wrap = el('div', 'form-check');
      var input = el('input', 'form-check-input');
      input.type = 'checkbox';
      input.id = 'portal-filter-hazard-' + kind;
      input.value = kind;
      input.checked = chosen.hazards.indexOf(kind) >= 0;
      var label = el('label', 'form-check-label', t('terrain_filter_' + HAZARD_WORD[kind]));
      label.htmlFor = input.id;
      input.addEventListener('change', function () {
        chosen.hazards = HAZARDS.filter(function (k) {
          return k === kind ? input.checked : chosen.hazards.indexOf(k) >= 0;
        });
        changed();
      });
      wrap.appendChild(input);
      wrap.appendChild(label);
      return wrap;
    }

    function bound(name, value) {
      var input = el('input', 'form-control form-control-sm portal-terrain-bound');
      input.id = 'portal-filter-elev-' + name;
      input.inputMode = 'decimal';
      input.autocomplete = 'off';
      input.value = value === null ? '' : String(value);
      input.setAttribute('aria-label', t('terrain_filter_' + name));
      input.placeholder = t('terrain_filter_' + name);
      input.addEventListener('change', function () {
        var text = input.value.trim().replace(',', '.');
        var number = text === '' || !isFinite(Number(text)) ? null : Number(text);
        input.value = number === null ? '' : String(number);
        chosen[name] = number;
        changed();
      });
      return input;
    }

    function drawFields() {
      if (!filterBox) return;
      filterBox.textContent = '';
      var hazards = HAZARDS.filter(function (k) { return current[k]; });
      if (!hazards.length && !current.elevation) return;
      filterBox.appendChild(el('div', 'portal-settings-field form-label', t('terrain_filter_title')));
      hazards.forEach(function (k) { filterBox.appendChild(checkbox(k)); });
      if (current.elevation) {
        var row = el('div', 'portal-terrain-elevation');
        row.appendChild(el('div', 'form-label small mb-0', t('terrain_filter_elevation')));
        var pair = el('div', 'd-flex align-items-center gap-1');
        pair.appendChild(bound('min', chosen.min));
        pair.appendChild(el('span', null, '–'));
        pair.appendChild(bound('max', chosen.max));
        pair.appendChild(el('span', null, 'm'));
        row.appendChild(pair);
        filterBox.appendChild(row);
      }
      // The panel grew after it opened: the legend below fits itself again (map-controls.js).
      filterBox.dispatchEvent(new Event('toggle'));
    }

    function changed() {
      keepInUrl(chosen);
      if (onChanged) onChanged();
    }

    function fill(body, whenChanged) {
      onChanged = whenChanged;
      filterBox = el('div', 'portal-terrain-filters');
      body.appendChild(filterBox);
      loadRasters().then(drawFields);
    }

    function active() {
      return chosen.hazards.length > 0 || chosen.min !== null || chosen.max !== null;
    }

    // An edit may have moved a record: its layer's values are asked for again.
    document.addEventListener('portal:data-changed', function () { values = {}; });
    // A new date: other rasters may be current; the values are asked for again per date.
    core.on('map:options', function () {
      if (currentDay === day()) return;
      loadRasters().then(function () {
        drawFields();
        if (active() && view.layers) view.layers.reloadVisible(true);
      });
    });
    loadRasters().then(function () {
      if (active() && view.layers) view.layers.reloadVisible(true);
    });

    return { section, params, fill, active };
  }

  return { create };
});
