/*
 * targets.js: the plan's targets board (templates/targets.html): the status filter buttons show
 * only the cards of one status; the count stays the server's. A card's link opens its page.
 *
 * On paper the status rule is printed open (its <details> opened before printing).
 *
 * Portal.targets (after portal-core.js):
 *   filter(status)   shows the cards of ``status`` ("" or null: every card); returns how many
 */
window.Portal.define('targets', function () {
  'use strict';

  var bar = document.querySelector('[data-targets-filter]');
  var cards = Array.prototype.slice.call(document.querySelectorAll('.target-card'));

  function filter(status) {
    var shown = 0;
    cards.forEach(function (card) {
      var visible = !status || card.dataset.status === status;
      card.hidden = !visible;
      if (visible) shown += 1;
    });
    if (bar) {
      bar.querySelectorAll('[data-filter]').forEach(function (button) {
        var on = (button.dataset.filter || '') === (status || '');
        button.classList.toggle('active', on);
        button.setAttribute('aria-pressed', on ? 'true' : 'false');
      });
    }
    return shown;
  }

  if (bar) {
    bar.addEventListener('click', function (e) {
      var button = e.target.closest('[data-filter]');
      if (button) filter(button.dataset.filter);
    });
  }

  window.addEventListener('beforeprint', function () {
    document.querySelectorAll('details.target-rule').forEach(function (d) { d.open = true; });
  });

  return { filter: filter };
});
