// 待办事项 refresh every 30 s without reloading the page.
(function () {
  'use strict';
  var todo = document.getElementById('todo');
  if (!todo || !todo.getAttribute('data-url')) return;
  setInterval(function () {
    fetch(todo.getAttribute('data-url'), {credentials: 'same-origin'}).then(function (r) {
      return r.ok ? r.json() : null;
    }).then(function (data) {
      if (!data) return;
      data.queues.forEach(function (q) {
        var card = document.querySelector('[data-key="' + q.key + '"]');
        if (!card) return;
        card.querySelector('.count').textContent = q.count;
        card.classList.toggle('zero', !q.count);
      });
    });
  }, 30000);
})();
