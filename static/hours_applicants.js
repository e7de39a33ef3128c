// 申请人 picker: search the unit's approved staff (prefix of 姓名 or 身份证号) and add them to <select id="applicants">,
// whose selected options are what is submitted. The select is the one source of truth: anything that adds options
// to it and fires "change" (the 岗位培训 import) shows up in the list below the search box.
(function () {
  'use strict';
  var picker = document.getElementById('applicants-picker');
  var select = document.getElementById('applicants');
  if (!picker || !select) return;
  var search = document.getElementById('applicants-search');
  var menu = document.getElementById('applicants-menu');
  var chosen = document.getElementById('applicants-chosen');
  var count = document.getElementById('applicants-count');
  var timer = null;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function has(id) {
    return Array.prototype.some.call(select.options, function (o) { return o.value === String(id); });
  }

  function add(person) {
    if (has(person.id)) return;
    var option = el('option', {value: String(person.id)}, person.name + ' ' + person.masked_id);
    option.selected = true;
    select.appendChild(option);
    select.dispatchEvent(new Event('change'));
  }

  function draw() {
    chosen.textContent = '';
    var n = 0;
    Array.prototype.forEach.call(select.options, function (o) {
      if (!o.selected) return;
      n += 1;
      var chip = el('span', {'class': 'badge badge-light border mr-2 mb-2 p-2 applicant', 'data-id': o.value},
                    o.textContent);
      var remove = el('button', {type: 'button', 'class': 'close ml-2', 'aria-label': '移除 ' + o.textContent,
                                 'data-remove': o.value, style: 'font-size: 1rem; float: none'}, '×');
      chip.appendChild(remove);
      chosen.appendChild(chip);
    });
    count.textContent = String(n);
  }

  function hideMenu() { menu.classList.add('d-none'); menu.textContent = ''; }

  function find() {
    var term = search.value.trim();
    if (!term) { hideMenu(); return; }
    fetch(picker.getAttribute('data-people-url') + '?' + new URLSearchParams({q: term}),
          {credentials: 'same-origin', headers: {Accept: 'application/json'}})
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (people) {
        menu.textContent = '';
        if (!people.length) {
          menu.appendChild(el('div', {'class': 'list-group-item text-muted small'}, '没有找到符合条件的人员'));
        }
        people.forEach(function (p) {
          var item = el('button', {type: 'button', 'class': 'list-group-item list-group-item-action py-1',
                                   role: 'option'}, p.name + ' ' + p.masked_id + (has(p.id) ? '（已选）' : ''));
          item.addEventListener('click', function () { add(p); search.value = ''; hideMenu(); search.focus(); });
          menu.appendChild(item);
        });
        menu.classList.remove('d-none');
      })
      .catch(hideMenu);
  }

  chosen.addEventListener('click', function (e) {
    var button = e.target.closest('[data-remove]');
    if (!button) return;
    Array.prototype.forEach.call(select.options, function (o) {
      if (o.value === button.getAttribute('data-remove')) select.removeChild(o);
    });
    select.dispatchEvent(new Event('change'));
  });
  search.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(find, 250); });
  search.addEventListener('keydown', function (e) { if (e.key === 'Enter') { e.preventDefault(); find(); } });
  document.addEventListener('click', function (e) { if (!picker.contains(e.target)) hideMenu(); });
  select.addEventListener('change', draw);
  // With the script the list below the search box shows the applicants; the bare select is for pages without it.
  search.classList.remove('d-none');
  select.classList.add('d-none');
  draw();
})();
