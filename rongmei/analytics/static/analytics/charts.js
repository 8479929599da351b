/* 传播效果 charts: reads the figures the page put in <script type="application/json"
   id="analytics-chart-data"> (json_script) and draws them with the vendored ECharts.
   Without script the page keeps its tables; with it, the tables fold under “查看数据表”. */
(function () {
  "use strict";

  var PALETTE = ["#2563eb", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d", "#ea580c", "#475569"];

  function draw() {
    var source = document.getElementById("analytics-chart-data");
    if (!source || typeof window.echarts === "undefined") { return; }
    var data;
    try { data = JSON.parse(source.textContent); } catch (e) { return; }
    var charts = [];

    function make(name, option) {
      var el = document.querySelector('[data-chart="' + name + '"]');
      if (!el) { return null; }
      el.hidden = false;
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      option.color = PALETTE;
      chart.setOption(option);
      charts.push(chart);
      var table = document.querySelector('[data-chart-table="' + name + '"]');
      if (table) { table.removeAttribute("open"); }
      return chart;
    }

    function days() { return (data.days || []).map(function (d) { return d.slice(5); }); }

    if (data.output && data.output.outlets.length) {
      make("output", {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        legend: { top: 0 },
        grid: { left: 40, right: 16, top: 36, bottom: 30 },
        xAxis: { type: "category", data: days() },
        yAxis: { type: "value", minInterval: 1, name: "条次" },
        series: data.output.outlets.map(function (name, i) {
          return { name: name, type: "bar", stack: "all", data: data.output.series[i] };
        })
      });
    }
    if (data.trend && data.trend.outlets.length) {
      var figure = "reads";
      var trend = make("trend", {});
      var paint = function () {
        trend.setOption({
          color: PALETTE,
          tooltip: { trigger: "axis" },
          legend: { top: 0 },
          grid: { left: 56, right: 16, top: 36, bottom: 30 },
          xAxis: { type: "category", data: days() },
          yAxis: { type: "value", minInterval: 1 },
          series: data.trend.outlets.map(function (name, i) {
            return { name: name, type: "line", smooth: false, showSymbol: false, data: data.trend.series[figure][i] };
          })
        }, true);
      };
      paint();
      var switcher = document.querySelector('[data-chart-switch="trend"]');
      if (switcher) {
        switcher.addEventListener("click", function (event) {
          var button = event.target.closest("button[data-figure]");
          if (!button) { return; }
          figure = button.getAttribute("data-figure");
          switcher.querySelectorAll("button").forEach(function (b) { b.setAttribute("aria-pressed", String(b === button)); });
          paint();
        });
      }
    } else {
      var idle = document.querySelector('[data-chart-switch="trend"]');
      if (idle) { idle.hidden = true; }
    }
    if (data.index && data.index.outlets.length) {
      make("index", {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        grid: { left: 80, right: 24, top: 10, bottom: 24 },
        xAxis: { type: "value" },
        yAxis: { type: "category", data: data.index.outlets.map(function (o) { return o.name; }).reverse() },
        series: [{ type: "bar", data: data.index.outlets.map(function (o) { return o.value; }).reverse(), itemStyle: { color: "#2563eb" } }]
      });
    }
    if (data.names && data.names.length) {
      make("ranking", {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        grid: { left: 180, right: 24, top: 10, bottom: 24 },
        xAxis: { type: "value", name: data.label },
        yAxis: { type: "category", data: data.names.slice().reverse(), axisLabel: { width: 170, overflow: "truncate" } },
        series: [{ type: "bar", data: data.values.slice().reverse(), itemStyle: { color: "#2563eb" } }]
      });
    }
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
