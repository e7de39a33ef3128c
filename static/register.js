/* Registration pages: organization search boxes, the employer's departments, gender and birth date from the ID. */
(function ($) {
  'use strict';

  function toHalfWidth(text) {
    return text.replace(/[\uff01-\uff5e]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0xfee0);
    }).replace(/[\s\u3000]/g, '');
  }

  // A text box that searches approved organizations; choosing one fills the hidden id the server checks.
  $('.org-picker').each(function () {
    var $box = $(this), $input = $box.find('.org-picker-input'), $id = $box.find('.org-picker-id'),
        $menu = $box.find('.org-picker-menu'), source = $box.data('source'), event = $box.data('event'),
        timer = null, last = null, active = -1;

    function close() { $menu.addClass('d-none').empty(); active = -1; }

    function choose(item) {
      $id.val(item.id);
      $input.val(item.name).removeClass('is-invalid');
      close();
      if (event) { $(document).trigger('org-picked.' + event, [item]); }
    }

    function show(items) {
      $menu.empty();
      if (!items.length) {
        $menu.append($('<div class="list-group-item text-muted small">').text('未找到已审核通过的单位，请换个关键字'));
      }
      items.forEach(function (item) {
        var $row = $('<a href="#" class="list-group-item list-group-item-action" role="option">')
          .text(item.name).data('item', item);
        if (item.region) { $row.append($('<small class="text-muted ml-2">').text(item.region)); }
        $menu.append($row);
      });
      $menu.removeClass('d-none');
    }

    function search() {
      var q = $.trim($input.val());
      if (q === last) { return; }
      last = q;
      if (!q) { close(); return; }
      $.getJSON(source, {q: q}).done(function (items) {
        if ($.trim($input.val()) === q) { show(items); }
      });
    }

    $input.on('input', function () {
      $id.val('');  // the text no longer names the chosen org
      if (event) { $(document).trigger('org-cleared.' + event); }
      clearTimeout(timer);
      timer = setTimeout(search, 250);
    });
    $input.on('focus', function () { last = null; if ($.trim($input.val()) && !$id.val()) { search(); } });
    $input.on('keydown', function (e) {
      var $rows = $menu.find('.list-group-item-action');
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        if (!$rows.length) { return; }
        active = (active + (e.key === 'ArrowDown' ? 1 : -1) + $rows.length) % $rows.length;
        $rows.removeClass('active').eq(active).addClass('active');
      } else if (e.key === 'Enter' && !$menu.hasClass('d-none')) {
        e.preventDefault();  // picking from the list, not submitting the form
        if (active >= 0) { choose($rows.eq(active).data('item')); }
      } else if (e.key === 'Escape') {
        close();
      }
    });
    $menu.on('mousedown', '.list-group-item-action', function (e) {
      e.preventDefault();
      choose($(this).data('item'));
    });
    $input.on('blur', function () { setTimeout(close, 150); });
  });

  // The employer's departments: reloaded whenever another employer is chosen.
  var $dept = $('#department_id');
  function loadDepartments(orgId) {
    $dept.empty();
    if (!orgId) { $dept.append(new Option('请先选择工作单位', '')); return; }
    $.getJSON($dept.data('source'), {org_id: orgId}).done(function (rows) {
      $dept.empty().append(new Option(rows.length ? '请选择' : '该单位未设置部门，可不选', ''));
      rows.forEach(function (d) { $dept.append(new Option(d.name, d.id)); });
    });
  }
  $(document).on('org-picked.employer', function (e, item) { loadDepartments(item.id); });
  $(document).on('org-cleared.employer', function () {
    if ($dept.find('option').length > 1) { loadDepartments(null); }
  });

  function checkDigit(id) {
    var weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], sum = 0;
    for (var i = 0; i < 17; i++) { sum += parseInt(id.charAt(i), 10) * weights[i]; }
    return '10X98765432'.charAt(sum % 11);
  }

  // Gender and birth date follow from the ID number; the server derives them again on submit.
  var $idNumber = $('#id_number');
  function showDerived() {
    var id = toHalfWidth($idNumber.val() || '').toUpperCase(), gender = '', birth = '';
    if (/^\d{17}[\dX]$/.test(id) && checkDigit(id) === id.charAt(17)) {
      birth = id.substr(6, 4) + '-' + id.substr(10, 2) + '-' + id.substr(12, 2);
      gender = parseInt(id.charAt(16), 10) % 2 ? '男' : '女';
    }
    $('#derived-gender').val(gender);
    $('#derived-birth').val(birth);
  }
  if ($idNumber.length && $('#derived-gender').length) {
    $idNumber.on('input', showDerived);
    if ($idNumber.val()) { showDerived(); }
  }
}(jQuery));
