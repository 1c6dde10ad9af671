/*
 * telecom.js: the telecom page's list of villages still without signal (sortable) and its
 * refresh after a save.
 *
 * Portal.telecom (after portal-core.js and charts.js):
 *   sort(key, descending)  orders the villages list by a column (data-sort of its heading)
 * After a save, page-live.js replaces the list with the server's fresh one ("page:live");
 * the list is then sorted again by the reader's column.
 */
window.Portal.define('telecom', function (Portal) {
  'use strict';

  var table = document.getElementById('villages-table');
  var current = { key: 'days', descending: true };

  function cellValue(row, index, numeric) {
    var cell = row.cells[index];
    var value = cell ? cell.dataset.value || '' : '';
    return numeric ? Number(value) : value;
  }

  function sort(key, descending) {
    if (!table) return;
    var headings = Array.prototype.slice.call(table.tHead.rows[0].cells);
    var index = headings.findIndex(function (th) {
      var b = th.querySelector('[data-sort]');
      return b && b.dataset.sort === key;
    });
    if (index < 0) return;
    var numeric = headings[index].querySelector('[data-sort]').dataset.type === 'number';
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows).filter(function (r) { return r.cells.length > 1; });
    var collator = new Intl.Collator(Portal.core.locale() === 'en' ? 'en' : 'vi');
    rows.sort(function (a, b) {
      var x = cellValue(a, index, numeric);
      var y = cellValue(b, index, numeric);
      var c = numeric ? x - y : collator.compare(x, y);
      return descending ? -c : c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    headings.forEach(function (th, i) {
      th.setAttribute('aria-sort', i === index ? (descending ? 'descending' : 'ascending') : 'none');
    });
    current = { key, descending };
  }

  // page-live.js puts the fresh counters, list, table and chart in place after a save; the list
  // comes back in the server's order, so the reader's sort is applied again.
  function resort() {
    sort(current.key, current.descending);
    document.body.dataset.telecomRefreshed = String(Number(document.body.dataset.telecomRefreshed || 0) + 1);
  }

  if (table) {
    table.tHead.addEventListener('click', function (e) {
      var button = e.target.closest('[data-sort]');
      if (!button) return;
      var key = button.dataset.sort;
      sort(key, key === current.key ? !current.descending : button.dataset.type === 'number');
    });
  }
  Portal.core.on('page:live', resort);

  return { sort };
});
