/*
 * map-place.js: where the map's popups open. A popup never sits under a control (search box,
 * zoom and fullscreen buttons, layer list, map options, legend, drawing toolbar): it is fitted
 * into the largest part of the map that the controls actually on screen leave free, and
 * auto-pans there (Leaflet's autoPanPaddingTopLeft/BottomRight, from the controls' boxes); a
 * popup taller than that free part scrolls inside. On a phone (viewport at most 600 px wide)
 * a record opens instead as a bottom sheet: a panel across the bottom of the map, with a close
 * button, the focus moved into it, and Escape closing it.
 *
 * Both are the same Leaflet popup (Portal.place.Popup, an L.Popup), so everything that works
 * with a popup (map.closePopup(), popup.update(), the "popupopen" event, portal-edit.js's
 * buttons) works with the sheet too.
 *
 * Portal.place:
 *   popup(options)        a new popup (L.Popup options); give it to openOn() or bindPopup()
 *   Popup                 its class
 *   isPhone()             whether records open as bottom sheets (viewport <= 600 px wide)
 *   freeArea(map)         {left, top, right, bottom} of the largest part of the map free of
 *                         controls, in container pixels (for debugging)
 *
 * UI words: close (accessible name of the close button).
 */
window.Portal.define('place', function (Portal, L) {
  'use strict';

  var PHONE_QUERY = '(max-width: 600px)';
  var MARGIN = 8;
  var SHEET_PANE = 'portal-sheet';
  var CORNERS = ['top left', 'top right', 'bottom left', 'bottom right'];

  function isPhone() {
    return !!(window.matchMedia && window.matchMedia(PHONE_QUERY).matches);
  }

  // Per corner, how far its controls reach into the map: {w, h} in container pixels.
  function cornerExtents(map) {
    var container = map.getContainer();
    var box = container.getBoundingClientRect();
    var extents = {};
    CORNERS.forEach(function (corner) {
      var parts = corner.split(' ');
      var holder = container.querySelector('.leaflet-' + parts[0] + '.leaflet-' + parts[1]);
      if (!holder) return;
      var w = 0;
      var h = 0;
      holder.querySelectorAll(':scope > *').forEach(function (control) {
        var r = control.getBoundingClientRect();
        if (!r.width || !r.height) return;
        w = Math.max(w, parts[1] === 'left' ? r.right - box.left : box.right - r.left);
        h = Math.max(h, parts[0] === 'top' ? r.bottom - box.top : box.bottom - r.top);
      });
      if (w && h) extents[corner] = { w, h };
    });
    return extents;
  }

  // Every free rectangle left by the corners, each corner kept out either above/below or
  // beside it: a popup inside one of them overlaps no control.
  function freeRects(map) {
    var size = map.getSize();
    var extents = cornerExtents(map);
    var corners = Object.keys(extents);
    var rects = [];
    for (var mask = 0; mask < (1 << corners.length); mask++) {
      var r = { left: 0, top: 0, right: size.x, bottom: size.y };
      corners.forEach(function (corner, i) {
        var e = extents[corner];
        var beside = mask & (1 << i);
        if (beside && corner.indexOf('left') >= 0) r.left = Math.max(r.left, e.w);
        else if (beside) r.right = Math.min(r.right, size.x - e.w);
        else if (corner.indexOf('top') >= 0) r.top = Math.max(r.top, e.h);
        else r.bottom = Math.min(r.bottom, size.y - e.h);
      });
      r.left += MARGIN;
      r.top += MARGIN;
      r.right -= MARGIN;
      r.bottom -= MARGIN;
      if (r.right > r.left && r.bottom > r.top) rects.push(r);
    }
    return rects;
  }

  function freeArea(map) {
    var best = null;
    freeRects(map).forEach(function (r) {
      var area = (r.right - r.left) * (r.bottom - r.top);
      if (!best || area > best.area) best = Object.assign({ area }, r);
    });
    return best;
  }

  // How far a box must move to lie inside a rectangle (Infinity when it cannot).
  function shift(pos, r) {
    if (pos.w > r.right - r.left || pos.h > r.bottom - r.top) return Infinity;
    var dx = pos.left < r.left ? r.left - pos.left : Math.min(0, r.right - pos.left - pos.w);
    var dy = pos.top < r.top ? r.top - pos.top : Math.min(0, r.bottom - pos.top - pos.h);
    return Math.abs(dx) + Math.abs(dy);
  }

  function sheetPane(map) {
    return map.getPane(SHEET_PANE) || map.createPane(SHEET_PANE, map.getContainer());
  }

  var Popup = L.Popup.extend({
    options: { portalMaxHeight: null },

    onAdd: function (map) {
      this._sheet = isPhone();
      if (!this._container) this._initLayout();
      var container = this._container;
      container.classList.toggle('portal-sheet', this._sheet);
      container.classList.toggle('leaflet-zoom-animated', !this._sheet && map._zoomAnimated);
      if (this._sheet) {
        container.style.left = '';
        container.style.bottom = '';
        container.style.transform = '';
        container.setAttribute('role', 'dialog');
        container.tabIndex = -1;
        if (!this._onKey) {
          this._onKey = this._keydown.bind(this);
          container.addEventListener('keydown', this._onKey);
        }
      } else {
        container.removeAttribute('role');
      }
      L.Popup.prototype.onAdd.call(this, map);
      var close = container.querySelector('.leaflet-popup-close-button');
      if (close) close.setAttribute('aria-label', Portal.core.t('close'));
      if (this._sheet) {
        var title = container.querySelector('.portal-popup-title');
        if (title) container.setAttribute('aria-label', title.textContent);
        this._returnFocus = document.activeElement;
        container.focus({ preventScroll: true });
        // Keep what was tapped in sight, above the sheet.
        var free = map.getSize().y - container.offsetHeight;
        var at = map.latLngToContainerPoint(this._latlng);
        if (free > 40 && at.y > free - 20) map.panBy([0, at.y - free / 2]);
      }
    },

    onRemove: function (map) {
      var back = this._sheet && this._returnFocus;
      L.Popup.prototype.onRemove.call(this, map);
      if (back && back.focus && document.contains(back)) back.focus({ preventScroll: true });
      else if (this._sheet) map.getContainer().focus({ preventScroll: true });
    },

    _keydown: function (e) {
      if (e.key !== 'Escape' || !this._sheet) return;
      e.stopPropagation();
      this.close();
    },

    getPane: function () {
      return this._sheet && this._map ? sheetPane(this._map) : L.Popup.prototype.getPane.call(this);
    },

    _updateLayout: function () {
      if (this._sheet) {
        var node = this._contentNode;
        node.style.width = 'auto';
        node.style.height = '';
        node.style.maxHeight = Math.round(this._map.getSize().y * 0.6) + 'px';
        node.classList.add('leaflet-popup-scrolled');
        this._containerWidth = this._container.offsetWidth;
        return;
      }
      this._contentNode.style.maxHeight = '';
      this.options.maxHeight = this.options.portalMaxHeight;
      L.Popup.prototype._updateLayout.call(this);
    },

    _updatePosition: function () {
      if (!this._sheet) L.Popup.prototype._updatePosition.call(this);
    },

    _animateZoom: function (e) {
      if (!this._sheet) L.Popup.prototype._animateZoom.call(this, e);
    },

    // The popup's box in container pixels, its tip included.
    _box: function () {
      var map = this._map;
      var outer = map.getContainer().getBoundingClientRect();
      var r = this._container.getBoundingClientRect();
      var tip = parseInt(window.getComputedStyle(this._container).marginBottom, 10) || 0;
      return { left: r.left - outer.left, top: r.top - outer.top, w: r.width, h: r.height + tip };
    },

    _choose: function () {
      var pos = this._box();
      var best = null;
      var bestCost = Infinity;
      var tallest = null;
      freeRects(this._map).forEach(function (r) {
        var cost = shift(pos, r);
        if (cost < bestCost) { best = r; bestCost = cost; }
        if (r.right - r.left >= pos.w && (!tallest || r.bottom - r.top > tallest.bottom - tallest.top)) tallest = r;
      });
      return { rect: best, tallest, pos };
    },

    _adjustPan: function () {
      if (this._sheet || !this._map || !this.options.autoPan) return;
      var choice = this._choose();
      if (!choice.rect && choice.tallest) {
        // Taller than any free part: scroll inside, as tall as the tallest part allows.
        var room = choice.tallest.bottom - choice.tallest.top - (choice.pos.h - this._contentNode.offsetHeight);
        this.options.maxHeight = Math.max(80, Math.floor(room));
        L.Popup.prototype._updateLayout.call(this);
        L.Popup.prototype._updatePosition.call(this);
        choice = this._choose();
        choice.rect = choice.rect || choice.tallest;
      }
      var r = choice.rect;
      if (!r) return;
      var size = this._map.getSize();
      this.options.autoPanPaddingTopLeft = L.point(r.left, r.top);
      this.options.autoPanPaddingBottomRight = L.point(size.x - r.right, size.y - r.bottom);
      L.Popup.prototype._adjustPan.call(this);
    }
  });

  return {
    Popup,
    popup: function (options) {
      var o = Object.assign({}, options || {});
      o.portalMaxHeight = o.maxHeight || null;
      return new Popup(o);
    },
    isPhone,
    freeArea
  };
});
