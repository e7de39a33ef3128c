// 电子证书查询打印: the header checkbox selects every row of the page.
(function () {
  'use strict';
  var all = document.querySelector('#certificate-list .select-page');
  if (!all) return;
  all.addEventListener('change', function () {
    document.querySelectorAll('#certificate-list input[name="rowid"]').forEach(function (box) {
      box.checked = all.checked;
    });
  });
})();
