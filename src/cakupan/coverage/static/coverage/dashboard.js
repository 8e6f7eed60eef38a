/* Charts of the coverage dashboard: the choropleth map of the children, breakdown bars and the trend.
 *
 * The Content-Security-Policy allows no inline script or style, so the page hands its data over in
 * <script type="application/json"> blocks and this file draws. Every chart repeats a table on the page,
 * so nothing is lost when JavaScript or the map fails. Tooltips use ECharts' rich-text mode: its HTML
 * tooltips carry style="" attributes, which the policy would block.
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

  function drawMap(element) {
    var data = readJson(element.dataset.map);
    if (!data || !data.regions.length) {
      return;
    }
    var byCode = {};
    data.regions.forEach(function (region) {
      byCode[region.code] = region;
    });
    element.dataset.state = "loading";
    fetch(data.geojson, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (geojson) {
        var name = "wilayah-" + data.geojson;
        echarts.registerMap(name, geojson);
        var chart = start(element);
        chart.on("finished", function () {
          element.dataset.state = "ready";
          element.dataset.features = String(geojson.features.length);
        });
        chart.on("click", function (event) {
          var region = byCode[event.name];
          if (region) {
            window.location.assign(region.url);
          }
        });
        // The colour scale spans the observed range (rounded out to 5 points), not 0-100%: regions at 23%
        // and 54% must not share one pale shade.
        var values = data.regions.map(function (region) { return region.pct; }).filter(function (value) {
          return value !== null && value !== undefined;
        });
        var low = values.length ? Math.floor(Math.min.apply(null, values) / 5) * 5 : 0;
        var high = values.length ? Math.ceil(Math.max.apply(null, values) / 5) * 5 : 100;
        if (high - low < 10) {
          high = Math.min(100, low + 10);
          low = Math.max(0, high - 10);
        }
        element.dataset.scale = low + "-" + high;
        chart.setOption({
          animation: false,
          tooltip: {
            trigger: "item",
            renderMode: "richText",
            formatter: function (item) {
              var region = byCode[item.name];
              if (!region) {
                return item.name;
              }
              return region.name + " (" + region.code + ")\nCakupan " + percentText(region.pct) +
                "\n" + integer.format(region.covered) + " dari " + integer.format(region.denominator) +
                " pekerja";
            },
          },
          visualMap: {
            type: "continuous",
            min: low,
            max: high,
            calculable: false,
            orient: "horizontal",
            left: "center",
            bottom: 0,
            itemWidth: 12,
            itemHeight: 160,
            text: [share.format(high) + "%", share.format(low) + "%"],
            textStyle: { color: TEXT },
            inRange: { color: ["#f3e6c4", "#a9d3a4", "#3c8f5e", BRAND] },
            formatter: function (value) {
              return share.format(value) + "%";
            },
          },
          series: [
            {
              type: "map",
              map: name,
              nameProperty: "code",
              roam: false,
              selectedMode: false,
              top: 8,
              bottom: 44,
              left: 8,
              right: 8,
              label: { show: false },
              itemStyle: { borderColor: "#ffffff", borderWidth: 1, areaColor: "#e2e6ea" },
              emphasis: { label: { show: false }, itemStyle: { areaColor: "#f2b84b" } },
              data: data.regions.map(function (region) {
                return { name: region.code, value: region.pct };
              }),
            },
          ],
        });
        element.dataset.series = String(chart.getOption().series[0].data.length);
      })
      .catch(function () {
        element.dataset.state = "failed";
        element.classList.add("failed");
        element.textContent = "Peta tidak dapat dimuat; angka per wilayah ada di tabel.";
      });
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

  function init() {
    if (typeof echarts === "undefined") {
      return;
    }
    document.querySelectorAll("[data-map]").forEach(drawMap);
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

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
