/* 舆情监测 charts: reads the figures the page put in <script type="application/json"
   id="monitor-chart-data"> (Django's json_script) and draws them with the vendored ECharts.
   Without script the page keeps its tables; with it, the tables fold under “查看数据表”. */
(function () {
  "use strict";

  function draw() {
    var source = document.getElementById("monitor-chart-data");
    if (!source || typeof window.echarts === "undefined") { return; }
    var data;
    try { data = JSON.parse(source.textContent); } catch (e) { return; }
    var charts = [];
    var toneColors = { positive: "#16a34a", neutral: "#9ca3af", negative: "#dc2626" };

    function make(name, option) {
      var el = document.querySelector('[data-chart="' + name + '"]');
      if (!el) { return null; }
      el.hidden = false;
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(option);
      charts.push(chart);
      var table = document.querySelector('[data-chart-table="' + name + '"]');
      if (table) { table.removeAttribute("open"); }
      return chart;
    }

    if (data.volume && data.volume.length) {
      make("volume", {
        tooltip: { trigger: "axis" },
        legend: { data: ["信息量", "负面"], top: 0 },
        grid: { left: 40, right: 16, top: 36, bottom: 40 },
        xAxis: { type: "category", data: data.volume.map(function (r) { return r.t.slice(5); }) },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: "信息量", type: "line", smooth: false, areaStyle: { opacity: 0.15 }, data: data.volume.map(function (r) { return r.count; }) },
          { name: "负面", type: "line", smooth: false, itemStyle: { color: toneColors.negative }, data: data.volume.map(function (r) { return r.negative; }) }
        ]
      });
    }
    if (data.tone) {
      make("tone", {
        tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
        legend: { bottom: 0, left: "center" },
        series: [{
          type: "pie", radius: ["40%", "70%"],
          data: data.tone.map(function (t) { return { name: t.name, value: t.value, itemStyle: { color: toneColors[t.key] } }; })
        }]
      });
    }
    if (data.sources && data.sources.length) {
      var sources = data.sources.slice().reverse();
      make("sources", {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        grid: { left: 110, right: 24, top: 10, bottom: 24 },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", data: sources.map(function (s) { return s.name; }), axisLabel: { width: 100, overflow: "truncate" } },
        series: [{ type: "bar", data: sources.map(function (s) { return s.value; }), itemStyle: { color: "#2563eb" } }]
      });
    }
    if (data.hot && data.hot.length) {
      var hot = data.hot.slice().reverse();
      var chart = make("hot", {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        grid: { left: 150, right: 24, top: 10, bottom: 24 },
        xAxis: { type: "value", name: "热度" },
        yAxis: { type: "category", data: hot.map(function (h) { return h.name; }), axisLabel: { width: 140, overflow: "truncate" } },
        series: [{ type: "bar", data: hot.map(function (h) { return h.heat; }), itemStyle: { color: "#c0392b" } }]
      });
      if (chart) {
        chart.on("click", function (params) {
          var topic = hot[params.dataIndex];
          if (topic && /^[0-9]+$/.test(String(topic.id))) { window.location.href = "/monitor/hot/" + topic.id + "/"; }
        });
      }
    }
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
