/*
 * report-cards.js: the report cards page (templates/reports/cards.html). The form starts a job
 * (POST /reports/cards, CSRF), then the progress bar follows GET /reports/cards/<job> every
 * second until the job is done (a link to its ZIP) or failed (a message).
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
      status.textContent = say(words.tRunning, state);
    }
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

  return { follow: follow };
});
