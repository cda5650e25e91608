// Draws every chart whose ECharts options the page carries as JSON:
//   <div id="X" class="chart"></div>
//   <script type="application/json" class="chart-options" data-target="X">{...}</script>
// Load after echarts.min.js; both with defer, or echarts.min.js first without it.
(function () {
  "use strict";
  function draw() {
    if (!window.echarts) return;
    document.querySelectorAll("script.chart-options[data-target]").forEach(function (node) {
      const el = document.getElementById(node.dataset.target);
      if (!el) return;
      const chart = echarts.init(el, null, { renderer: "svg" });
      chart.setOption(JSON.parse(node.textContent));
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
