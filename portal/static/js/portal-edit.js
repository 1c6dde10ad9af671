/*
 * portal-edit.js: the editing add-on of the map client, loaded only for signed-in editors.
 *
 * Plain ES2017, no build step. Needs Leaflet, Leaflet-Geoman (vendor/geoman) and portal-map.js.
 * The page calls, after PortalMap.init(map, config):
 *
 *     PortalEdit.init(map, config.edit)
 *
 * config.edit comes from portal.api.editing.edit_client_config(current_user); when it is absent
 * the add-on fetches the same object from {api}/edit/config. It holds: api, layers (ids the user
 * edits), geometryTypes, fields (every field of those layers, restricted ones included: type,
 * label, required, min, max, choices), workflow, user, role, stepBack, today, csrf,
 * maxPhotoBytes and strings.
 *
 * What it adds: a Geoman toolbar to draw a point, line or polygon for an editable layer, then an
 * attribute form built from the layer's fields; buttons in each editable record's popup (quick
 * status update, edit, move/reshape with Geoman, photos, delete with a reason). Every write
 * sends the record's version and the X-CSRFToken header; a 409 shows both versions side by side
 * and offers to reload.
 *
 * As in portal-map.js, every value reaches the page through textContent or DOM properties,
 * never innerHTML. UI words come only from config strings (config.edit.strings, then the map's
 * config.strings); a missing key shows the key itself. Keys ("{name}" is replaced):
 *   edit_toolbar_marker, edit_toolbar_line, edit_toolbar_polygon   Geoman button titles
 *   edit_tip_marker, edit_tip_first_vertex, edit_tip_continue_line, edit_tip_finish_line,
 *   edit_tip_finish_polygon                                        Geoman drawing tooltips
 *   edit_action_finish, edit_action_cancel, edit_action_remove_vertex   Geoman drawing actions
 *   edit_button_status      popup button: quick status update ("Cập nhật trạng thái")
 *   edit_button_edit        popup button: edit attributes ("Sửa")
 *   edit_button_move        popup button: move or reshape
 *   edit_button_photos      popup button: photos
 *   edit_button_delete      popup button: delete ("Xóa")
 *   edit_title_new          panel title: new record
 *   edit_title_status       panel title: quick status update of "{name}"
 *   edit_title_edit         panel title: edit "{name}"
 *   edit_title_move         panel title: move "{name}"
 *   edit_title_photos       panel title: photos of "{name}"
 *   edit_title_delete       panel title: delete "{name}"
 *   edit_title_conflict     panel title: the record changed meanwhile
 *   edit_layer              label: layer of a new record
 *   edit_name               label: record name
 *   edit_status             label: status
 *   edit_progress           label: progress (%)
 *   edit_date               label: date the change takes effect
 *   edit_reason             label: reason of the change
 *   edit_reason_required    label: reason, required (delete)
 *   edit_required_mark      marker after a required field's label
 *   edit_restricted_mark    marker after a restricted (personal data) field's label
 *   edit_choose             empty option of a select
 *   edit_save, edit_cancel, edit_close, edit_delete_confirm, edit_reload, edit_undo
 *   edit_saving             shown while a request runs
 *   edit_saved              success message
 *   edit_saved_later        "{date}", "{as_of}": saved, but dated after the date the map shows
 *   edit_deleted            success message after a delete
 *   edit_restored           success message after a restore (undo)
 *   edit_undo_reason        reason sent when undoing a delete
 *   edit_move_hint          how to move or reshape
 *   edit_no_layer           the drawn shape fits no layer the user edits
 *   edit_conflict_field, edit_conflict_current, edit_conflict_yours   column headings
 *   edit_conflict_geometry  row label: position/shape
 *   edit_conflict_deleted   row label: deleted
 *   edit_changed, edit_unchanged  values of the geometry row
 *   edit_photo_file         label: photo file
 *   edit_photo_caption      label: caption
 *   edit_photo_upload       button: upload
 *   edit_photo_delete       button: remove a photo
 *   edit_photo_none         no photo yet
 *   edit_photo_too_big      "{mb}": the file is larger than the limit
 *   edit_error              generic error
 *   yes, no                 boolean values (map strings)
 */
