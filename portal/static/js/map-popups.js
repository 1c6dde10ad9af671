/*
 * map-popups.js: the contents of the map's popups, built from DOM nodes only (textContent and
 * properties, never innerHTML), so "<img src=x onerror=alert(1)>" in a record shows as text.
 *
 * Portal.popups.create(view) (view: see portal-map.js) returns:
 *   area(props, row)              an area of the choropleth and its progress row
 *   feature(spec, props)          a record of layer `spec`
 *   counts(spec, props, row)      an area's counts of a layer shown only as per-area counts
 *   openFeature(spec, props, latlng)   opens a record's popup on the map
 *   make(options)                 a new popup that keeps clear of the controls and opens as
 *                                 a bottom sheet on phones (map-place.js); every popup of the
 *                                 map is made here
 *
 * UI words (Portal.core.t; "{name}" is replaced by a value):
 *   badge_approximate, badge_approximate_title   badge: the boundaries are approximate
 *   badge_illustrative    badge: the figures are illustrative
 *   illustrative_note     note in a popup of an illustrative record or layer
 *   badge_lagging         badge in an area popup
 *   count, done, target, done_of_target, percent, expected_percent   progress labels
 *   over_target           badge beside a percent above 100 (done beyond the plan's target)
 *   area_page_link        link from an area popup to the area page
 *   no_target             value shown when an area has no target
 *   counts_only_note      popup note for a layer shown only as per-area counts
 *   suppressed_note       popup note when small counts are hidden
 *   status, progress, commune, district, record_id   labels of a record's fields
 *   yes, no               boolean field values
 *   missing_fields        note: the fields a record lacks ("{fields}": their labels)
 *   position_approximate  note: the record is placed at its commune
 */
