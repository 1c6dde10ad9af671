/*
 * edit-panel.js: the editing add-on's panel over the map (one at a time), its messages, the
 * running of a write and, when the record changed meanwhile (409), both versions side by side.
 *
 * Portal.editPanel.create(ctx) (ctx: see portal-edit.js) returns:
 *   open(title, onClose)  opens the panel -> {root, body, footer, message}; onClose runs when
 *                         it is closed (unless cleared by keep())
 *   close()               closes the open panel
 *   keep()                the open panel's onClose will not run (its work was saved)
 *   say(panel, text, kind)   a message in the panel (kind: a Bootstrap alert colour)
 *   submit(panel, run, inputs, reopen)   runs the write `run` with the buttons disabled;
 *                         resolves its answer, or null after showing the errors (the fields
 *                         named by the API marked invalid) or, for a 409, the comparison
 *                         (whose reload button calls reopen)
 *   done(panel, record, date)   redraws the map and says "saved" (or saved for a later date)
 *   closeButton(className)   a footer button that closes the panel
 *
 * UI words: edit_close, edit_saving, edit_saved, edit_saved_later ("{date}", "{as_of}"),
 * edit_error, edit_title_conflict, edit_conflict_field, edit_conflict_current,
 * edit_conflict_yours, edit_conflict_geometry, edit_conflict_deleted, edit_changed,
 * edit_unchanged, edit_reload, edit_name, edit_status, edit_progress, edit_date, yes, no.
 */