(function (global) {
  'use strict';

  var L = global.L;
  var PANEL_WIDTH = 340;
  var ed = null;

  // ---------------------------------------------------------------- small helpers

  function mapState() {
    return global.PortalMap && global.PortalMap.state;
  }

  function t(key, vars) {
    var own = (ed && ed.config.strings) || {};
    var shared = (mapState() && mapState().config.strings) || {};
    var has = Object.prototype.hasOwnProperty;
    var text = has.call(own, key) ? String(own[key]) : has.call(shared, key) ? String(shared[key]) : key;
    if (vars) {
      Object.keys(vars).forEach(function (name) {
        text = text.split('{' + name + '}').join(String(vars[name]));
      });
    }
    return text;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function button(text, className, onClick) {
    var node = el('button', 'btn btn-sm ' + (className || 'btn-outline-secondary'), text);
    node.type = 'button';
    node.addEventListener('click', function (e) {
      e.preventDefault();
      onClick(e);
    });
    return node;
  }

  function isNum(value) {
    return typeof value === 'number' && isFinite(value);
  }

  function layerSpec(id) {
    var layers = (mapState() && mapState().config.layers) || [];
    for (var i = 0; i < layers.length; i++) if (layers[i].id === id) return layers[i];
    return null;
  }

  function layerName(id) {
    var spec = layerSpec(id);
    return spec ? spec.name : id;
  }

  function editable(id) {
    return ed.config.layers.indexOf(id) >= 0;
  }

  function fieldsOf(id) {
    return (ed.config.fields && ed.config.fields[id]) || [];
  }

  function statusesOf(id) {
    var spec = layerSpec(id);
    return (spec && spec.statuses) || [];
  }

  function statusLabel(layerId, id) {
    var list = statusesOf(layerId);
    for (var i = 0; i < list.length; i++) if (list[i].id === id) return list[i].label;
    return id;
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return (meta && meta.getAttribute('content')) || ed.config.csrf || '';
  }

  function apiBase() {
    var base = ed.config.api || (mapState() && mapState().config.api) || '/api';
    return base.replace(/\/$/, '');
  }

  function recordPath(layerId, id, suffix) {
    return '/layers/' + encodeURIComponent(layerId) + '/features/' + encodeURIComponent(id) + (suffix || '');
  }

  // ---------------------------------------------------------------- API

  function EditError(message, status, body) {
    this.name = 'EditError';
    this.message = message;
    this.status = status;
    this.body = body;
  }
  EditError.prototype = Object.create(Error.prototype);

  async function request(method, path, body) {
    var headers = { Accept: 'application/json' };
    var payload;
    if (body instanceof FormData) {
      payload = body;
    } else if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    if (method !== 'GET') headers['X-CSRFToken'] = csrfToken();
    var response = await fetch(apiBase() + path, {
      method: method, credentials: 'same-origin', headers: headers, body: payload
    });
    var data = null;
    try {
      data = await response.json();
    } catch (err) {
      data = null;
    }
    if (!response.ok || (data && data.ok === false)) {
      var message = data && typeof data.error === 'string' && data.error ? data.error : t('edit_error');
      throw new EditError(message, response.status, data);
    }
    return data;
  }

  function getRecord(layerId, id) {
    return request('GET', recordPath(layerId, id));
  }

  // ---------------------------------------------------------------- panel

  function stopMapEvents(node) {
    L.DomEvent.disableClickPropagation(node);
    L.DomEvent.disableScrollPropagation(node);
  }

  function closePanel() {
    if (ed.panel) ed.panel.remove();
    ed.panel = null;
    if (ed.onPanelClose) {
      var done = ed.onPanelClose;
      ed.onPanelClose = null;
      done();
    }
  }

  // One panel at a time, over the map's left side; styled through the CSSOM (no inline HTML).
  function openPanel(title, onClose) {
    closePanel();
    var root = el('section', 'portal-edit-panel card shadow');
    root.setAttribute('role', 'dialog');
    root.setAttribute('aria-label', title);
    var s = root.style;
    // Bottom left: the controls along the top stay usable (zoom, search, drawing toolbar).
    s.position = 'absolute';
    s.left = '10px';
    s.bottom = '50px';
    s.zIndex = '1100';
    s.width = PANEL_WIDTH + 'px';
    s.maxWidth = 'calc(100% - 20px)';
    s.maxHeight = 'calc(100% - 170px)';
    s.overflowY = 'auto';
    var head = el('div', 'card-header d-flex justify-content-between align-items-center');
    head.appendChild(el('strong', 'portal-edit-title', title));
    var close = el('button', 'btn-close');
    close.type = 'button';
    close.setAttribute('aria-label', t('edit_close'));
    close.addEventListener('click', closePanel);
    head.appendChild(close);
    var body = el('div', 'card-body portal-edit-body');
    var message = el('div', 'portal-edit-message');
    message.setAttribute('aria-live', 'polite');
    var footer = el('div', 'card-footer d-flex gap-2 justify-content-end portal-edit-footer');
    root.appendChild(head);
    root.appendChild(message);
    root.appendChild(body);
    root.appendChild(footer);
    stopMapEvents(root);
    ed.map.getContainer().appendChild(root);
    ed.panel = root;
    ed.onPanelClose = onClose || null;
    return { root: root, body: body, footer: footer, message: message };
  }

  function say(panel, text, kind) {
    panel.message.textContent = '';
    if (!text) return;
    var box = el('div', 'alert alert-' + (kind || 'info') + ' m-2 py-1 px-2 small', text);
    box.setAttribute('role', kind === 'danger' ? 'alert' : 'status');
    panel.message.appendChild(box);
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

  // Runs a write: disables the buttons, shows "saving", and routes a 409 to the comparison.
  async function submit(panel, run, inputs, reopen) {
    var buttons = panel.footer.querySelectorAll('button');
    buttons.forEach(function (b) { b.disabled = true; });
    say(panel, t('edit_saving'), 'secondary');
    try {
      return await run();
    } catch (err) {
      if (err instanceof EditError && err.status === 409 && err.body && err.body.current) {
        showConflict(err.body, reopen);
      } else {
        showErrors(panel, err instanceof EditError ? err : new EditError(t('edit_error')), inputs);
      }
      return null;
    } finally {
      buttons.forEach(function (b) { b.disabled = false; });
    }
  }

  function refreshMap() {
    var portal = global.PortalMap;
    if (portal && typeof portal.refresh === 'function') portal.refresh();
    else ed.map.fire('moveend');
  }

  function fmtDate(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(iso || ''));
    if (!m) return String(iso || '');
    var locale = mapState() && mapState().config.locale === 'en' ? 'en-GB' : 'vi-VN';
    return new Intl.DateTimeFormat(locale, {
      timeZone: 'UTC', year: 'numeric', month: '2-digit', day: '2-digit'
    }).format(new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])));
  }

  function savedMessage(date) {
    var asOf = mapState() && mapState().config.asOf;
    if (date && asOf && date > asOf) return t('edit_saved_later', { date: fmtDate(date), as_of: fmtDate(asOf) });
    return t('edit_saved');
  }

  function done(panel, record, date) {
    refreshMap();
    panel.body.textContent = '';
    panel.footer.textContent = '';
    say(panel, savedMessage(date || (record && record.properties && record.properties.updated)), 'success');
    panel.footer.appendChild(button(t('edit_close'), 'btn-primary', closePanel));
  }

  // ---------------------------------------------------------------- form inputs

  function labelled(container, id, text, control, field) {
    var wrap = el('div', 'mb-2 portal-edit-field');
    var label = el('label', 'form-label small mb-0', text);
    if (field && field.required) label.appendChild(el('span', 'text-danger', ' ' + t('edit_required_mark')));
    if (field && field.public === false) label.appendChild(el('span', 'text-muted', ' ' + t('edit_restricted_mark')));
    label.htmlFor = id;
    control.id = id;
    wrap.appendChild(label);
    wrap.appendChild(control);
    container.appendChild(wrap);
    return control;
  }

  function option(select, value, text, selected) {
    var node = el('option', null, text);
    node.value = value;
    node.selected = !!selected;
    select.appendChild(node);
    return node;
  }

  var uid = 0;
  function nextId(name) {
    uid += 1;
    return 'portal-edit-' + String(name).replace(/[^a-z0-9_-]/gi, '') + '-' + uid;
  }

  // One input per field type; read() returns the JSON value (null when empty).
  function fieldInput(field, value) {
    var node;
    var read;
    if (field.type === 'choice') {
      node = el('select', 'form-select form-select-sm');
      option(node, '', t('edit_choose'), value === null || value === undefined);
      (field.choices || []).forEach(function (c) { option(node, c.value, c.label, c.value === value); });
      read = function () { return node.value || null; };
    } else if (field.type === 'bool') {
      node = el('input', 'form-check-input');
      node.type = 'checkbox';
      node.checked = value === true;
      read = function () { return node.checked; };
    } else if (field.type === 'date') {
      node = el('input', 'form-control form-control-sm');
      node.type = 'date';
      node.value = typeof value === 'string' ? value.slice(0, 10) : '';
      read = function () { return node.value || null; };
    } else if (field.type === 'int' || field.type === 'float') {
      node = el('input', 'form-control form-control-sm');
      node.type = 'number';
      node.step = field.type === 'int' ? '1' : 'any';
      if (isNum(field.min)) node.min = String(field.min);
      if (isNum(field.max)) node.max = String(field.max);
      node.value = isNum(value) ? String(value) : '';
      read = function () { return node.value === '' ? null : Number(node.value); };
    } else {
      node = el('input', 'form-control form-control-sm');
      node.type = 'text';
      node.maxLength = 500;
      node.value = value === null || value === undefined ? '' : String(value);
      read = function () { return node.value.trim() === '' ? null : node.value.trim(); };
    }
    if (field.required && field.type !== 'bool') node.required = true;
    return { node: node, read: read, field: field };
  }

  // The layer's fields as inputs; returns name -> input.
  function attributeInputs(container, layerId, values) {
    var inputs = {};
    fieldsOf(layerId).forEach(function (field) {
      var input = fieldInput(field, values ? values[field.name] : null);
      labelled(container, nextId(field.name), field.label || field.name, input.node, field);
      inputs[field.name] = input;
    });
    return inputs;
  }

  function changedValues(inputs, values) {
    var changed = {};
    Object.keys(inputs).forEach(function (name) {
      var now = inputs[name].read();
      var before = values ? values[name] : null;
      if (before === undefined) before = null;
      if (now === false && before === null && inputs[name].field.type === 'bool') return;
      if (JSON.stringify(now) !== JSON.stringify(before)) changed[name] = now;
    });
    return changed;
  }

  // Statuses in workflow order; on workflow layers only those one may move to are enabled.
  function statusInput(layerId, current, creating) {
    var select = el('select', 'form-select form-select-sm');
    var list = statusesOf(layerId);
    var ids = list.map(function (s) { return s.id; });
    var at = ids.indexOf(current);
    var workflow = ed.config.workflow && ed.config.workflow[layerId];
    list.forEach(function (status, i) {
      var node = option(select, status.id, status.label, status.id === current);
      if (!workflow) return;
      var allowed = creating
        ? i === 0 || ed.config.stepBack
        : at < 0 || i === at || i === at + 1 || (i === at - 1 && ed.config.stepBack);
      node.disabled = !allowed;
    });
    if (!current && list.length) select.value = list[0].id;
    return { node: select, read: function () { return select.value || null; } };
  }

  function dateInput(earliest) {
    var input = el('input', 'form-control form-control-sm');
    input.type = 'date';
    input.value = ed.config.today;
    input.max = ed.config.today;
    if (earliest) input.min = earliest;
    return { node: input, read: function () { return input.value || null; } };
  }

  function reasonInput(required) {
    var area = el('textarea', 'form-control form-control-sm');
    area.rows = 2;
    area.maxLength = 1000;
    if (required) area.required = true;
    return { node: area, read: function () { return area.value.trim(); } };
  }

  function progressInput(value) {
    return fieldInput({ name: 'progress', type: 'float', min: 0, max: 100 }, value);
  }

  // ---------------------------------------------------------------- record actions

  function reloadAnd(action, layerId, id) {
    return function () {
      getRecord(layerId, id).then(action).catch(function (err) {
        var panel = openPanel(t('edit_error'));
        say(panel, err.message || t('edit_error'), 'danger');
      });
    };
  }

  function quickStatus(record) {
    var layerId = record.layer;
    var props = record.properties;
    var panel = openPanel(t('edit_title_status', { name: props.name }));
    var inputs = {};
    inputs.status = statusInput(layerId, props.status, false);
    labelled(panel.body, nextId('status'), t('edit_status'), inputs.status.node);
    inputs.progress = progressInput(props.progress);
    labelled(panel.body, nextId('progress'), t('edit_progress'), inputs.progress.node);
    inputs.date = dateInput(props.updated);
    labelled(panel.body, nextId('date'), t('edit_date'), inputs.date.node);
    inputs.reason = reasonInput(false);
    labelled(panel.body, nextId('reason'), t('edit_reason'), inputs.reason.node);
    panel.footer.appendChild(button(t('edit_cancel'), null, closePanel));
    panel.footer.appendChild(button(t('edit_save'), 'btn-primary portal-edit-save', async function () {
      var date = inputs.date.read();
      var saved = await submit(panel, function () {
        return request('POST', recordPath(layerId, record.id, '/status'), {
          version: record.version,
          status: inputs.status.read(),
          progress: inputs.progress.read(),
          date: date,
          reason: inputs.reason.read()
        });
      }, inputs, reloadAnd(quickStatus, layerId, record.id));
      if (saved) done(panel, saved, date);
    }));
  }

  function editRecord(record) {
    var layerId = record.layer;
    var props = record.properties;
    var panel = openPanel(t('edit_title_edit', { name: props.name }));
    var name = fieldInput({ name: 'name', type: 'str', required: true }, props.name);
    labelled(panel.body, nextId('name'), t('edit_name'), name.node, { required: true });
    var inputs = attributeInputs(panel.body, layerId, props);
    inputs.name = name;
    var reason = reasonInput(false);
    labelled(panel.body, nextId('reason'), t('edit_reason'), reason.node);
    panel.footer.appendChild(button(t('edit_cancel'), null, closePanel));
    panel.footer.appendChild(button(t('edit_save'), 'btn-primary portal-edit-save', async function () {
      var attributes = {};
      Object.keys(inputs).forEach(function (key) { if (key !== 'name') attributes[key] = inputs[key]; });
      var properties = changedValues(attributes, props);
      if (name.read() !== props.name) properties.name = name.read();
      var saved = await submit(panel, function () {
        return request('PATCH', recordPath(layerId, record.id), {
          version: record.version, properties: properties, reason: reason.read()
        });
      }, inputs, reloadAnd(editRecord, layerId, record.id));
      if (saved) done(panel, saved);
    }));
  }

  function moveRecord(record) {
    var layerId = record.layer;
    var shape = L.geoJSON(record.geometry, {
      pointToLayer: function (feature, latlng) { return L.marker(latlng); }
    });
    var target = shape.getLayers()[0];
    shape.addTo(ed.map);
    var panel = openPanel(t('edit_title_move', { name: record.properties.name }), function () {
      if (target && target.pm) target.pm.disable();
      ed.map.removeLayer(shape);
    });
    panel.body.appendChild(el('p', 'small mb-2', t('edit_move_hint')));
    var reason = reasonInput(false);
    labelled(panel.body, nextId('reason'), t('edit_reason'), reason.node);
    if (target && target.pm) target.pm.enable({ allowSelfIntersection: false, draggable: true });
    panel.footer.appendChild(button(t('edit_cancel'), null, closePanel));
    panel.footer.appendChild(button(t('edit_save'), 'btn-primary portal-edit-save', async function () {
      var geometry = target.toGeoJSON().geometry;
      var saved = await submit(panel, function () {
        return request('PATCH', recordPath(layerId, record.id), {
          version: record.version, geometry: geometry, reason: reason.read()
        });
      }, { geometry: { node: panel.body } }, reloadAnd(moveRecord, layerId, record.id));
      if (saved) {
        closePanel();
        done(openPanel(t('edit_title_move', { name: record.properties.name })), saved);
      }
    }));
  }

  function deleteRecord(record) {
    var layerId = record.layer;
    var panel = openPanel(t('edit_title_delete', { name: record.properties.name }));
    var reason = reasonInput(true);
    labelled(panel.body, nextId('reason'), t('edit_reason_required'), reason.node, { required: true });
    panel.footer.appendChild(button(t('edit_cancel'), null, closePanel));
    panel.footer.appendChild(button(t('edit_delete_confirm'), 'btn-danger portal-edit-save', async function () {
      var saved = await submit(panel, function () {
        return request('DELETE', recordPath(layerId, record.id), {
          version: record.version, reason: reason.read()
        });
      }, { reason: reason }, reloadAnd(deleteRecord, layerId, record.id));
      if (!saved) return;
      refreshMap();
      panel.body.textContent = '';
      panel.footer.textContent = '';
      say(panel, t('edit_deleted'), 'success');
      panel.footer.appendChild(button(t('edit_undo'), null, async function () {
        var restored = await submit(panel, function () {
          return request('POST', recordPath(layerId, record.id, '/restore'), {
            version: saved.version, reason: t('edit_undo_reason')
          });
        }, {}, closePanel);
        if (restored) {
          refreshMap();
          say(panel, t('edit_restored'), 'success');
          panel.footer.textContent = '';
          panel.footer.appendChild(button(t('edit_close'), 'btn-primary', closePanel));
        }
      }));
      panel.footer.appendChild(button(t('edit_close'), 'btn-primary', closePanel));
    }));
  }

  function photoList(panel, record) {
    var list = el('div', 'd-flex flex-wrap gap-2 mb-2 portal-edit-photos');
    if (!record.photos || !record.photos.length) list.appendChild(el('p', 'small text-muted', t('edit_photo_none')));
    (record.photos || []).forEach(function (photo) {
      var figure = el('figure', 'mb-0');
      var img = el('img', 'img-thumbnail');
      img.src = photo.thumb;
      img.alt = photo.caption || record.properties.name;
      img.style.maxWidth = '140px';
      figure.appendChild(img);
      if (photo.caption) figure.appendChild(el('figcaption', 'small', photo.caption));
      figure.appendChild(button(t('edit_photo_delete'), 'btn-outline-danger', async function () {
        var removed = await submit(panel, function () {
          return request('DELETE', '/photos/' + encodeURIComponent(photo.id));
        }, {}, null);
        if (removed) reloadAnd(managePhotos, record.layer, record.id)();
      }));
      list.appendChild(figure);
    });
    return list;
  }

  function managePhotos(record) {
    var panel = openPanel(t('edit_title_photos', { name: record.properties.name }));
    panel.body.appendChild(photoList(panel, record));
    var file = el('input', 'form-control form-control-sm');
    file.type = 'file';
    file.accept = 'image/jpeg,image/png,image/webp';
    labelled(panel.body, nextId('file'), t('edit_photo_file'), file);
    var caption = fieldInput({ name: 'caption', type: 'str' }, '');
    labelled(panel.body, nextId('caption'), t('edit_photo_caption'), caption.node);
    var inputs = { file: { node: file }, caption: caption };
    panel.footer.appendChild(button(t('edit_close'), null, closePanel));
    panel.footer.appendChild(button(t('edit_photo_upload'), 'btn-primary portal-edit-save', async function () {
      var chosen = file.files && file.files[0];
      if (!chosen) return;
      if (chosen.size > ed.config.maxPhotoBytes) {
        say(panel, t('edit_photo_too_big', { mb: Math.round(ed.config.maxPhotoBytes / 1048576) }), 'danger');
        return;
      }
      var form = new FormData();
      form.append('file', chosen);
      form.append('caption', caption.read() || '');
      var saved = await submit(panel, function () {
        return request('POST', recordPath(record.layer, record.id, '/photos'), form);
      }, inputs, null);
      if (saved) reloadAnd(managePhotos, record.layer, record.id)();
    }));
  }

  // ---------------------------------------------------------------- 409: both versions

  function shownValue(layerId, key, value) {
    if (value === null || value === undefined || value === '') return '–';
    if (key === 'status') return statusLabel(layerId, value);
    if (typeof value === 'boolean') return value ? t('yes') : t('no');
    var field = fieldsOf(layerId).filter(function (f) { return f.name === key; })[0];
    if (field && field.choices) {
      var choice = field.choices.filter(function (c) { return c.value === value; })[0];
      if (choice) return choice.label;
    }
    return String(value);
  }

  function conflictRows(body) {
    var current = body.current || {};
    var proposed = body.proposed || {};
    var layerId = current.layer;
    var rows = [
      ['name', t('edit_name')], ['status', t('edit_status')], ['progress', t('edit_progress')],
      ['updated', t('edit_date')]
    ];
    fieldsOf(layerId).forEach(function (f) {
      if (Object.prototype.hasOwnProperty.call(current.properties || {}, f.name)) rows.push([f.name, f.label]);
    });
    var result = rows.map(function (row) {
      var a = (current.properties || {})[row[0]];
      var b = (proposed.properties || {})[row[0]];
      return { label: row[1], current: shownValue(layerId, row[0], a), yours: shownValue(layerId, row[0], b),
        differs: JSON.stringify(a) !== JSON.stringify(b) };
    });
    var moved = JSON.stringify(current.geometry) !== JSON.stringify(proposed.geometry);
    result.push({ label: t('edit_conflict_geometry'), current: t('edit_unchanged'),
      yours: moved ? t('edit_changed') : t('edit_unchanged'), differs: moved });
    result.push({ label: t('edit_conflict_deleted'), current: current.deleted ? t('yes') : t('no'),
      yours: proposed.deleted ? t('yes') : t('no'), differs: !!current.deleted !== !!proposed.deleted });
    return result;
  }

  function showConflict(body, reopen) {
    var panel = openPanel(t('edit_title_conflict'));
    say(panel, body.error || t('edit_error'), 'warning');
    var table = el('table', 'table table-sm small portal-edit-conflict');
    var head = el('tr');
    [t('edit_conflict_field'), t('edit_conflict_current'), t('edit_conflict_yours')].forEach(function (h) {
      head.appendChild(el('th', null, h));
    });
    var thead = el('thead');
    thead.appendChild(head);
    table.appendChild(thead);
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
    panel.footer.appendChild(button(t('edit_close'), null, closePanel));
    if (reopen) {
      panel.footer.appendChild(button(t('edit_reload'), 'btn-primary portal-edit-reload', function () {
        refreshMap();
        reopen();
      }));
    }
  }

  // ---------------------------------------------------------------- popups

  var ACTIONS = [
    ['edit_button_status', quickStatus, 'btn-primary', 'status'],
    ['edit_button_edit', editRecord, 'btn-outline-primary', 'edit'],
    ['edit_button_move', moveRecord, 'btn-outline-secondary', 'move'],
    ['edit_button_photos', managePhotos, 'btn-outline-secondary', 'photos'],
    ['edit_button_delete', deleteRecord, 'btn-outline-danger', 'delete']
  ];

  function decorate(popup, layerId, props) {
    var content = popup.getContent();
    if (!(content instanceof Node) || content.querySelector('.portal-edit-actions')) return;
    if (!editable(layerId) || !props || props.cluster || props.id === undefined) return;
    var bar = el('div', 'portal-edit-actions d-flex flex-wrap gap-1 mt-2');
    bar.setAttribute('data-layer', layerId);
    bar.setAttribute('data-id', String(props.id));
    ACTIONS.forEach(function (action) {
      var b = button(t(action[0]), action[2] + ' portal-edit-' + action[3], function () {
        ed.map.closePopup();
        reloadAnd(action[1], layerId, props.id)();
      });
      bar.appendChild(b);
    });
    content.appendChild(bar);
    popup.update();
  }

  function isFeaturePopup(popup) {
    return popup && popup.isOpen() && /portal-feature-popup/.test(popup.options.className || '');
  }

  // The record whose drawn anchor is where the popup opened (a popup opened from a search).
  function recordAt(latlng) {
    var found = null;
    ed.config.layers.forEach(function (layerId) {
      var group = mapState().groups[layerId];
      if (!group || found) return;
      (function walk(layer) {
        if (found) return;
        if (layer.eachLayer && !layer.feature) { layer.eachLayer(walk); return; }
        if (!layer.feature) return;
        var anchor = layer.getLatLng ? layer.getLatLng() : layer.getBounds && layer.getBounds().getCenter();
        if (anchor && anchor.equals(latlng)) found = { layer: layerId, props: layer.feature.properties };
      })(group);
    });
    return found;
  }

  function watchPopups() {
    var map = ed.map;
    map.on('popupopen', function (e) {
      ed.popup = e.popup;
      // A click's own handler runs first (see watchClicks); this catches the other ways in.
      setTimeout(function () {
        if (!isFeaturePopup(e.popup)) return;
        var hit = recordAt(e.popup.getLatLng());
        if (hit) decorate(e.popup, hit.layer, hit.props);
      }, 0);
    });
    ed.config.layers.forEach(function (layerId) {
      var group = mapState().groups[layerId];
      if (!group) return;
      group.on('click', function (e) {
        var item = e.propagatedFrom || e.layer;
        var feature = item && item.feature;
        if (feature && isFeaturePopup(ed.popup)) decorate(ed.popup, layerId, feature.properties);
      });
    });
  }

  // ---------------------------------------------------------------- drawing new records

  function geometryKind(type) {
    return String(type || '').replace(/^Multi/, '');
  }

  function layersTaking(type) {
    return ed.config.layers.filter(function (id) {
      return ((ed.config.geometryTypes || {})[id] || []).indexOf(geometryKind(type)) >= 0;
    });
  }

  function createForm(drawn) {
    var geometry = drawn.toGeoJSON().geometry;
    var choices = layersTaking(geometry.type);
    var panel = openPanel(t('edit_title_new'), function () { ed.map.removeLayer(drawn); });
    if (!choices.length) {
      say(panel, t('edit_no_layer'), 'warning');
      panel.footer.appendChild(button(t('edit_close'), null, closePanel));
      return;
    }
    var layerSelect = el('select', 'form-select form-select-sm');
    choices.forEach(function (id, i) { option(layerSelect, id, layerName(id), i === 0); });
    labelled(panel.body, nextId('layer'), t('edit_layer'), layerSelect);
    var holder = el('div');
    panel.body.appendChild(holder);
    var inputs = {};
    function build() {
      holder.textContent = '';
      var layerId = layerSelect.value;
      inputs = { name: fieldInput({ name: 'name', type: 'str' }, '') };
      labelled(holder, nextId('name'), t('edit_name'), inputs.name.node);
      Object.assign(inputs, attributeInputs(holder, layerId, null));
      inputs.status = statusInput(layerId, null, true);
      labelled(holder, nextId('status'), t('edit_status'), inputs.status.node);
      inputs.progress = progressInput(null);
      labelled(holder, nextId('progress'), t('edit_progress'), inputs.progress.node);
      inputs.date = dateInput(null);
      labelled(holder, nextId('date'), t('edit_date'), inputs.date.node);
      inputs.reason = reasonInput(false);
      labelled(holder, nextId('reason'), t('edit_reason'), inputs.reason.node);
    }
    layerSelect.addEventListener('change', build);
    build();
    panel.footer.appendChild(button(t('edit_cancel'), null, closePanel));
    panel.footer.appendChild(button(t('edit_save'), 'btn-primary portal-edit-save', async function () {
      var layerId = layerSelect.value;
      var properties = {};
      Object.keys(inputs).forEach(function (key) {
        if (key === 'reason') return;
        var value = inputs[key].read();
        if (value !== null && value !== '') properties[key] = value;
      });
      var saved = await submit(panel, function () {
        return request('POST', '/layers/' + encodeURIComponent(layerId) + '/features', {
          type: 'Feature', geometry: geometry, properties: properties, reason: inputs.reason.read()
        });
      }, inputs, null);
      if (saved) {
        ed.onPanelClose = null;
        ed.map.removeLayer(drawn);
        done(panel, saved, properties.date);
      }
    }));
  }

  function geomanTexts() {
    return {
      tooltips: {
        placeMarker: t('edit_tip_marker'),
        firstVertex: t('edit_tip_first_vertex'),
        continueLine: t('edit_tip_continue_line'),
        finishLine: t('edit_tip_finish_line'),
        finishPoly: t('edit_tip_finish_polygon')
      },
      actions: {
        finish: t('edit_action_finish'),
        cancel: t('edit_action_cancel'),
        removeLastVertex: t('edit_action_remove_vertex')
      },
      buttonTitles: {
        drawMarkerButton: t('edit_toolbar_marker'),
        drawLineButton: t('edit_toolbar_line'),
        drawPolyButton: t('edit_toolbar_polygon')
      }
    };
  }

  function setupDrawing() {
    var map = ed.map;
    if (!map.pm && L.PM && typeof L.PM.reInitLayer === 'function') {
      // Geoman hooks maps created after it loaded; this one may be older (loaded on demand).
      L.PM.reInitLayer(map);
      if (map.pm) map.pm.setGlobalOptions({});
    }
    if (!map.pm) return;
    var kinds = {};
    ed.config.layers.forEach(function (id) {
      ((ed.config.geometryTypes || {})[id] || []).forEach(function (k) { kinds[k] = true; });
    });
    map.pm.setLang('portal', geomanTexts(), 'en');
    map.pm.addControls({
      position: 'topleft',
      drawMarker: !!kinds.Point,
      drawPolyline: !!kinds.LineString,
      drawPolygon: !!kinds.Polygon,
      drawCircleMarker: false,
      drawRectangle: false,
      drawCircle: false,
      drawText: false,
      editMode: false,
      dragMode: false,
      cutPolygon: false,
      removalMode: false,
      rotateMode: false
    });
    map.on('pm:create', function (e) {
      createForm(e.layer);
    });
  }

  // ---------------------------------------------------------------- init

  function start(map, config) {
    ed = { map: map, config: config, panel: null, popup: null, onPanelClose: null };
    PortalEdit.state = ed;
    setupDrawing();
    watchPopups();
    map.getContainer().setAttribute('data-portal-edit', 'ready');
    return ed;
  }

  async function fetchConfig() {
    var state = mapState();
    var base = ((state && state.config.api) || '/api').replace(/\/$/, '');
    var response = await fetch(base + '/edit/config', {
      credentials: 'same-origin', headers: { Accept: 'application/json' }
    });
    if (!response.ok) return null;
    return response.json();
  }

  function init(map, config) {
    if (!L || !mapState()) return Promise.resolve(null);
    var ready = mapState().ready || Promise.resolve();
    var configured = config ? Promise.resolve(config) : fetchConfig();
    return Promise.all([configured, ready]).then(function (results) {
      var cfg = results[0];
      if (!cfg || !Array.isArray(cfg.layers) || !cfg.layers.length) return null;
      return start(map, cfg);
    });
  }

  var PortalEdit = { init: init, state: null };
  global.PortalEdit = PortalEdit;
})(window);
