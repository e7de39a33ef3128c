// List actions: checked rows or every row matching the filter; a reason dialog where one is required.
(function () {
  var data = JSON.parse($('#bulk-data').text());
  var form = $('#action_form');
  var selectAll = false;
  var pending = null;  // the action waiting for its reason

  function boxes() { return $('input.action-checkbox'); }
  function checked() { return $('input.action-checkbox:checked'); }
  function count() { return selectAll ? data.total : checked().length; }

  function refresh() {
    var n = checked().length, all = n > 0 && n === boxes().length;
    if (!all) selectAll = false;
    $('#select-all-offer').toggleClass('d-none', !all || selectAll);
    $('#select-all-on').toggleClass('d-none', !selectAll);
    $('#bulk-status').text(selectAll ? '已选择全部 ' + data.total + ' 条' : (n ? '已选择 ' + n + ' 条' : '未选择记录'));
  }

  function submit(name, reason) {
    $('#action', form).val(name);
    $('input.action-checkbox', form).remove();
    $('input[name=select_all]', form).val(selectAll ? '1' : '');
    $('input[name=expected]', form).val(selectAll ? data.total : '');
    $('input[name=reason]', form).val(reason || '');
    if (!selectAll) checked().each(function () { form.append($(this).clone().prop('checked', true)); });
    form.submit();
  }

  function what(n) { return (selectAll ? '全部符合条件的 ' : '选中的 ') + n + ' 条记录'; }

  // Flask-Admin's "With selected" menu calls modelActions.execute: route it through the same path.
  window.modelActions = window.modelActions || {};
  window.modelActions.execute = function (name) {
    var n = count();
    if (!n) { alert('请先选择至少一条记录'); return false; }
    var label = data.labels[name] || name;
    if (data.reasons[name]) {
      pending = name;
      $('#reason-title').text(label);
      $('#reason-count').text('将' + label + what(n) + '。');
      $('#reason-label').text(data.reasons[name]);
      $('#reason-text').removeClass('is-invalid').val('');
      $('#reason-modal').modal('show');
      return false;
    }
    if (confirm('确定要' + label + what(n) + '吗？')) submit(name);
    return false;
  };

  $('#reason-modal').on('shown.bs.modal', function () { $('#reason-text').trigger('focus'); });
  $('#reason-text').on('input', function () { $(this).removeClass('is-invalid'); });
  $('#reason-submit').on('click', function () {
    var reason = $.trim($('#reason-text').val());
    if (!reason) {
      $('#reason-error').text('请填写' + data.reasons[pending]);
      $('#reason-text').addClass('is-invalid');
      return;
    }
    submit(pending, reason);
  });
  $('.bulk-action').on('click', function () { window.modelActions.execute($(this).data('action')); });
  $('#select-all-link').on('click', function () { selectAll = true; refresh(); });
  $('#select-all-clear').on('click', function () { selectAll = false; boxes().prop('checked', false); $('.action-rowtoggle').prop('checked', false); refresh(); });
  $(document).on('change', 'input.action-checkbox, input.action-rowtoggle', function () { setTimeout(refresh, 0); });
  refresh();
})();
