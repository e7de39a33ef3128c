// 发起调出: the picked person's details fill in below the search box (a scoped JSON endpoint).
(function ($) {
  'use strict';
  var $card = $('#person-card');
  if (!$card.length) return;

  function show(id) {
    if (!id) { $card.addClass('d-none'); return; }
    $.getJSON($card.data('url'), {id: id}).done(function (p) {
      $card.find('[data-field]').each(function () {
        var key = $(this).data('field');
        $(this).text(p[key] || (key === 'active_transfer' ? '' : '—'));
      });
      $card.removeClass('d-none');
    }).fail(function () { $card.addClass('d-none'); });
  }

  $('#person_id').on('change', function () { show($(this).val()); });
  show($('#person_id').val());
})(jQuery);
