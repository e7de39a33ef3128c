// 调转申请: search approved employers by name or USCC; choosing one fills the hidden id the server checks.
(function ($) {
  'use strict';
  var $box = $('.org-search');
  if (!$box.length) return;
  var $input = $box.find('#to_org_search'), $id = $box.find('#to_org_id'), $menu = $box.find('.org-search-menu'),
      timer = null, last = null;

  function close() { $menu.addClass('d-none').empty(); }

  function choose(item) {
    $id.val(item.id);
    $input.val(item.name).removeClass('is-invalid');
    close();
  }

  function show(items) {
    $menu.empty();
    if (!items.length) {
      $menu.append($('<div class="list-group-item text-muted small">').text('没有找到已审核通过的用人单位，请换个关键字'));
    }
    items.forEach(function (item) {
      var $row = $('<a href="#" class="list-group-item list-group-item-action" role="option">').text(item.name);
      $row.append($('<small class="text-muted ml-2">').text((item.uscc || '') + ' ' + (item.region || '')));
      $row.data('item', item);
      $menu.append($row);
    });
    $menu.removeClass('d-none');
  }

  function search() {
    var q = $.trim($input.val());
    if (q === last) return;
    last = q;
    if (!q) { close(); return; }
    $.getJSON($box.data('source'), {q: q}).done(function (items) {
      if ($.trim($input.val()) === q) show(items);
    });
  }

  $input.on('input', function () {
    $id.val('');  // the text no longer names the chosen unit
    clearTimeout(timer);
    timer = setTimeout(search, 250);
  });
  $input.on('keydown', function (e) { if (e.key === 'Enter') e.preventDefault(); });
  $menu.on('mousedown', '.list-group-item-action', function (e) {
    e.preventDefault();
    choose($(this).data('item'));
  });
  $input.on('blur', function () { setTimeout(close, 150); });
})(jQuery);
