/*
 * edit-records.js: what an editor does to a record from its popup: quick status update, edit
 * the attributes, move or reshape it (Leaflet-Geoman), manage its photos, delete it (and undo).
 * Each action first reloads the record, so the form shows and sends its latest version.
 *
 * Portal.editRecords.create(ctx, panel, forms) (ctx: see portal-edit.js; panel and forms: the
 * interfaces of edit-panel.js and edit-forms.js) returns:
 *   actions               [{key, label, className, run(layerId, id)}], the popup's buttons
 *
 * UI words: edit_button_status, edit_button_edit, edit_button_move, edit_button_photos,
 * edit_button_delete, edit_title_status, edit_title_edit, edit_title_move, edit_title_photos,
 * edit_title_delete ("{name}"), edit_status, edit_progress, edit_date, edit_reason,
 * edit_reason_required, edit_name, edit_save, edit_cancel, edit_close, edit_delete_confirm,
 * edit_deleted, edit_undo, edit_undo_reason, edit_restored, edit_move_hint, edit_photo_file,
 * edit_photo_caption, edit_photo_upload, edit_photo_delete, edit_photo_none, edit_photo_too_big
 * ("{mb}"), edit_error.
 */
window.Portal.define('editRecords', function (Portal, L) {
  'use strict';

  var { el, t, button } = Portal.core;

  function create(ctx, panel, forms) {
    var labelled = forms.labelled;

    function recordPath(layerId, id, suffix) {
      return '/layers/' + encodeURIComponent(layerId) + '/features/' + encodeURIComponent(id) + (suffix || '');
    }

    function reloadAnd(action, layerId, id) {
      return function () {
        ctx.request('GET', recordPath(layerId, id)).then(action).catch(function (err) {
          panel.say(panel.open(t('edit_error')), err.message || t('edit_error'), 'danger');
        });
      };
    }

    // A form's Cancel and Save buttons; Save runs `save` (an async function).
    function saveButtons(box, save, label, className) {
      box.footer.appendChild(button(t('edit_cancel'), null, panel.close));
      box.footer.appendChild(button(t(label || 'edit_save'), (className || 'btn-primary') + ' portal-edit-save', save));
    }

    function quickStatus(record) {
      var layerId = record.layer;
      var props = record.properties;
      var box = panel.open(t('edit_title_status', { name: props.name }));
      var inputs = {
        status: labelled(box.body, t('edit_status'), forms.statusInput(layerId, props.status, false)),
        progress: labelled(box.body, t('edit_progress'), forms.progressInput(props.progress, layerId)),
        date: labelled(box.body, t('edit_date'), forms.dateInput(props.updated)),
        reason: labelled(box.body, t('edit_reason'), forms.reasonInput(false))
      };
      saveButtons(box, async function () {
        var date = inputs.date.read();
        var saved = await panel.submit(box, function () {
          return ctx.request('POST', recordPath(layerId, record.id, '/status'), {
            version: record.version,
            status: inputs.status.read(),
            progress: inputs.progress.read(),
            date,
            reason: inputs.reason.read()
          });
        }, inputs, reloadAnd(quickStatus, layerId, record.id));
        if (saved) panel.done(box, saved, date);
      });
    }

    function editRecord(record) {
      var layerId = record.layer;
      var props = record.properties;
      var box = panel.open(t('edit_title_edit', { name: props.name }));
      var name = labelled(box.body, t('edit_name'), forms.nameInput(props.name, true), { required: true });
      var inputs = forms.attributeInputs(box.body, layerId, props);
      inputs.name = name;
      var reason = labelled(box.body, t('edit_reason'), forms.reasonInput(false));
      saveButtons(box, async function () {
        var attributes = {};
        Object.keys(inputs).forEach(function (key) { if (key !== 'name') attributes[key] = inputs[key]; });
        var properties = forms.changedValues(attributes, props);
        if (name.read() !== props.name) properties.name = name.read();
        var saved = await panel.submit(box, function () {
          return ctx.request('PATCH', recordPath(layerId, record.id), {
            version: record.version, properties, reason: reason.read()
          });
        }, inputs, reloadAnd(editRecord, layerId, record.id));
        if (saved) panel.done(box, saved);
      });
    }

    function moveRecord(record) {
      var layerId = record.layer;
      var title = t('edit_title_move', { name: record.properties.name });
      var shape = L.geoJSON(record.geometry, {
        pointToLayer: function (feature, latlng) { return L.marker(latlng); }
      });
      var target = shape.getLayers()[0];
      shape.addTo(ctx.map);
      var box = panel.open(title, function () {
        if (target && target.pm) target.pm.disable();
        ctx.map.removeLayer(shape);
      });
      box.body.appendChild(el('p', 'small mb-2', t('edit_move_hint')));
      var reason = labelled(box.body, t('edit_reason'), forms.reasonInput(false));
      if (target && target.pm) target.pm.enable({ allowSelfIntersection: false, draggable: true });
      saveButtons(box, async function () {
        var geometry = target.toGeoJSON().geometry;
        var saved = await panel.submit(box, function () {
          return ctx.request('PATCH', recordPath(layerId, record.id), {
            version: record.version, geometry, reason: reason.read()
          });
        }, { geometry: { node: box.body } }, reloadAnd(moveRecord, layerId, record.id));
        if (saved) {
          panel.close();
          panel.done(panel.open(title), saved);
        }
      });
    }

    function deleted(box, layerId, record, saved) {
      ctx.refreshMap();
      box.body.textContent = '';
      box.footer.textContent = '';
      panel.say(box, t('edit_deleted'), 'success');
      box.footer.appendChild(button(t('edit_undo'), null, async function () {
        var restored = await panel.submit(box, function () {
          return ctx.request('POST', recordPath(layerId, record.id, '/restore'), {
            version: saved.version, reason: t('edit_undo_reason')
          });
        }, {}, panel.close);
        if (restored) {
          ctx.refreshMap();
          panel.say(box, t('edit_restored'), 'success');
          box.footer.textContent = '';
          box.footer.appendChild(panel.closeButton('btn-primary'));
        }
      }));
      box.footer.appendChild(panel.closeButton('btn-primary'));
    }

    function deleteRecord(record) {
      var layerId = record.layer;
      var box = panel.open(t('edit_title_delete', { name: record.properties.name }));
      var reason = labelled(box.body, t('edit_reason_required'), forms.reasonInput(true), { required: true });
      saveButtons(box, async function () {
        var saved = await panel.submit(box, function () {
          return ctx.request('DELETE', recordPath(layerId, record.id), {
            version: record.version, reason: reason.read()
          });
        }, { reason }, reloadAnd(deleteRecord, layerId, record.id));
        if (saved) deleted(box, layerId, record, saved);
      }, 'edit_delete_confirm', 'btn-danger');
    }

    function photoList(box, record) {
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
          var removed = await panel.submit(box, function () {
            return ctx.request('DELETE', '/photos/' + encodeURIComponent(photo.id));
          }, {}, null);
          if (removed) reloadAnd(managePhotos, record.layer, record.id)();
        }));
        list.appendChild(figure);
      });
      return list;
    }

    function managePhotos(record) {
      var box = panel.open(t('edit_title_photos', { name: record.properties.name }));
      box.body.appendChild(photoList(box, record));
      var file = el('input', 'form-control form-control-sm');
      file.type = 'file';
      file.accept = 'image/jpeg,image/png,image/webp';
      var inputs = {
        file: labelled(box.body, t('edit_photo_file'), { node: file, name: 'file' }),
        caption: labelled(box.body, t('edit_photo_caption'), forms.fieldInput({ name: 'caption', type: 'str' }, ''))
      };
      box.footer.appendChild(panel.closeButton());
      box.footer.appendChild(button(t('edit_photo_upload'), 'btn-primary portal-edit-save', async function () {
        var chosen = file.files && file.files[0];
        if (!chosen) return;
        if (chosen.size > ctx.config.maxPhotoBytes) {
          panel.say(box, t('edit_photo_too_big', { mb: Math.round(ctx.config.maxPhotoBytes / 1048576) }), 'danger');
          return;
        }
        var form = new FormData();
        form.append('file', chosen);
        form.append('caption', inputs.caption.read() || '');
        var saved = await panel.submit(box, function () {
          return ctx.request('POST', recordPath(record.layer, record.id, '/photos'), form);
        }, inputs, null);
        if (saved) reloadAnd(managePhotos, record.layer, record.id)();
      }));
    }

    function action(key, run, className, label) {
      return {
        key, label, className,
        run: function (layerId, id) { reloadAnd(run, layerId, id)(); }
      };
    }

    return {
      actions: [
        action('status', quickStatus, 'btn-primary', 'edit_button_status'),
        action('edit', editRecord, 'btn-outline-primary', 'edit_button_edit'),
        action('move', moveRecord, 'btn-outline-secondary', 'edit_button_move'),
        action('photos', managePhotos, 'btn-outline-secondary', 'edit_button_photos'),
        action('delete', deleteRecord, 'btn-outline-danger', 'edit_button_delete')
      ]
    };
  }

  return { create };
});
