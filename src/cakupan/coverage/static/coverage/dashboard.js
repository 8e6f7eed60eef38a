/* Charts of the coverage dashboard: breakdown bars and the trend. (The map is SVG drawn by the server.)
 *
 * The Content-Security-Policy allows no inline script or style, so the page hands its data over in
 * <script type="application/json"> blocks and this file draws. Every chart repeats a table on the page,
 * so nothing is lost when JavaScript fails. Tooltips use ECharts' rich-text mode: its HTML tooltips carry
 * style="" attributes, which the policy would block.
 *
 * The chart library (1.1 MB, about 360 kB compressed) is fetched only after the page has loaded: on a
 * phone over 3G it would otherwise share the line with the page's own stylesheet and hold back the
 * first paint, map included, by seconds. The page names it in data-echarts on this script's element.
 */
(function () {
  "use strict";

  var BRAND = "#0b5d3b";
  var MUTED = "#8a96a0";
  var TEXT = "#1b1f23";
  var integer = new Intl.NumberFormat("id-ID", { maximumFractionDigits: 0 });
  var share = new Intl.NumberFormat("id-ID", { maximumFractionDigits: 1 });
  var charts = [];

  function readJson(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function start(element) {
    var chart = echarts.init(element, null, { renderer: "canvas" });
    charts.push(chart);
    return chart;
  }

  function percentText(value) {
    return value === null || value === undefined ? "–" : share.format(value) + "%";
  }

  function drawBars(element) {
    var data = readJson(element.dataset.source);
    if (!data || !data.labels.length) {
      return;
    }
    // One bar pair per category, top to bottom in the order of the table.
    element.style.height = Math.max(160, 56 + data.labels.length * 34) + "px";
    var chart = start(element);
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 16, top: 28, bottom: 8, containLabel: true },
      legend: { top: 0, left: 0, textStyle: { color: TEXT } },
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        renderMode: "richText",
        valueFormatter: function (value) {
          return integer.format(value);
        },
      },
      xAxis: {
        type: "value",
        splitNumber: element.clientWidth < 480 ? 2 : 4,
        axisLabel: { hideOverlap: true, formatter: function (value) { return integer.format(value); } },
      },
      yAxis: {
        type: "category",
        inverse: true,
        data: data.labels,
        // Long sector and region names wrap inside a third of the chart instead of being cut off.
        axisLabel: { color: TEXT, width: Math.max(90, Math.floor(element.clientWidth / 3)), overflow: "break" },
      },
      series: [
        { name: "Terdaftar", type: "bar", data: data.workers, itemStyle: { color: MUTED } },
        { name: "Aktif", type: "bar", data: data.active, itemStyle: { color: BRAND } },
      ],
    });
  }

  function drawTrend(element) {
    var data = readJson(element.dataset.source);
    if (!data || !data.months.length) {
      return;
    }
    var chart = start(element);
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      legend: { top: 0, left: 0, textStyle: { color: TEXT } },
      tooltip: {
        trigger: "axis",
        renderMode: "richText",
        valueFormatter: function (value) {
          return integer.format(value);
        },
      },
      xAxis: { type: "category", data: data.months, axisLabel: { color: TEXT, hideOverlap: true } },
      yAxis: {
        type: "value",
        min: 0,
        axisLabel: { formatter: function (value) { return integer.format(value); } },
      },
      series: [
        { name: "Peserta aktif", type: "line", data: data.covered, symbolSize: 7, lineStyle: { width: 3 },
          itemStyle: { color: BRAND } },
        { name: "Pekerja terdaftar", type: "line", data: data.registered, symbolSize: 5,
          lineStyle: { type: "dashed" }, itemStyle: { color: MUTED } },
      ],
    });
  }

  function draw() {
    document.querySelectorAll("[data-chart=bar]").forEach(drawBars);
    document.querySelectorAll("[data-chart=line]").forEach(drawTrend);
    var pending = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(function () {
        charts.forEach(function (chart) {
          chart.resize();
        });
      }, 150);
    });
  }

  var library = document.currentScript && document.currentScript.dataset.echarts;

  function load() {
    if (typeof echarts !== "undefined") {
      draw();
      return;
    }
    if (!library || !document.querySelector("[data-chart]")) {
      return;
    }
    var script = document.createElement("script");
    script.src = library;
    script.addEventListener("load", draw);
    document.head.appendChild(script);
  }

  if (document.readyState === "complete") {
    load();
  } else {
    window.addEventListener("load", load);
  }
})();
