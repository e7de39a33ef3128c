// The charts of 查询统计: every element with data-chart-url draws the ECharts option its URL returns (JSON), with
// the SVG renderer (crisp when printed, Chinese as real text) and the Chinese locale. A data item carrying a "url"
// opens it when clicked: a bar or slice leads to the list of the people it counts.
(function () {
  'use strict';
  function fail(el) {
    el.textContent = '图表数据加载失败，请刷新页面重试';
    el.classList.add('text-danger', 'chart-failed');
  }
  function draw(el) {
    fetch(el.dataset.chartUrl, {credentials: 'same-origin', headers: {Accept: 'application/json'}})
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (option) {
        var chart = echarts.init(el, null, {renderer: 'svg', locale: 'ZH'});
        chart.setOption(option);
        chart.on('click', function (p) {
          if (p.data && p.data.url) { window.location.href = p.data.url; }
        });
        window.addEventListener('resize', function () { chart.resize(); });
        el.dataset.chartReady = '1';
      })
      .catch(function () { fail(el); });
  }
  document.querySelectorAll('[data-chart-url]').forEach(draw);
})();
