/*
 * edit-forms.js: the inputs of the editing add-on's forms. Each input is {node, read(), field}:
 * read() returns the JSON value to send (null when empty).
 *
 * Portal.editForms.create(ctx) (ctx: see portal-edit.js) returns:
 *   labelled(container, text, input, field)   adds a labelled input (a required mark and a
 *                         restricted mark from `field`) with a fresh id from its field's name;
 *                         the help of `field` (or of input.field) goes under it, linked by
 *                         aria-describedby
 *   fieldInput(field, value)     one input per field type: choice, bool, date, int, float, text
 *                         (a textarea for a multiline field, its line breaks kept)
 *   attributeInputs(container, layerId, values)   the layer's fields, labelled: name -> input
 *   changedValues(inputs, values)   the inputs whose value differs from `values`
 *   statusInput(layerId, current, creating)   statuses in workflow order; on workflow layers
 *                         only those one may move to are enabled
 *   dateInput(earliest), reasonInput(required), progressInput(value, layerId),
 *   nameInput(value, required); statusInput and progressInput carry the layer's help
 *   (config.help[layerId].status / .progress)
 *
 * UI words: edit_required_mark, edit_restricted_mark, edit_choose.
 */
window.Portal.define('editForms', function (Portal, L) {
  'use strict';

  var { el, t, isNum, option } = Portal.core;

  var uid = 0;

  function nextId(name) {
    uid += 1;
    return 'portal-edit-' + String(name).replace(/[^a-z0-9_-]/gi, '') + '-' + uid;
  }

  function labelled(container, text, input, field) {
    var wrap = el('div', 'mb-2 portal-edit-field');
    var label = el('label', 'form-label small mb-0', text);
    if (field && field.required) label.appendChild(el('span', 'text-danger', ' ' + t('edit_required_mark')));
    if (field && field.public === false) label.appendChild(el('span', 'text-muted', ' ' + t('edit_restricted_mark')));
    label.htmlFor = nextId(input.name);
    input.node.id = label.htmlFor;
    wrap.appendChild(label);
    wrap.appendChild(input.node);
    var help = (field && field.help) || (input.field && input.field.help);
    if (help) {
      var note = el('div', 'form-text small mt-0 portal-edit-help', help);
      note.id = 'help-' + input.node.id;
      input.node.setAttribute('aria-describedby', note.id);
      wrap.appendChild(note);
    }
    container.appendChild(wrap);
    return input;
  }

  function textInput(type) {
    var node = el('input', 'form-control form-control-sm');
    node.type = type;
    return node;
  }

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
      node = textInput('date');
      node.value = typeof value === 'string' ? value.slice(0, 10) : '';
      read = function () { return node.value || null; };
    } else if (field.type === 'int' || field.type === 'float') {
      node = textInput('number');
      node.step = field.type === 'int' ? '1' : 'any';
      if (isNum(field.min)) node.min = String(field.min);
      if (isNum(field.max)) node.max = String(field.max);
      node.value = isNum(value) ? String(value) : '';
      read = function () { return node.value === '' ? null : Number(node.value); };
    } else {
      node = field.multiline ? el('textarea', 'form-control form-control-sm') : textInput('text');
      if (field.multiline) node.rows = 4;
      node.maxLength = field.multiline ? 2000 : 500;
      node.value = value === null || value === undefined ? '' : String(value);
      read = function () { return node.value.trim() === '' ? null : node.value.trim(); };
    }
    if (field.required && field.type !== 'bool') node.required = true;
    return { node, read, field, name: field.name };
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

  function create(ctx) {
    function attributeInputs(container, layerId, values) {
      var inputs = {};
      ctx.fieldsOf(layerId).forEach(function (field) {
        var input = fieldInput(field, values ? values[field.name] : null);
        labelled(container, field.label || field.name, input, field);
        inputs[field.name] = input;
      });
      return inputs;
    }

    function helpOf(layerId, what) {
      return ((ctx.config.help || {})[layerId] || {})[what] || '';
    }

    function statusInput(layerId, current, creating) {
      var select = el('select', 'form-select form-select-sm');
      var list = ctx.statusesOf(layerId);
      var at = list.map(function (s) { return s.id; }).indexOf(current);
      var workflow = ctx.config.workflow && ctx.config.workflow[layerId];
      list.forEach(function (status, i) {
        var node = option(select, status.id, status.label, status.id === current);
        if (!workflow) return;
        var allowed = creating
          ? i === 0 || ctx.config.stepBack
          : at < 0 || i === at || i === at + 1 || (i === at - 1 && ctx.config.stepBack);
        node.disabled = !allowed;
      });
      if (!current && list.length) select.value = list[0].id;
      return { node: select, read: function () { return select.value || null; }, name: 'status',
        field: { help: helpOf(layerId, 'status') } };
    }

    function dateInput(earliest) {
      var input = textInput('date');
      input.value = ctx.config.today;
      input.max = ctx.config.today;
      if (earliest) input.min = earliest;
      return { node: input, read: function () { return input.value || null; }, name: 'date' };
    }

    return {
      labelled,
      fieldInput,
      attributeInputs,
      changedValues,
      statusInput,
      dateInput,
      reasonInput: function (required) {
        var area = el('textarea', 'form-control form-control-sm');
        area.rows = 2;
        area.maxLength = 1000;
        if (required) area.required = true;
        return { node: area, read: function () { return area.value.trim(); }, name: 'reason' };
      },
      progressInput: function (value, layerId) {
        return fieldInput({ name: 'progress', type: 'float', min: 0, max: 100,
          help: layerId ? helpOf(layerId, 'progress') : '' }, value);
      },
      nameInput: function (value, required) {
        return fieldInput({ name: 'name', type: 'str', required: !!required }, value);
      }
    };
  }

  return { create };
});
