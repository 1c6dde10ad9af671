/*
 * import.js: the import page. Uploads the file with a progress bar (Portal.core.upload, with the
 * X-CSRFToken header), then shows the preview or every row problem. All text from the server is
 * set with textContent. Needs portal-core.js and import-preview.js (Portal.importPreview).
 *
 * The form's button only checks the file (a dry run): its first rows show in #import-preview.
 * When every row is ready, a confirm button sends the same file again to be written; changing
 * any input of the form takes the confirm button away. Nothing is written before it.
 *
 * Portal.importer: start(form, result, bar), run once on the page's #import-form,
 * #import-result and #upload-progress. Its words are the result box's data-t-* attributes
 * (Portal.core.dataStrings): added, changed, unchanged, preview, done, row, column, value,
 * problem, checking, failed, too_big, confirm.
 */
window.Portal.define('importer', function (Portal, L) {
  'use strict';

  var core = Portal.core;
  var { el, t } = core;

  function start(form, result, bar) {
    core.configure({ strings: core.dataStrings(result) });
    var preview = document.getElementById('import-preview');

    function confirmButton() {
      var button = el('button', 'btn btn-primary mt-2 import-confirm', t('confirm'));
      button.type = 'button';
      button.addEventListener('click', function () { send('0'); });
      return button;
    }

    function showSummary(body) {
      result.replaceChildren();
      var box = el('div', 'alert ' + (body.dry_run ? 'alert-info' : 'alert-success'));
      box.appendChild(el('p', 'mb-1 fw-semibold', body.dry_run ? t('preview') : t('done')));
      var s = body.summary;
      box.appendChild(el('p', 'mb-0', core.fmtNum(s.added) + ' ' + t('added') + ' · ' +
        core.fmtNum(s.changed) + ' ' + t('changed') + ' · ' + core.fmtNum(s.unchanged) + ' ' +
        t('unchanged')));
      if (body.dry_run) box.appendChild(confirmButton());
      result.appendChild(box);
      (body.notes || []).forEach(function (note) { result.appendChild(el('div', 'small text-muted', note)); });
    }

    function showErrors(body) {
      result.replaceChildren();
      var box = el('div', 'alert alert-danger');
      box.appendChild(el('p', 'mb-1 fw-semibold', t('failed')));
      box.appendChild(el('p', 'mb-0', body.error));
      result.appendChild(box);
      // Problems of the rows the preview shows are listed there, in their cells.
      var shown = (body.preview || []).map(function (r) { return r.row; });
      var errors = (body.errors || []).filter(function (e) { return shown.indexOf(e.row) < 0; });
      if (!errors.length) return;
      var table = el('table', 'table table-sm table-striped import-errors');
      var head = el('tr');
      [t('row'), t('column'), t('value'), t('problem')].forEach(function (h) { head.appendChild(el('th', null, h)); });
      table.appendChild(el('thead')).appendChild(head);
      var tbody = el('tbody');
      errors.forEach(function (e) {
        var tr = el('tr');
        [e.row, e.field, e.value, e.message].forEach(function (v) { tr.appendChild(el('td', null, v === null ? '' : v)); });
        tbody.appendChild(tr);
      });
      table.appendChild(tbody);
      result.appendChild(table);
    }

    function showPreview(body) {
      if (preview) Portal.importPreview.show(preview, body);
    }

    form.addEventListener('change', function () {
      result.replaceChildren();
      if (preview) Portal.importPreview.clear(preview);
    });

    form.addEventListener('submit', function (event) {
      event.preventDefault();
      send('1');
    });

    function send(dryRun) {
      var file = form.querySelector('input[type=file]').files[0];
      if (file && file.size > Number(form.dataset.maxMb) * 1024 * 1024) {
        showErrors({ error: t('too_big'), errors: [] });
        return;
      }
      var data = new FormData(form);
      data.set('dry_run', dryRun);
      var layer = data.get('layer');
      var url = layer ? form.dataset.urlLayer.replace('LAYER', encodeURIComponent(layer)) : form.dataset.urlMany;
      var fill = bar.querySelector('.progress-bar');
      bar.classList.remove('d-none');
      fill.style.width = '0%';
      core.upload(url, data, {
        progress: function (pct) {
          fill.style.width = pct + '%';
          bar.setAttribute('aria-valuenow', String(pct));
        },
        sent: function () { fill.style.width = '100%'; result.textContent = t('checking'); }
      }).then(function (answer) {
        bar.classList.add('d-none');
        var body = answer.body || { error: answer.statusText, errors: [] };
        if (answer.status === 200 && body.ok) showSummary(body); else showErrors(body);
        if (preview && dryRun === '1') showPreview(body); else if (preview) Portal.importPreview.clear(preview);
      }, function (err) {
        bar.classList.add('d-none');
        showErrors({ error: err.message, errors: [] });
      });
    }
  }

  var form = document.getElementById('import-form');
  if (form) start(form, document.getElementById('import-result'), document.getElementById('upload-progress'));
  return { start };
});
