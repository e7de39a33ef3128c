// Behaviour that templates used to attach with inline on…= handlers, which the Content-Security-Policy
// forbids: bound here from data- attributes instead, for every page (admin and portal).
(function () {
  'use strict';

  // <button data-confirm="…"> and <form data-confirm="…">: ask first, do nothing on 取消.
  document.addEventListener('click', function (e) {
    var el = e.target.closest('[data-confirm]:not(form)');
    if (el && !window.confirm(el.getAttribute('data-confirm'))) {
      e.preventDefault();
      e.stopImmediatePropagation();
    }
  }, true);
  document.addEventListener('submit', function (e) {
    var form = e.target;
    if (form.hasAttribute('data-confirm') && !window.confirm(form.getAttribute('data-confirm'))) e.preventDefault();
  }, true);

  document.addEventListener('click', function (e) {
    // Flask-Admin's "With selected" menu (admin/actions.html).
    var action = e.target.closest('[data-model-action]');
    if (action) {
      e.preventDefault();
      if (window.modelActions) window.modelActions.execute(action.getAttribute('data-model-action'));
      return;
    }
    // Inline list "Add" (admin/model/inline_list_base.html).
    var inline = e.target.closest('[data-inline-add]');
    if (inline) {
      e.preventDefault();
      window.faForm.addInlineField(inline, inline.getAttribute('data-inline-add'));
    }
  });

  // Links that only carry a script handler (dropdown toggles, filter items): following a javascript: URL is
  // itself blocked by the policy. Captured, because dropdown scripts stop the click from bubbling up here.
  document.addEventListener('click', function (e) {
    if (e.target.closest('a[href^="javascript:"], a[href="#"][data-no-follow]')) e.preventDefault();
  }, true);
})();
