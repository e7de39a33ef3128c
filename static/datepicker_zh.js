/* The date pickers of Flask-Admin's filters and forms (bootstrap-daterangepicker 1.3) in Chinese.
   form.js creates every picker without a locale, so Chinese defaults are merged into each call here. The hook is
   installed when form.js announces itself (adminFormReady): daterangepicker.js has loaded by then, and no picker
   exists yet. Flask-Admin's " to " separator stays: the server splits the filter value on it. */
(function ($) {
  'use strict';
  var ZH = {
    applyLabel: '确定',
    cancelLabel: '取消',
    fromLabel: '起',
    toLabel: '止',
    weekLabel: '周',
    customRangeLabel: '自定义',
    daysOfWeek: ['日', '一', '二', '三', '四', '五', '六'],  // Sunday first; firstDay rotates them
    monthNames: ['一月', '二月', '三月', '四月', '五月', '六月', '七月', '八月', '九月', '十月', '十一月', '十二月'],
    firstDay: 1
  };

  function install() {
    var original = $.fn.daterangepicker;
    if (!original || original.chinese) {
      return;
    }
    var chinese = function (options, callback) {
      var merged = $.extend({format: 'YYYY-MM-DD'}, options);
      merged.locale = $.extend({}, ZH, merged.locale);
      return original.call(this, merged, callback);
    };
    chinese.chinese = true;
    $.fn.daterangepicker = chinese;
  }

  install();
  $(document).on('adminFormReady', install);
})(jQuery);
