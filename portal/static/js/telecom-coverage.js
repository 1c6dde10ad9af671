/*
 * telecom-coverage.js: the telecom page's coverage estimate ("Ước tính vùng phủ"), for telecom
 * editors, planners and admins (the panel, templates/_coverage_panel.html, is only on their
 * pages; without it this file does nothing).
 *
 * The station is placed by a click on the map (after "Place the station on the map") or picked
 * among the villages the search API finds (a signal record: the estimate then stands at its
 * point); the mast height (m) and radius (km) are sent to POST /api/coverage with the page's
 * CSRF token. The answer's visible area is drawn on the map (a line-of-sight estimate, not a
 * radio-propagation model: the panel says so) with the villages in reach, seen ones filled,
 * and listed beside it: name, commune, distance, ground elevation difference, in sight or not,
 * numbers in the reader's language (vi-VN or en-GB, whatever the browser's locale).
 *
 * UI words: the panel's data-t-* attributes (Portal.core.dataStrings).
 * Portal.telecomCoverage (after portal-core.js; the map is the page's folium map):
 *   run()        sends the estimate for the station and the values in the form
 *   state        read-only, for tests: station, answer, running
 */
window.Portal.define('telecomCoverage', function (Portal, L) {
  'use strict';

  var panel = document.getElementById('coverage-panel');
  if (!panel || !L) return { run: function () { return null; }, state: null };
  var core = Portal.core;
  var words = core.dataStrings(panel);
  var form = document.getElementById('coverage-form');
  var pick = document.getElementById('coverage-pick');
  var villageInput = document.getElementById('coverage-village');
  var choices = document.getElementById('coverage-villages');
  var stationText = document.getElementById('coverage-station');
  var status = document.getElementById('coverage-status');
  var result = document.getElementById('coverage-result');
  var rows = document.getElementById('coverage-villages-table').tBodies[0];
  var state = { station: null, answer: null, running: false };
  var found = {};
  var map = null;
  var drawn = null;
  var marker = null;

  function word(key, vars) {
    var text = words[key] || key;
    Object.keys(vars || {}).forEach(function (name) { text = text.split('{' + name + '}').join(vars[name]); });
    return text;
  }

  function number(value, digits, signed) {
    if (!core.isNum(value)) return '–';
    var options = { maximumFractionDigits: digits, minimumFractionDigits: 0 };
    if (signed) options.signDisplay = 'exceptZero';
    return new Intl.NumberFormat(core.locale() === 'en' ? 'en-GB' : 'vi-VN', options).format(value);
  }

  // The folium map: its container's id is the name of the global variable holding it.
  function leafletMap() {
    var node = document.querySelector('.folium-map');
    var candidate = node ? window[node.id] : null;
    return candidate instanceof L.Map ? candidate : null;
  }

  function showStation() {
    var s = state.station;
    if (!s) { stationText.textContent = ''; return; }
    stationText.textContent = s.recordId ? word('record', { name: s.name })
      : word('point', { lat: number(s.lat, 5), lon: number(s.lon, 5) });
    if (!map) return;
    if (marker) marker.remove();
    marker = L.circleMarker([s.lat, s.lon], {
      radius: 8, color: '#0d47a1', weight: 3, fillColor: '#ffffff', fillOpacity: 1
    }).addTo(map);
  }

  function arm(on) {
    pick.setAttribute('aria-pressed', on ? 'true' : 'false');
    pick.classList.toggle('active', on);
    if (map) map.getContainer().classList.toggle('leaflet-crosshair', on);
    if (on) status.textContent = word('pick');
  }

  // Listened to on the map's container in the capture phase: a click on an area or a record
  // while placing the station places it there, and opens nothing else.
  function clicked(e) {
    if (pick.getAttribute('aria-pressed') !== 'true') return;
    if (e.target.closest && e.target.closest('.leaflet-control')) return;
    e.stopPropagation();
    var latlng = map.mouseEventToLatLng(e);
    state.station = { lat: latlng.lat, lon: latlng.lng, recordId: null, name: '' };
    villageInput.value = '';
    arm(false);
    status.textContent = '';
    showStation();
  }

  var search = core.debounce(function () {
    var q = villageInput.value.trim();
    if (q.length < 2 || found[q]) return;
    core.request('GET', core.url(panel.dataset.search, '', { q }), { key: 'coverage-search' })
      .then(function (answer) {
        choices.textContent = '';
        (answer || []).filter(function (r) { return r.layer === 'signal'; }).forEach(function (r) {
          var label = r.name;
          found[label] = r;
          core.option(choices, label, r.detail || '');
        });
        chooseVillage();  // the name typed in full before the suggestions came
      }).catch(function () { /* a failed suggestion list is not an error to show */ });
  }, 200);

  function chooseVillage() {
    var r = found[villageInput.value];
    if (!r) return;
    state.station = { lat: r.lat, lon: r.lon, recordId: r.id, name: r.name };
    arm(false);
    showStation();
  }

  function villageRow(v) {
    var tr = core.el('tr');
    tr.dataset.visible = v.visible === null ? 'unknown' : String(v.visible);
    tr.appendChild(core.el('td', '', v.name));
    tr.appendChild(core.el('td', '', v.commune || '—'));
    tr.appendChild(core.el('td', 'text-end', number(v.distance / 1000, 2)));
    tr.appendChild(core.el('td', 'text-end', number(v.elevation_difference, 1, true)));
    var seen = v.visible === null ? word('unknown') : (v.visible ? word('yes') : word('no'));
    tr.appendChild(core.el('td', v.visible ? 'fw-semibold text-success' : 'text-muted', seen));
    return tr;
  }

  function draw(answer) {
    if (!map) return;
    if (drawn) drawn.remove();
    drawn = L.featureGroup();
    var area = L.geoJSON(answer.area, {
      style: { color: '#1565c0', weight: 1, fillColor: '#42a5f5', fillOpacity: 0.35 },
      interactive: false
    });
    area.addTo(drawn);
    L.circle([answer.station.lat, answer.station.lon], {
      radius: answer.radius, color: '#0d47a1', weight: 1, dashArray: '4 4', fill: false,
      interactive: false
    }).addTo(drawn);
    answer.villages.forEach(function (v) {
      // A ring around the layer's own marker: green in sight, grey out of sight.
      L.circleMarker([v.lat, v.lon], {
        radius: 11, color: v.visible ? '#2e7d32' : '#616161', weight: 3, fill: false,
        dashArray: v.visible ? null : '3 3'
      }).bindTooltip(v.name).addTo(drawn);
    });
    drawn.addTo(map);
    map.fitBounds(drawn.getBounds(), { padding: [16, 16], animate: false });
    showStation();
  }

  function show(answer) {
    state.answer = answer;
    rows.textContent = '';
    answer.villages.forEach(function (v) { rows.appendChild(villageRow(v)); });
    var seen = answer.villages.filter(function (v) { return v.visible; }).length;
    status.textContent = answer.villages.length ? word('summary', {
      area: number(answer.visible_km2, 2), seen: number(seen, 0),
      count: number(answer.villages.length, 0), radius: number(answer.radius / 1000, 1)
    }) : word('none');
    result.hidden = !answer.villages.length;
    draw(answer);
    panel.dataset.ran = String(Number(panel.dataset.ran || 0) + 1);
  }

  function run() {
    if (!state.station) { status.textContent = word('no_station'); return null; }
    var body = {
      mast_height: Number(document.getElementById('coverage-mast').value),
      radius: Math.round(Number(document.getElementById('coverage-radius').value) * 1000)
    };
    if (state.station.recordId) body.record_id = state.station.recordId;
    else { body.lon = state.station.lon; body.lat = state.station.lat; }
    state.running = true;
    status.textContent = word('running');
    var address = core.url(panel.dataset.api, '', { as_of: panel.dataset.asOf });
    return core.request('POST', address, { body, key: 'coverage' }).then(show).catch(function (err) {
      if (err && err.name === 'AbortError') return;
      status.textContent = err && err.message ? err.message : core.t('error_generic');
      result.hidden = true;
    }).then(function () { state.running = false; });
  }

  pick.addEventListener('click', function () { arm(pick.getAttribute('aria-pressed') !== 'true'); });
  villageInput.addEventListener('input', function () { chooseVillage(); search(); });
  villageInput.addEventListener('change', chooseVillage);
  form.addEventListener('submit', function (e) { e.preventDefault(); run(); });

  var attached = false;
  function attach() {
    map = map || leafletMap();
    if (map && !attached) {
      attached = true;
      map.getContainer().addEventListener('click', clicked, true);
    }
  }
  attach();
  core.on('map:ready', attach);

  return { run, state };
});
