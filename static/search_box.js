// A select2 search box over one of our JSON endpoints ([[id, text], ...], at most 20 rows).
$(function () {
  $('input.search-box').each(function () {
    var $el = $(this);
    $el.select2({
      width: 'resolve',
      minimumInputLength: 1,
      placeholder: $el.data('placeholder'),
      formatInputTooShort: function () { return '请输入至少1个字'; },
      formatNoMatches: function () { return '没有找到符合条件的记录'; },
      formatSearching: function () { return '搜索中…'; },
      ajax: {
        url: $el.data('url'),
        quietMillis: 250,
        data: function (term) { return {query: term}; },
        results: function (data) {
          return {results: data.map(function (v) { return {id: v[0], text: v[1]}; })};
        }
      },
      initSelection: function (element, callback) {
        var value = $el.data('json');
        if (value) { callback({id: value[0], text: value[1]}); }
      }
    });
  });
});