window.Portal.define('popups', function (Portal, L) {
  'use strict';

  var { core, draw } = Portal;
  var { el, t, isNum, fmtNum, fmtPercent } = core;

  function popupShell(title) {
    var root = el('div', 'portal-popup');
    root.appendChild(el('div', 'portal-popup-title', title));
    var table = el('dl', 'portal-popup-fields');
    root.appendChild(table);
    return { root, fields: table };
  }

  function addField(fields, label, value) {
    if (value === null || value === undefined || value === '') return;
    fields.appendChild(el('dt', null, label));
    var dd = el('dd');
    if (value instanceof Node) dd.appendChild(value); else dd.textContent = String(value);
    fields.appendChild(dd);
  }

  function fieldValue(field, value) {
    if (value === null || value === undefined || value === '') return null;
    if (field.choices && Object.prototype.hasOwnProperty.call(field.choices, value)) {
      return String(field.choices[value]);
    }
    if (field.type === 'bool' || field.type === 'boolean' || typeof value === 'boolean') {
      return value ? t('yes') : t('no');
    }
    if ((field.type === 'int' || field.type === 'integer' || field.type === 'number' ||
         field.type === 'float') && isNum(value)) {
      return fmtNum(value);
    }
    if (field.type === 'date') return core.fmtDate(value);
    if (field.type === 'url' && /^https?:\/\//i.test(String(value))) {
      var link = el('a', null, String(value));
      link.href = String(value);
      link.target = '_blank';
      link.rel = 'noopener noreferrer';
      return link;
    }
    return String(value);
  }

  function percentWithBar(percent, expected, row) {
    var wrap = el('div');
    wrap.appendChild(el('span', 'portal-percent', fmtPercent(percent)));
    if (draw.isOverTarget(row || { percent })) wrap.appendChild(draw.overTargetBadge());
    wrap.appendChild(draw.progressBar(percent, expected));
    return wrap;
  }

  function create(view) {
    function areaPageHref(level, code) {
      var path = String(view.get('areaPageUrl') || '')
        .replace('{level}', encodeURIComponent(level))
        .replace('{code}', encodeURIComponent(code));
      var query = new URLSearchParams();
      query.set('layer', view.get('progressLayer'));
      if (view.get('asOf')) query.set('as_of', view.get('asOf'));
      return path + (path.indexOf('?') >= 0 ? '&' : '?') + query.toString();
    }

    function area(props, row) {
      var shell = popupShell(props.name);
      if (props.unit_type) shell.root.insertBefore(el('div', 'portal-popup-sub', props.unit_type), shell.fields);
      var spec = view.layerSpec(view.get('progressLayer'));
      if (spec) shell.root.insertBefore(el('div', 'portal-popup-sub', spec.name), shell.fields);
      if (row) {
        addField(shell.fields, t('count'), fmtNum(row.count));
        addField(shell.fields, t('done_of_target'),
          draw.hasTarget(row) ? fmtNum(row.done) + ' / ' + fmtNum(row.target) : t('no_target'));
        if (draw.classIndex(row) >= 0) {
          addField(shell.fields, t('percent'), percentWithBar(row.percent, row.expected_percent, row));
          addField(shell.fields, t('expected_percent'), fmtPercent(row.expected_percent));
        }
      } else {
        addField(shell.fields, t('percent'), t('no_target'));
      }
      var badges = el('div', 'portal-popup-badges');
      if (row && row.lagging) badges.appendChild(draw.badge(t('badge_lagging'), draw.colors.lagging, 'badge-lagging'));
      if (props.provenance === 'approximate') badges.appendChild(draw.approximateBadge());
      if (spec && spec.illustrative) badges.appendChild(draw.badge(t('badge_illustrative'), null, 'badge-illustrative'));
      if (badges.childNodes.length) shell.root.appendChild(badges);
      if (view.get('areaPageUrl') && props.code) {
        var link = el('a', 'portal-popup-link', t('area_page_link'));
        link.href = areaPageHref(props.level || view.get('level'), props.code);
        shell.root.appendChild(link);
      }
      return shell.root;
    }

    function feature(spec, props) {
      var shell = popupShell(props.name || props.record_id || props.id || '');
      shell.root.insertBefore(el('div', 'portal-popup-sub', spec.name), shell.fields);
      var status = draw.statusOf(spec, props);
      if (status.label) {
        addField(shell.fields, t('status'), draw.badge(status.label,
          core.safeColor(status.color, draw.colors.fallback), 'badge-status'));
      }
      if (isNum(props.progress)) addField(shell.fields, t('progress'), percentWithBar(props.progress, null));
      addField(shell.fields, t('commune'), props.commune_name);
      addField(shell.fields, t('district'), props.district_name);
      (spec.popupFields || []).forEach(function (field) {
        addField(shell.fields, field.label || field.name, fieldValue(field, props[field.name]));
      });
      addField(shell.fields, t('record_id'), props.record_id);
      if (props.incomplete && props.incomplete.length) {
        var labels = props.incomplete.map(function (name) { return (spec.fieldLabels || {})[name] || name; });
        shell.root.appendChild(el('div', 'portal-popup-note portal-popup-incomplete',
          t('missing_fields', { fields: labels.join(', ') })));
      }
      if (props.position_approximate) {
        shell.root.appendChild(el('div', 'portal-popup-note portal-popup-approximate', t('position_approximate')));
      }
      if (props.illustrative) shell.root.appendChild(el('div', 'portal-popup-note', t('illustrative_note')));
      var terrain = view.terrain && view.terrain.section(spec, props);
      if (terrain) shell.root.appendChild(terrain);
      return shell.root;
    }

    // Feature popups stand alone (not bound to the marker): a reload after the popup's own
    // autopan redraws the layer, and a bound popup would close with its marker.
    function openFeature(spec, props, latlng) {
      Portal.place.popup({ maxWidth: 320, className: 'portal-feature-popup' })
        .setLatLng(latlng)
        .setContent(feature(spec, props))
        .openOn(view.map);
    }

    function counts(spec, props, row) {
      var shell = popupShell(props.name);
      shell.root.insertBefore(el('div', 'portal-popup-sub', spec.name), shell.fields);
      addField(shell.fields, t('count'), fmtNum(row.count));
      addField(shell.fields, t('done'), fmtNum(row.done));
      addField(shell.fields, t('target'), draw.hasTarget(row) ? fmtNum(row.target) : t('no_target'));
      if (row.suppressed) shell.root.appendChild(el('div', 'portal-popup-note', t('suppressed_note')));
      if (draw.classIndex(row) >= 0) addField(shell.fields, t('percent'), percentWithBar(row.percent, row.expected_percent, row));
      shell.root.appendChild(el('div', 'portal-popup-note', t('counts_only_note')));
      if (spec.illustrative) shell.root.appendChild(el('div', 'portal-popup-note', t('illustrative_note')));
      return shell.root;
    }

    return { area, feature, counts, openFeature, make: Portal.place.popup };
  }

  return { create };
});
