/*
 * report-cards.js: the report cards page (templates/reports/cards.html). The form starts a job
 * (POST /reports/cards, CSRF), then the progress bar follows GET /reports/cards/<job> every
 * second until the job is done (a link to its ZIP) or failed (a message). A job whose worker
 * stopped is started again by the server (state.resumes counts it): the page says so. The
 * newest batch still running when the page opens (listed under the form) is followed too.
 *
 * Portal.reportCards (after portal-core.js):
 *   follow(jobId)   polls one job and draws its progress; returns a promise of its last state
 */
window.Portal.define('reportCards', function () {
  'use strict';

  var core = window.Portal.core;
  var form = document.getElementById('report-cards-form');
  var box = document.getElementById('report-cards-job');
  if (!form || !box) return {};
  var bar = box.querySelector('.progress-bar');
  var meter = box.querySelector('[role="progressbar"]');
  var status = document.getElementById('report-cards-status');
  var link = document.getElementById('report-cards-download');
  var words = form.dataset;

  function say(template, state) {
    return template.replace('{done}', core.fmtNum(state.done)).replace('{total}', core.fmtNum(state.total));
  }

  // The followed batch's line in the list of past batches, when it is listed.
  function drawRow(state) {
    var table = document.getElementById('report-cards-jobs');
    var row = table && table.querySelector('tr[data-job="' + CSS.escape(state.id) + '"]');
    if (!row) return;
    var cell = row.lastElementChild;
    row.dataset.jobState = state.state;
    cell.textContent = '';
    if (state.state === 'done') {
      var zip = document.createElement('a');
      zip.href = link.href;
      zip.textContent = words.tDownload;
      cell.appendChild(zip);
      cell.appendChild(document.createTextNode(' (' + say(table.dataset.tCards, state) + ')'));
    } else if (state.state === 'failed') {
      var failed = document.createElement('span');
      failed.className = 'text-danger';
      failed.textContent = table.dataset.tFailed;
      cell.appendChild(failed);
    } else {
      cell.textContent = say(table.dataset.tRunning, state);
    }
  }

  function draw(state) {
    var share = state.total ? Math.round(100 * state.done / state.total) : 0;
    bar.style.width = share + '%';
    meter.setAttribute('aria-valuenow', String(share));
    if (state.state === 'done') {
      status.textContent = say(words.tDone, state);
      link.href = form.dataset.startUrl + '/' + encodeURIComponent(state.id) + '.zip';
      link.hidden = false;
    } else if (state.state === 'failed') {
      status.textContent = words.tFailed;
    } else {
      status.textContent = say(words.tRunning, state) + (state.resumes ? '. ' + words.tResumed : '');
    }
    drawRow(state);
  }

  function wait(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  async function follow(id) {
    var state;
    for (;;) {
      state = await core.request('GET', form.dataset.startUrl + '/' + encodeURIComponent(id));
      draw(state);
      if (state.state !== 'running') return state;
      await wait(1000);
    }
  }

  form.addEventListener('submit', async function (e) {
    e.preventDefault();
    var button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    link.hidden = true;
    box.hidden = false;
    try {
      var state = await core.request('POST', form.dataset.startUrl, { body: new FormData(form) });
      draw(state);
      await follow(state.id);
    } catch (err) {
      status.textContent = err.message;
    } finally {
      button.disabled = false;
    }
  });

  // A batch still being made when the page opens (started before a reload, or started again
  // by the server after its worker stopped) is followed in the progress bar, as a new one is.
  var running = document.querySelector('#report-cards-jobs tr[data-job-state="running"]');
  if (running) {
    box.hidden = false;
    follow(running.dataset.job).catch(function (err) { status.textContent = err.message; });
  }

  return { follow: follow };
});
