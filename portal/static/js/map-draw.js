/*
 * map-draw.js: the map's colours, progress classes and small drawing helpers. Stateless: every
 * function works only on its arguments. Needs Leaflet and portal-core.js.
 * A percent above 100 (done beyond the plan's target, `over_target: true` from /api/progress)
 * colours and fills like 100 (the top class, a full bar): the number shown stays the true one,
 * with overTargetBadge() beside it.
 *
 * Portal.draw:
 *   colors                  {classes[5], noTarget, lagging, outline, selected, fallback}
 *   classBreaks             percent limits of the five classes of percent done
 *   classIndex(row)         0..4, the class of a progress row; -1 when it has no target
 *   classLabel(i)           "< 20 %", "20–40 %", … "≥ 80 %"
 *   hasTarget(row)          a target to show: a number above 0, or a hidden small one ("<3")
 *   countsOnly(spec)        a layer whose records are not public: drawn as per-area counts
 *   badge(text, color, className), approximateBadge(), progressBar(percent, expected),
 *   isOverTarget(row), overTargetBadge()
 *                           popup and legend parts (words: badge_approximate,
 *                           badge_approximate_title, expected_percent, over_target)
 *   labelPoint(feature)     where an area's label and count bubble go
 *   bboxBounds(bbox)        [w, s, e, n] -> L.LatLngBounds (null when unusable)
 *   setDomData(layer, attrs)   data-* attributes on a layer's element, kept when re-added
 *   bubbleIcon(count, className)   the round count bubble of a cluster or an area count
 */
window.Portal.define('draw', function (Portal, L) {
  'use strict';

  var core = Portal.core;
  var { el, isNum } = core;

  // Five sequential classes of percent done (ColorBrewer YlGn), then "no target".
  var CLASS_BREAKS = [20, 40, 60, 80];
  var COLORS = {
    classes: ['#f2f9b8', '#c2e699', '#78c679', '#31a354', '#006837'],
    noTarget: '#c4c8cc',
    lagging: '#c62828',
    outline: '#4a5560',
    selected: '#1a237e',
    fallback: '#3f6fb5'
  };

  function classIndex(row) {
    if (!row || !isNum(row.percent) || !isNum(row.target) || row.target <= 0) return -1;
    var i = 0;
    while (i < CLASS_BREAKS.length && row.percent >= CLASS_BREAKS[i]) i++;
    return i;
  }

  function classLabel(i) {
    if (i === 0) return '< ' + CLASS_BREAKS[0] + ' %';
    if (i === CLASS_BREAKS.length) return '≥ ' + CLASS_BREAKS[i - 1] + ' %';
    return CLASS_BREAKS[i - 1] + '–' + CLASS_BREAKS[i] + ' %';
  }

  function hasTarget(row) {
    return typeof row.target === 'string' || (isNum(row.target) && row.target > 0);
  }

  // A layer whose records are not public (personal data) is drawn as per-area counts only.
  function countsOnly(spec) {
    return spec.recordsPublic === false && spec.canViewRecords !== true;
  }

  function textColorOn(background) {
    var m = /^#([0-9a-f]{6})$/i.exec(background);
    if (!m) return '#fff';
    var n = parseInt(m[1], 16);
    var lum = 0.299 * (n >> 16) + 0.587 * ((n >> 8) & 255) + 0.114 * (n & 255);
    return lum > 150 ? '#1b1f23' : '#fff';
  }

  function badge(text, color, className) {
    var node = el('span', 'portal-badge' + (className ? ' ' + className : ''), text);
    if (color) {
      node.style.backgroundColor = color;
      node.style.color = textColorOn(color);
    }
    return node;
  }

  // The boundaries are approximate: say so wherever they are shown.
  function approximateBadge() {
    var node = badge(core.t('badge_approximate'), null, 'badge-approximate');
    node.title = core.t('badge_approximate_title');
    return node;
  }

  // Over target: the API says so; a percent above 100 always is (rows of older caches too).
  function isOverTarget(row) {
    return !!row && (row.over_target === true || (isNum(row.percent) && row.percent > 100));
  }

  function overTargetBadge() {
    return badge(core.t('over_target'), '#1565c0', 'badge-over-target');
  }

  function progressBar(percent, expected) {
    var bar = el('div', 'portal-progress');
    var value = isNum(percent) ? Math.max(0, Math.min(100, percent)) : 0;
    bar.setAttribute('role', 'progressbar');
    bar.setAttribute('aria-valuemin', '0');
    bar.setAttribute('aria-valuemax', '100');
    bar.setAttribute('aria-valuenow', String(Math.round(value)));
    var fill = el('div', 'portal-progress-bar');
    fill.style.width = value + '%';
    bar.appendChild(fill);
    if (isNum(expected)) {
      var mark = el('div', 'portal-progress-expected');
      mark.style.left = Math.max(0, Math.min(100, expected)) + '%';
      mark.title = core.t('expected_percent') + ': ' + core.fmtPercent(expected);
      bar.appendChild(mark);
    }
    return bar;
  }

  function geometryBounds(geometry) {
    var bounds = L.latLngBounds([]);
    (function walk(coords) {
      if (!Array.isArray(coords)) return;
      if (typeof coords[0] === 'number') bounds.extend([coords[1], coords[0]]);
      else coords.forEach(walk);
    })(geometry && geometry.coordinates);
    if (geometry && geometry.type === 'GeometryCollection') {
      (geometry.geometries || []).forEach(function (g) {
        var b = geometryBounds(g);
        if (b.isValid()) bounds.extend(b);
      });
    }
    return bounds;
  }

  function labelPoint(feature) {
    var p = feature.properties || {};
    if (isNum(p.label_lat) && isNum(p.label_lon)) return L.latLng(p.label_lat, p.label_lon);
    var b = geometryBounds(feature.geometry);
    return b.isValid() ? b.getCenter() : null;
  }

  function bboxBounds(bbox) {
    if (!Array.isArray(bbox) || bbox.length < 4 || !bbox.every(isNum)) return null;
    return L.latLngBounds([bbox[1], bbox[0]], [bbox[3], bbox[2]]);
  }

  function setDomData(layer, attrs) {
    function apply() {
      var node = layer.getElement ? layer.getElement() : null;
      if (!node) return;
      Object.keys(attrs).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    }
    // Leaflet makes a new element each time a layer is added back: set the data again.
    layer.on('add', apply);
    apply();
  }

  function bubbleIcon(count, extraClass) {
    var size = !isNum(count) || count < 10 ? 'small' : count < 100 ? 'medium' : 'large';
    var inner = el('div');
    inner.appendChild(el('span', null, core.fmtNum(count)));
    return L.divIcon({
      html: inner,
      className: 'marker-cluster marker-cluster-' + size + ' ' + extraClass,
      iconSize: L.point(40, 40)
    });
  }

  // A record's status label and colour, from its layer's spec (/api/layers sends them once);
  // a record's own status_label/status_color (editing answers) are the fallback.
  function statusOf(spec, props) {
    var id = props.status;
    var found = ((spec && spec.statuses) || []).filter(function (s) { return s.id === id; })[0];
    return {
      label: (found && found.label) || props.status_label || id || '',
      color: (found && found.color) || props.status_color || null
    };
  }

  return {
    colors: COLORS,
    statusOf,
    classBreaks: CLASS_BREAKS,
    classIndex,
    classLabel,
    hasTarget,
    countsOnly,
    badge,
    approximateBadge,
    progressBar,
    isOverTarget,
    overTargetBadge,
    labelPoint,
    bboxBounds,
    setDomData,
    bubbleIcon
  };
});
