// The unit tree picker of 查询统计 (templates/admin/stats/unit_picker.html). The tree loads one level at a time from
// the org_tree endpoint; typing searches unit names by prefix within the actor's subtree. Keyboard: ↓ from the input
// enters the list, ↑/↓ move, → opens (or enters) a unit, ← closes (or goes up), Enter/Space picks, Esc closes.
(function () {
  'use strict';
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function setup(root) {
    var input = root.querySelector('.unit-picker-input');
    var value = root.querySelector('.unit-picker-value');
    var toggle = root.querySelector('.unit-picker-toggle');
    var panel = root.querySelector('.unit-picker-panel');
    var tree = root.querySelector('.unit-picker-tree');
    var note = root.querySelector('.unit-picker-note');
    var url = root.dataset.treeUrl;
    var timer = null;
    var mode = null;  // 'tree' or 'search': what the panel shows now

    function fetchItems(params) {
      var q = new URLSearchParams(params).toString();
      return fetch(url + (q ? '?' + q : ''), {credentials: 'same-origin', headers: {Accept: 'application/json'}})
        .then(function (r) { return r.json(); });
    }

    function open(show) {
      panel.hidden = !show;
      input.setAttribute('aria-expanded', show ? 'true' : 'false');
      toggle.setAttribute('aria-expanded', show ? 'true' : 'false');
    }

    function items() { return Array.prototype.slice.call(tree.querySelectorAll('[role=treeitem]')).filter(visible); }
    function visible(item) {
      for (var n = item.parentElement; n && n !== tree; n = n.parentElement) { if (n.hidden) return false; }
      return true;
    }
    function focus(item) {
      tree.querySelectorAll('[role=treeitem]').forEach(function (i) { i.tabIndex = -1; });
      item.tabIndex = 0;
      item.focus();
    }

    function node(data, level) {
      var li = el('li', {role: 'treeitem', tabindex: '-1', 'aria-level': String(level), 'data-id': data.id,
                         'aria-selected': String(String(data.id) === value.value)});
      li.dataset.name = data.name;
      var row = el('div', {'class': 'unit-picker-row'});
      var twist = el('span', {'class': 'unit-picker-twist', 'aria-hidden': 'true'}, data.has_children ? '▸' : '');
      row.appendChild(twist);
      row.appendChild(el('span', {'class': 'unit-picker-name'}, data.name));
      if (data.hint) row.appendChild(el('span', {'class': 'unit-picker-hint text-muted small'}, data.hint));
      li.appendChild(row);
      if (data.has_children) li.setAttribute('aria-expanded', 'false');
      twist.addEventListener('click', function (e) { e.stopPropagation(); expand(li, li.getAttribute('aria-expanded') !== 'true'); });
      row.addEventListener('click', function () { pick(li); });
      return li;
    }

    function fill(list, data, level) {
      data.items.forEach(function (d) { list.appendChild(node(d, level)); });
      if (data.more) list.appendChild(el('li', {'class': 'small text-muted unit-picker-more'}, '仅列出前 ' + data.items.length + ' 个，请输入名称搜索'));
      if (!data.items.length) list.appendChild(el('li', {'class': 'small text-muted'}, '没有找到单位'));
    }

    function expand(li, show) {
      if (!li.hasAttribute('aria-expanded')) return;
      li.setAttribute('aria-expanded', show ? 'true' : 'false');
      li.querySelector('.unit-picker-twist').textContent = show ? '▾' : '▸';
      var group = li.querySelector(':scope > ul');
      if (group) { group.hidden = !show; return; }
      if (!show) return;
      group = el('ul', {role: 'group', 'class': 'list-unstyled'});
      li.appendChild(group);
      var level = Number(li.getAttribute('aria-level')) + 1;
      fetchItems({parent: li.dataset.id}).then(function (data) { fill(group, data, level); });
    }

    function showTree() {
      mode = 'tree';
      tree.textContent = '';
      note.textContent = '';
      if (root.dataset.province) tree.appendChild(node({id: '', name: '全省', has_children: false}, 1));
      return fetchItems({}).then(function (data) { fill(tree, data, 1); });
    }

    function search(prefix) {
      mode = 'search';
      return fetchItems({q: prefix}).then(function (data) {
        if (input.value.trim() !== prefix) return;  // an older answer than what is typed now
        tree.textContent = '';
        data.items.forEach(function (d) { d.has_children = false; });
        fill(tree, data, 1);
        note.textContent = data.more ? '匹配的单位较多，仅列出前 ' + data.items.length + ' 个，请输入更完整的名称' : '';
        open(true);
      });
    }

    function pick(li) {
      value.value = li.dataset.id;
      input.value = input.dataset.picked = li.dataset.name;
      open(false);
      input.focus();
      value.dispatchEvent(new Event('change', {bubbles: true}));
      if (root.dataset.autosubmit && value.form) {
        (root.dataset.reset || '').split(/\s+/).filter(Boolean).forEach(function (n) {
          var f = value.form.elements[n];
          if (f) f.value = '';
        });
        value.form.submit();
      }
    }

    function close() {
      open(false);
      input.value = input.dataset.picked;
      input.focus();
    }

    toggle.addEventListener('click', function () {
      if (!panel.hidden && mode === 'tree') { close(); return; }
      input.value = input.dataset.picked;
      showTree().then(function () { open(true); var first = items()[0]; if (first) focus(first); });
    });

    input.addEventListener('input', function () {
      clearTimeout(timer);
      var prefix = input.value.trim();
      if (!prefix || prefix === input.dataset.picked) { open(false); return; }
      timer = setTimeout(function () { search(prefix); }, 250);
    });

    input.addEventListener('keydown', function (e) {
      if (e.key === 'ArrowDown') {
        e.preventDefault();
        var start = panel.hidden ? showTree().then(function () { open(true); }) : Promise.resolve();
        start.then(function () { var first = items()[0]; if (first) focus(first); });
      } else if (e.key === 'Escape') {
        close();
      } else if (e.key === 'Enter') {
        // Enter on a typed name picks the first match (waiting for the search if it is still to come) rather
        // than submitting the form with the previous unit under a name that is not it.
        var prefix = input.value.trim();
        if (!panel.hidden) {
          e.preventDefault();
          var first = items()[0];
          if (first) pick(first);
        } else if (prefix && prefix !== input.dataset.picked) {
          e.preventDefault();
          clearTimeout(timer);
          search(prefix).then(function () { var hit = items()[0]; if (hit) pick(hit); });
        }
      }
    });

    tree.addEventListener('keydown', function (e) {
      var li = e.target.closest('[role=treeitem]');
      if (!li) return;
      var all = items();
      var i = all.indexOf(li);
      var handled = true;
      if (e.key === 'ArrowDown') { if (all[i + 1]) focus(all[i + 1]); }
      else if (e.key === 'ArrowUp') { if (i > 0) focus(all[i - 1]); else input.focus(); }
      else if (e.key === 'Home') { focus(all[0]); }
      else if (e.key === 'End') { focus(all[all.length - 1]); }
      else if (e.key === 'ArrowRight') {
        if (li.getAttribute('aria-expanded') === 'false') expand(li, true);
        else if (li.getAttribute('aria-expanded') === 'true' && all[i + 1] && all[i + 1].parentElement.parentElement === li) focus(all[i + 1]);
      } else if (e.key === 'ArrowLeft') {
        if (li.getAttribute('aria-expanded') === 'true') expand(li, false);
        else { var up = li.parentElement.closest('[role=treeitem]'); if (up) focus(up); }
      } else if (e.key === 'Enter' || e.key === ' ') { pick(li); }
      else if (e.key === 'Escape') { close(); }
      else handled = false;
      if (handled) e.preventDefault();
    });

    document.addEventListener('click', function (e) {
      if (!panel.hidden && !root.contains(e.target)) close();
    });
  }

  document.querySelectorAll('.unit-picker').forEach(setup);
})();
