/*
 * The import page: uploads the file with a progress bar, then shows the preview or every row
 * problem. All text from the server is set with textContent.
 */
(function () {
  'use strict';
  var form = document.getElementById('import-form');
  var result = document.getElementById('import-result');
  var bar = document.getElementById('upload-progress');
  if (!form) return;
  var words = result.dataset;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function showSummary(body) {
    result.replaceChildren();
    var box = el('div', 'alert ' + (body.dry_run ? 'alert-info' : 'alert-success'));
    box.appendChild(el('p', 'mb-1 fw-semibold', body.dry_run ? words.tPreview : words.tDone));
    var s = body.summary;
    box.appendChild(el('p', 'mb-0', s.added + ' ' + words.tAdded + ' · ' + s.changed + ' ' +
      words.tChanged + ' · ' + s.unchanged + ' ' + words.tUnchanged));
    result.appendChild(box);
    (body.notes || []).forEach(function (note) { result.appendChild(el('div', 'small text-muted', note)); });
  }

  function showErrors(body) {
    result.replaceChildren();
    var box = el('div', 'alert alert-danger');
    box.appendChild(el('p', 'mb-1 fw-semibold', words.tFailed));
    box.appendChild(el('p', 'mb-0', body.error));
    result.appendChild(box);
    if (!body.errors || !body.errors.length) return;
    var table = el('table', 'table table-sm table-striped import-errors');
    var head = el('tr');
    [words.tRow, words.tColumn, words.tValue, words.tProblem].forEach(function (h) { head.appendChild(el('th', null, h)); });
    table.appendChild(el('thead')).appendChild(head);
    var tbody = el('tbody');
    body.errors.forEach(function (e) {
      var tr = el('tr');
      [e.row, e.field, e.value, e.message].forEach(function (v) { tr.appendChild(el('td', null, v === null ? '' : v)); });
      tbody.appendChild(tr);
    });
    table.appendChild(tbody);
    result.appendChild(table);
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var dryRun = event.submitter ? event.submitter.dataset.dryRun : '1';
    var file = form.querySelector('input[type=file]').files[0];
    if (file && file.size > Number(form.dataset.maxMb) * 1024 * 1024) {
      showErrors({ error: words.tTooBig, errors: [] });
      return;
    }
    var data = new FormData(form);
    data.set('dry_run', dryRun);
    var layer = data.get('layer');
    var url = layer ? form.dataset.urlLayer.replace('LAYER', encodeURIComponent(layer)) : form.dataset.urlMany;
    var xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('X-CSRFToken', data.get('csrf_token'));
    xhr.setRequestHeader('Accept', 'application/json');
    var fill = bar.querySelector('.progress-bar');
    bar.classList.remove('d-none');
    fill.style.width = '0%';
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) {
        var pct = Math.round(100 * e.loaded / e.total);
        fill.style.width = pct + '%';
        bar.setAttribute('aria-valuenow', String(pct));
      }
    };
    xhr.upload.onload = function () { fill.style.width = '100%'; result.textContent = words.tChecking; };
    xhr.onload = function () {
      bar.classList.add('d-none');
      var body;
      try { body = JSON.parse(xhr.responseText); } catch (err) { body = { error: xhr.statusText, errors: [] }; }
      if (xhr.status === 200 && body.ok) showSummary(body); else showErrors(body);
    };
    xhr.onerror = function () { bar.classList.add('d-none'); showErrors({ error: xhr.statusText || 'network error', errors: [] }); };
    xhr.send(data);
  });
})();
