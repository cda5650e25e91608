// The funnel page's bar chart: ECharts (served locally) drawn from the options the server
// put in data-options, resized with the window.
(function () {
  "use strict";
  function draw() {
    var el = document.getElementById("funnel-chart");
    if (!el || !window.echarts) { return; }
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(JSON.parse(el.dataset.options));
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
