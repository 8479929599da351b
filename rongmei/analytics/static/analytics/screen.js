/* 传播效果 big screen: draws the figures the page was rendered with, then fetches them again
   from the page's data-source (a small JSON view) every data-refresh seconds and redraws —
   the wall display never needs a reload. A failed fetch keeps the last figures and says so. */
(function () {
  "use strict";

  var PALETTE = ["#38bdf8", "#facc15", "#4ade80", "#f472b6", "#a78bfa", "#fb923c", "#22d3ee", "#f87171"];
  var trendChart = null;
  var indexChart = null;

  function text(selector, value) {
    document.querySelectorAll(selector).forEach(function (el) { el.textContent = value; });
  }

  function render(data) {
    var f = data.figures || {};
    Object.keys(f).forEach(function (key) { text('[data-figure="' + key + '"]', String(f[key])); });
    text('[data-field="period"]', data.period || "");
    text('[data-field="updated"]', new Date().toLocaleTimeString("zh-CN", { hour12: false }));
    text('[data-field="index"]', data.index && data.index.value !== null ? String(data.index.value) : "无数据");
    text('[data-field="state"]', "");
    var list = document.querySelector('[data-list="top"]');
    if (list) {
      list.textContent = "";
      (data.top || []).forEach(function (item) {
        var li = document.createElement("li");
        [["t", item.title], ["o", item.outlets], ["n", String(item.reads)]].forEach(function (part) {
          var span = document.createElement("span");
          span.className = part[0];
          span.textContent = part[1];
          li.appendChild(span);
        });
        list.appendChild(li);
      });
    }
    var body = document.querySelector('[data-table="index"] tbody');
    if (body && data.index) {
      body.textContent = "";
      data.index.outlets.forEach(function (o) {
        var tr = document.createElement("tr");
        [o.name, String(o.weight), o.value === null ? "无数据" : String(o.value)].forEach(function (value) {
          var td = document.createElement("td");
          td.textContent = value;
          tr.appendChild(td);
        });
        body.appendChild(tr);
      });
    }
    if (typeof window.echarts === "undefined") { return; }
    var axis = { axisLine: { lineStyle: { color: "#475569" } }, axisLabel: { color: "#cbd5e1", fontSize: 14 },
                 splitLine: { lineStyle: { color: "#1e3a5f" } } };
    var trendEl = document.querySelector('[data-chart="trend"]');
    if (trendEl && data.trend) {
      trendChart = trendChart || window.echarts.init(trendEl, null, { renderer: "canvas" });
      trendChart.setOption({
        color: PALETTE, textStyle: { color: "#e5edf8" },
        tooltip: { trigger: "axis" }, legend: { top: 0, textStyle: { color: "#e5edf8", fontSize: 14 } },
        grid: { left: 70, right: 20, top: 40, bottom: 30 },
        xAxis: Object.assign({ type: "category", data: data.trend.days.map(function (d) { return d.slice(5); }) }, axis),
        yAxis: Object.assign({ type: "value", minInterval: 1 }, axis),
        series: data.trend.outlets.map(function (name, i) {
          return { name: name, type: "line", stack: "reads", areaStyle: { opacity: 0.25 }, showSymbol: false, data: data.trend.series[i] };
        })
      }, true);
    }
    var indexEl = document.querySelector('[data-chart="index"]');
    if (indexEl && data.index) {
      // Bars read top-down in the table's order (a category axis draws from the bottom).
      var outlets = data.index.outlets.filter(function (o) { return o.value !== null; }).reverse();
      indexChart = indexChart || window.echarts.init(indexEl, null, { renderer: "canvas" });
      indexChart.setOption({
        color: PALETTE, grid: { left: 90, right: 30, top: 10, bottom: 20 },
        xAxis: Object.assign({ type: "value" }, axis),
        yAxis: Object.assign({ type: "category", data: outlets.map(function (o) { return o.name; }) }, axis),
        series: [{ type: "bar", data: outlets.map(function (o) { return o.value; }), label: { show: true, position: "right", color: "#facc15" } }]
      }, true);
    }
  }

  function refresh() {
    var url = document.body.getAttribute("data-source");
    if (!url || !window.fetch) { return; }
    window.fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (answer) {
        if (!answer.ok) { throw new Error(String(answer.status)); }
        return answer.json();
      })
      .then(render)
      .catch(function () { text('[data-field="state"]', "（刷新失败，显示的是上次的数据）"); });
  }

  function start() {
    var source = document.getElementById("analytics-screen-data");
    if (source) {
      try { render(JSON.parse(source.textContent)); } catch (e) { /* keep the server-rendered figures */ }
    }
    var seconds = parseInt(document.body.getAttribute("data-refresh"), 10) || 60;
    window.setInterval(refresh, seconds * 1000);
    window.addEventListener("resize", function () {
      if (trendChart) { trendChart.resize(); }
      if (indexChart) { indexChart.resize(); }
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
