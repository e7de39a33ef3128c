// 学时申报: choosing 计入科目 / 学习形式 loads that learning form's fields from the server (its schema) and renders
// them like templates/admin/hours/declare_fields.html does; what was typed is kept for fields of the same name when
// the form changes. The hours the input earns are shown before submitting (the server computes them; the server
// also checks everything again on submit, so the page works without this script).
(function () {
  'use strict';
  var form = document.getElementById('declare-form');
  var choice = document.getElementById('form-choice');
  if (!form || !choice) return;
  var category = document.getElementById('category');
  var formId = document.getElementById('form_id');
  var box = document.getElementById('schema-fields');
  var preview = document.getElementById('hours-preview');
  var csrf = form.querySelector('input[name="csrf_token"]').value;
  var typed = {};
  var schema = JSON.parse(box.getAttribute('data-schema') || 'null');
  var timer = null;

  var el = window.buildElement;  // static/build_element.js

  function remember() {
    box.querySelectorAll('[name^="f_"]').forEach(function (input) { typed[input.name.slice(2)] = input.value; });
  }

  function fieldError(name, message) {
    var slot = box.querySelector('[data-error-for="' + name + '"]');
    var input = document.getElementById('f_' + name);
    if (!slot) return false;
    slot.textContent = message || '';
    slot.classList.toggle('d-block', !!message);
    if (input) input.classList.toggle('is-invalid', !!message);
    return true;
  }

  function choiceError(message) {
    var group = formId.closest('.form-group');
    var slot = group.querySelector('.field-error');
    if (!slot) {
      slot = el('div', {'class': 'invalid-feedback field-error'});
      group.appendChild(slot);
    }
    slot.textContent = message || '';
    slot.classList.toggle('d-block', !!message);
    formId.classList.toggle('is-invalid', !!message);
  }

  function renderField(f) {
    var group = el('div', {'class': 'form-group col-md-6', 'data-field': f.name});
    var label = el('label', {'for': 'f_' + f.name});
    if (f.required) label.appendChild(el('span', {'class': 'req'}, '*'));
    label.appendChild(document.createTextNode(f.label));
    group.appendChild(label);
    var value = typed[f.name] || '';
    var input;
    if (f.type === 'choice') {
      input = el('select', {'class': 'form-control', id: 'f_' + f.name, name: 'f_' + f.name});
      input.appendChild(el('option', {value: ''}, '请选择'));
      (f.choices || []).forEach(function (c) {
        var option = el('option', {value: c}, c);
        if (c === value) option.selected = true;
        input.appendChild(option);
      });
      group.appendChild(input);
    } else {
      var wrap = el('div', {'class': 'input-group'});
      input = el('input', {type: 'text', 'class': 'form-control', id: 'f_' + f.name, name: 'f_' + f.name});
      if (f.type === 'date') input.setAttribute('placeholder', '如：2026-11-28');
      if (f.type === 'number') input.setAttribute('inputmode', 'decimal');
      input.value = value;
      wrap.appendChild(input);
      if (f.unit) {
        var unit = el('div', {'class': 'input-group-append'});
        unit.appendChild(el('span', {'class': 'input-group-text'}, f.unit));
        wrap.appendChild(unit);
      }
      group.appendChild(wrap);
    }
    group.appendChild(el('div', {'class': 'invalid-feedback field-error', 'data-error-for': f.name}));
    return group;
  }

  function ruleText(s) {
    var text = '计算方式：' + s.rule_text;
    if (s.cap_per_record) text += '；每条记录最多 ' + s.cap_per_record + ' 学时';
    if (s.cap_per_year) text += '；每人每年最多 ' + s.cap_per_year + ' 学时';
    return text;
  }

  function render(next) {
    schema = next;
    box.textContent = '';
    showPreview(null);
    if (schema) {
      box.appendChild(el('p', {'class': 'text-muted small mb-2', id: 'rule-text'}, ruleText(schema)));
      var row = el('div', {'class': 'form-row'});
      schema.fields.forEach(function (f) { row.appendChild(renderField(f)); });
      box.appendChild(row);
    }
    var hint = document.getElementById('evidence-hint');
    if (hint) hint.textContent = schema && schema.evidence_hint ? '请上传：' + schema.evidence_hint : '';
    var star = document.getElementById('files-required');
    if (star) star.classList.toggle('d-none', !!schema && !schema.evidence_required);
    toggleOnlyForm();
    if (schema) schedulePreview();
  }

  // Parts of the page for one learning form only, e.g. 岗位培训's participants import: data-only-form="CODE".
  function toggleOnlyForm() {
    document.querySelectorAll('[data-only-form]').forEach(function (node) {
      node.classList.toggle('d-none', !schema || schema.code !== node.getAttribute('data-only-form'));
    });
  }

  function fillForms(forms) {
    var chosen = formId.value;
    formId.textContent = '';
    formId.appendChild(el('option', {value: ''}, '请选择'));
    var still = false;
    forms.forEach(function (f) {
      var option = el('option', {value: String(f.id)}, f.name);
      if (String(f.id) === chosen) { option.selected = true; still = true; }
      formId.appendChild(option);
    });
    return still;
  }

  // Answers can arrive out of order (a category, then quickly a form): only the latest choice's answer counts.
  var loads = 0;

  function load() {
    remember();
    var mine = ++loads;
    var query = new URLSearchParams({category: category.value, form_id: formId.value});
    fetch(choice.getAttribute('data-schema-url') + '?' + query, {credentials: 'same-origin',
                                                               headers: {Accept: 'application/json'}})
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (answer) {
        if (mine !== loads) return;
        var still = fillForms(answer.forms);
        choiceError(answer.refusal);
        render(still && !answer.refusal ? answer.schema : null);
      })
      .catch(function () { if (mine === loads) choiceError('载入学习形式失败，请刷新页面后重试'); });
  }

  function values() {
    var out = {};
    box.querySelectorAll('[name^="f_"]').forEach(function (input) { out[input.name.slice(2)] = input.value; });
    return out;
  }

  function showPreview(answer) {
    box.querySelectorAll('.preview-error').forEach(function (slot) {
      slot.classList.remove('preview-error');
      fieldError(slot.getAttribute('data-error-for'), '');
    });
    if (!answer || (!answer.text && !answer.refusal)) {
      preview.classList.add('d-none');
      return;
    }
    var placed = answer.refusal && answer.field && fieldError(answer.field, answer.refusal);
    if (placed) box.querySelector('[data-error-for="' + answer.field + '"]').classList.add('preview-error');
    preview.textContent = answer.refusal ? answer.text + (answer.text ? '：' : '') + answer.refusal : answer.text;
    preview.classList.toggle('alert-danger', !!answer.refusal);
    preview.classList.toggle('alert-info', !answer.refusal);
    preview.classList.remove('d-none');
  }

  function showTypingErrors(errors) {
    // Only fields with something in them: an empty required field is not an error while still typing.
    Object.keys(errors || {}).forEach(function (name) {
      var input = document.getElementById('f_' + name);
      if (input && input.value.trim() && fieldError(name, errors[name])) {
        box.querySelector('[data-error-for="' + name + '"]').classList.add('preview-error');
      }
    });
  }

  function askPreview() {
    if (!schema) return;
    fetch(choice.getAttribute('data-preview-url'), {
      method: 'POST', credentials: 'same-origin',
      headers: {'Content-Type': 'application/json', 'X-CSRFToken': csrf, Accept: 'application/json'},
      body: JSON.stringify({form_id: formId.value, category: category.value, values: values()})
    }).then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (answer) { showPreview(answer); showTypingErrors(answer.errors); })
      .catch(function () { showPreview(null); });
  }

  function schedulePreview() {
    clearTimeout(timer);
    timer = setTimeout(askPreview, 300);
  }

  category.addEventListener('change', load);
  formId.addEventListener('change', load);
  box.addEventListener('input', schedulePreview);
  box.addEventListener('change', schedulePreview);
  // The page as served (first view, or refused by the server): keep its messages, show the hours if computable.
  toggleOnlyForm();
  if (schema && !box.querySelector('.field-error.d-block')) schedulePreview();
})();
