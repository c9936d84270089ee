/* The asset review's two charts: the asset mix (pie) and total assets at each review (bars + line).
   SVG rendering without animation, so they are complete as soon as drawn and print sharply.
   Each chart container gets data-rendered="1" once ECharts has finished drawing it. */
(function () {
  "use strict";
  var FONT = '"PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif';
  var charts = [];
  var compact = new Intl.NumberFormat(document.documentElement.lang || "zh-Hans", { notation: "compact" });

  function yuan(value) {
    return "¥" + Number(value).toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  function draw(element, option) {
    var chart = window.echarts.init(element, null, { renderer: "svg" });
    chart.on("finished", function () { element.dataset.rendered = "1"; });
    chart.setOption(Object.assign({ animation: false, textStyle: { fontFamily: FONT } }, option));
    charts.push(chart);
  }

  function start() {
    var script = document.getElementById("asset-chart-data");
    var printButton = document.getElementById("print-review");
    if (printButton) { printButton.addEventListener("click", function () { window.print(); }); }
    if (!script || !window.echarts) { return; }
    var data = JSON.parse(script.textContent);
    var mix = document.getElementById("chart-mix");
    var trend = document.getElementById("chart-trend");
    if (mix) {
      draw(mix, {
        tooltip: { trigger: "item", valueFormatter: yuan },
        legend: { bottom: 0, type: "scroll" },
        series: [{
          name: data.labels.mix, type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"],
          label: { formatter: "{b}\n{d}%" }, data: data.mix
        }]
      });
    }
    if (trend) {
      draw(trend, {
        tooltip: { trigger: "axis", valueFormatter: yuan },
        legend: { bottom: 0 },
        grid: { left: 8, right: 16, top: 16, bottom: 40, containLabel: true },
        xAxis: { type: "category", data: data.trend.dates },
        yAxis: { type: "value", axisLabel: { formatter: function (v) { return compact.format(v); } } },
        series: [
          { name: data.labels.assets, type: "bar", data: data.trend.assets, barMaxWidth: 40 },
          { name: data.labels.net, type: "line", data: data.trend.net, symbolSize: 8 }
        ]
      });
    }
    var resize = function () { charts.forEach(function (c) { c.resize(); }); };
    window.addEventListener("resize", resize);
    window.addEventListener("beforeprint", resize);
    window.addEventListener("afterprint", resize);
    if (window.matchMedia) {
      window.matchMedia("print").addEventListener("change", resize);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
