// 批量导入 of participants (templates/admin/hours/participants_import.html): post the chosen file with the page's
// CSRF token, add the people who pass to the applicants picker and list what failed, by row and column.
// A long file is checked as a background job: its JSON is polled until it ends, then its result is fetched.
(function () {
  'use strict';
  var box = document.getElementById('participants-import');
  if (!box) return;
  var fileInput = document.getElementById('participants-file');
  var button = document.getElementById('participants-check');
  var statusBox = document.getElementById('participants-status');
  var errorsBox = document.getElementById('participants-errors');
  var failedLink = document.getElementById('participants-failed');
  var more = document.getElementById('participants-more');
  var REFUSED = {
    400: '页面已过期或缺少安全令牌，请刷新页面后重新上传。',
    403: '您没有批量导入参训人员的权限。',
    413: '文件超过了上传大小限制，请删去多余的内容后重新上传。'
  };

  function csrfToken() {
    var form = box.closest('form');
    var input = (form && form.querySelector('input[name="csrf_token"]')) ||
      document.querySelector('input[name="csrf_token"]');
    return input ? input.value : '';
  }

  function say(text, kind) {
    statusBox.textContent = text;
    statusBox.className = 'alert mt-2 mb-0 py-2 alert-' + kind;
    statusBox.hidden = !text;
  }

  function clearErrors() {
    errorsBox.hidden = true;
    errorsBox.querySelector('tbody').textContent = '';
    failedLink.hidden = true;
    more.hidden = true;
  }

  function cell(row, text) {
    var td = document.createElement('td');
    td.textContent = text === null || text === undefined ? '' : String(text);
    row.appendChild(td);
  }

  function addPeople(people) {
    var select = document.getElementById(box.getAttribute('data-target'));
    var added = 0, already = 0;
    if (!select) return {added: 0, already: 0};
    var present = {};
    for (var i = 0; i < select.options.length; i++) present[select.options[i].value] = select.options[i];
    people.forEach(function (p) {
      var value = String(p.id);
      if (present[value]) {
        present[value].selected = true;
        already += 1;
        return;
      }
      var option = document.createElement('option');
      option.value = value;
      option.textContent = p.name + ' ' + p.masked_id;
      option.selected = true;
      select.appendChild(option);
      present[value] = option;
      added += 1;
    });
    select.dispatchEvent(new Event('change', {bubbles: true}));
    return {added: added, already: already};
  }

  function render(answer) {
    clearErrors();
    if (answer.message && !answer.people.length && !answer.errors.length) {
      say(answer.message, 'danger');
      return;
    }
    var counts = addPeople(answer.people || []);
    var text = '已添加 ' + counts.added + ' 人';
    if (counts.already) text += '（另有 ' + counts.already + ' 人已在申请人中）';
    if (answer.error_count) {
      text += '；名单共 ' + answer.total + ' 行，其中 ' + (answer.failed_rows || rowsWithErrors(answer.errors)) +
        ' 行有误，未添加';
    }
    (answer.notices || []).forEach(function (n) { text += '。' + n; });
    say(text, answer.error_count ? 'warning' : 'success');
    if (!answer.errors.length) return;
    var body = errorsBox.querySelector('tbody');
    answer.errors.forEach(function (e) {
      var tr = document.createElement('tr');
      cell(tr, '第 ' + e.row + ' 行');
      cell(tr, e.column);
      cell(tr, e.value);
      cell(tr, e.message);
      body.appendChild(tr);
    });
    if (answer.error_count > answer.errors.length) {
      more.textContent = '共 ' + answer.error_count + ' 处错误，此处只列出前 ' + answer.errors.length +
        ' 处；全部错误见导出的错误行。';
      more.hidden = false;
    }
    if (answer.failed_url) {
      failedLink.setAttribute('href', answer.failed_url);
      failedLink.hidden = false;
    }
    errorsBox.hidden = false;
  }

  function rowsWithErrors(errors) {
    var rows = {};
    errors.forEach(function (e) { rows[e.row] = true; });
    return Object.keys(rows).length;
  }

  function readJson(response) {
    var type = response.headers.get('Content-Type') || '';
    if (type.indexOf('application/json') === -1) {
      throw new Error(REFUSED[response.status] || '上传未能完成（错误 ' + response.status + '），请稍后重试。');
    }
    return response.json().then(function (data) { return {status: response.status, data: data}; });
  }

  function get(url) {
    return fetch(url, {credentials: 'same-origin', headers: {'Accept': 'application/json'}}).then(readJson);
  }

  function poll(answer) {
    say(answer.data.message || '名单正在后台校验中，请稍候', 'info');
    return new Promise(function (resolve) { setTimeout(resolve, 1000); }).then(function () {
      return get(answer.data.job);
    }).then(function (job) {
      var d = job.data;
      if (!d.finished) {
        say('名单正在后台校验中：已处理 ' + d.done + ' / ' + (d.total || '—') + ' 行', 'info');
        return poll(answer);
      }
      if (d.status !== 'done' || !d.url) throw new Error(d.message || '后台校验未能完成，请重新上传。');
      return get(d.url).then(finish);
    });
  }

  function finish(answer) {
    if (answer.status === 202 && answer.data.job) return poll(answer);
    render(answer.data);
  }

  button.addEventListener('click', function () {
    clearErrors();
    var file = fileInput.files && fileInput.files[0];
    if (!file) { say('请先选择参训人员名单文件', 'danger'); return; }
    var data = new FormData();
    data.append('file', file, file.name);
    data.append('csrf_token', csrfToken());
    button.disabled = true;
    say('正在上传并校验……', 'info');
    fetch(box.getAttribute('data-check-url'), {
      method: 'POST', body: data, credentials: 'same-origin', headers: {'Accept': 'application/json'}
    }).then(readJson).then(finish).catch(function (e) {
      say(e.message || '上传未能完成，请检查网络后重试。', 'danger');
    }).then(function () {
      button.disabled = false;
      fileInput.value = '';
    });
  });
})();
