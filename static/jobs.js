// A background job's status page: poll its JSON every second and fill the progress bar until the job ends.
// Everything shown comes from the JSON, so a reload (or a second tab) picks up where the job is.
(function () {
  'use strict';
  var box = document.getElementById('job');
  if (!box) return;
  var url = box.getAttribute('data-url');
  var bar = box.querySelector('.progress-bar');

  function number(n) { return n.toLocaleString('zh-CN'); }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return '—';
    if (seconds < 60) return '约 ' + Math.max(1, seconds) + ' 秒';
    var minutes = Math.round(seconds / 60);
    if (minutes < 60) return '约 ' + minutes + ' 分钟';
    return '约 ' + Math.floor(minutes / 60) + ' 小时 ' + (minutes % 60) + ' 分钟';
  }

  function show(link, href, text) {
    link.hidden = !href;
    if (href) link.setAttribute('href', href);
    if (text !== undefined) link.querySelector('.job-file').textContent = text || '';
  }

  function render(d) {
    var label = box.querySelector('.job-status-label');
    label.textContent = d.status_label;
    label.className = 'job-status-label' + (d.status === 'failed' ? ' text-danger' : d.status === 'done' ? ' text-success' : '');
    box.querySelector('.job-phase').textContent = d.phase;
    box.querySelector('.job-done').textContent = number(d.done);
    box.querySelector('.job-total').textContent = d.total ? number(d.total) : '—';
    box.querySelector('.job-errors').textContent = number(d.errors);
    box.querySelector('.job-left').textContent = d.finished ? '—' : duration(d.seconds_left);
    bar.style.width = d.percent + '%';
    bar.setAttribute('aria-valuenow', d.percent);
    bar.textContent = d.percent + '%';
    if (d.finished) {
      bar.classList.remove('progress-bar-striped', 'progress-bar-animated');
      bar.classList.add(d.status === 'failed' ? 'bg-danger' : 'bg-success');
      var message = box.querySelector('.job-message');
      message.textContent = d.message;
      message.classList.toggle('alert-danger', d.status === 'failed');
      message.classList.toggle('alert-success', d.status !== 'failed');
      message.hidden = !d.message;
      var result = box.querySelector('.job-result');
      show(result, d.url);
      if (d.url_label) result.textContent = d.url_label;
      show(box.querySelector('.job-download'), d.download, d.file_name);
      box.setAttribute('data-finished', '1');
      // A job that is one step of a page flow (an import's check, its write) goes on to its page by itself.
      if (d.status === 'done' && d.url && box.getAttribute('data-continue') === '1') window.location.assign(d.url);
    }
  }

  function poll() {
    fetch(url, {credentials: 'same-origin', headers: {'Accept': 'application/json'}}).then(function (r) {
      return r.ok ? r.json() : null;
    }).then(function (d) {
      if (d) render(d);
      if (!d || !d.finished) setTimeout(poll, 1000);
    }).catch(function () { setTimeout(poll, 3000); });
  }

  if (box.getAttribute('data-finished') !== '1') poll();
})();