window.Portal.define('editPanel', function (Portal, L) {
  'use strict';

  var { el, t, button, ApiError, fmtDate } = Portal.core;

  var PANEL_WIDTH = 340;

  function create(ctx) {
    var current = null;
    var onPanelClose = null;

    function close() {
      if (current) current.remove();
      current = null;
      if (onPanelClose) {
        var after = onPanelClose;
        onPanelClose = null;
        after();
      }
    }

    // Over the map's bottom left, styled through the CSSOM (no inline HTML): the controls
    // along the top stay usable (zoom, search, drawing toolbar).
    function open(title, onClose) {
      close();
      var root = el('section', 'portal-edit-panel card shadow');
      root.setAttribute('role', 'dialog');
      root.setAttribute('aria-label', title);
      Object.assign(root.style, {
        position: 'absolute', left: '10px', bottom: '50px', zIndex: '1100', width: PANEL_WIDTH + 'px',
        maxWidth: 'calc(100% - 20px)', maxHeight: 'calc(100% - 170px)', overflowY: 'auto'
      });
      var head = el('div', 'card-header d-flex justify-content-between align-items-center');
      head.appendChild(el('strong', 'portal-edit-title', title));
      var x = el('button', 'btn-close');
      x.type = 'button';
      x.setAttribute('aria-label', t('edit_close'));
      x.addEventListener('click', close);
      head.appendChild(x);
      var body = el('div', 'card-body portal-edit-body');
      var message = el('div', 'portal-edit-message');
      message.setAttribute('aria-live', 'polite');
      var footer = el('div', 'card-footer d-flex gap-2 justify-content-end portal-edit-footer');
      [head, message, body, footer].forEach(function (part) { root.appendChild(part); });
      Portal.core.stopMapEvents(root);
      ctx.map.getContainer().appendChild(root);
      current = root;
      onPanelClose = onClose || null;
      return { root, body, footer, message };
    }

    function say(panel, text, kind) {
      panel.message.textContent = '';
      if (!text) return;
      var box = el('div', 'alert alert-' + (kind || 'info') + ' m-2 py-1 px-2 small', text);
      box.setAttribute('role', kind === 'danger' ? 'alert' : 'status');
      panel.message.appendChild(box);
    }

    function closeButton(className) {
      return button(t('edit_close'), className || null, close);
    }

    function showErrors(panel, err, inputs) {
      Object.keys(inputs || {}).forEach(function (name) {
        inputs[name].node.classList.remove('is-invalid');
      });
      var lines = [err.message];
      var errors = (err.body && err.body.errors) || [];
      errors.forEach(function (item) {
        if (item.field && inputs && inputs[item.field]) inputs[item.field].node.classList.add('is-invalid');
        if (item.message && item.message !== err.message) lines.push(item.message);
      });
      say(panel, lines.join(' — '), 'danger');
    }

    async function submit(panel, run, inputs, reopen) {
      var buttons = panel.footer.querySelectorAll('button');
      buttons.forEach(function (b) { b.disabled = true; });
      say(panel, t('edit_saving'), 'secondary');
      try {
        return await run();
      } catch (err) {
        if (err instanceof ApiError && err.status === 409 && err.body && err.body.current) {
          showConflict(err.body, reopen);
        } else {
          showErrors(panel, err instanceof ApiError ? err : new ApiError(t('edit_error')), inputs);
        }
        return null;
      } finally {
        buttons.forEach(function (b) { b.disabled = false; });
      }
    }

    function savedMessage(date) {
      var asOf = ctx.asOf();
      if (date && asOf && date > asOf) {
        return t('edit_saved_later', { date: fmtDate(date), as_of: fmtDate(asOf) });
      }
      return t('edit_saved');
    }

    function done(panel, record, date) {
      ctx.refreshMap();
      panel.body.textContent = '';
      panel.footer.textContent = '';
      say(panel, savedMessage(date || (record && record.properties && record.properties.updated)), 'success');
      panel.footer.appendChild(closeButton('btn-primary'));
    }

    // ---------------------------------------------------------------- 409: both versions

    function shownValue(layerId, key, value) {
      if (value === null || value === undefined || value === '') return '–';
      if (key === 'status') return ctx.statusLabel(layerId, value);
      if (typeof value === 'boolean') return value ? t('yes') : t('no');
      var field = ctx.fieldsOf(layerId).filter(function (f) { return f.name === key; })[0];
      if (field && field.choices) {
        var choice = field.choices.filter(function (c) { return c.value === value; })[0];
        if (choice) return choice.label;
      }
      return String(value);
    }

    function conflictRows(body) {
      var now = body.current || {};
      var proposed = body.proposed || {};
      var layerId = now.layer;
      var rows = [
        ['name', t('edit_name')], ['status', t('edit_status')], ['progress', t('edit_progress')],
        ['updated', t('edit_date')]
      ];
      ctx.fieldsOf(layerId).forEach(function (f) {
        if (Object.prototype.hasOwnProperty.call(now.properties || {}, f.name)) rows.push([f.name, f.label]);
      });
      var result = rows.map(function (row) {
        var a = (now.properties || {})[row[0]];
        var b = (proposed.properties || {})[row[0]];
        return { label: row[1], current: shownValue(layerId, row[0], a), yours: shownValue(layerId, row[0], b),
          differs: JSON.stringify(a) !== JSON.stringify(b) };
      });
      var moved = JSON.stringify(now.geometry) !== JSON.stringify(proposed.geometry);
      result.push({ label: t('edit_conflict_geometry'), current: t('edit_unchanged'),
        yours: moved ? t('edit_changed') : t('edit_unchanged'), differs: moved });
      result.push({ label: t('edit_conflict_deleted'), current: now.deleted ? t('yes') : t('no'),
        yours: proposed.deleted ? t('yes') : t('no'), differs: !!now.deleted !== !!proposed.deleted });
      return result;
    }

    function showConflict(body, reopen) {
      var panel = open(t('edit_title_conflict'));
      say(panel, body.error || t('edit_error'), 'warning');
      var table = el('table', 'table table-sm small portal-edit-conflict');
      var head = el('tr');
      [t('edit_conflict_field'), t('edit_conflict_current'), t('edit_conflict_yours')].forEach(function (h) {
        head.appendChild(el('th', null, h));
      });
      table.appendChild(el('thead')).appendChild(head);
      var tbody = el('tbody');
      conflictRows(body).forEach(function (row) {
        var tr = el('tr', row.differs ? 'table-warning' : null);
        tr.appendChild(el('th', null, row.label));
        tr.appendChild(el('td', 'portal-edit-current', row.current));
        tr.appendChild(el('td', 'portal-edit-yours', row.yours));
        tbody.appendChild(tr);
      });
      table.appendChild(tbody);
      panel.body.appendChild(table);
      panel.footer.appendChild(closeButton());
      if (reopen) {
        panel.footer.appendChild(button(t('edit_reload'), 'btn-primary portal-edit-reload', function () {
          ctx.refreshMap();
          reopen();
        }));
      }
    }

    return {
      open,
      close,
      keep: function () { onPanelClose = null; },
      say,
      submit,
      done,
      closeButton
    };
  }

  return { create };
});
