// The KPI trend charts: NPS, CSAT and CES per period, all answers and the busiest groups.
(function () {
  "use strict";
  const source = document.getElementById("kpis-data");
  if (!source || !window.echarts) return;
  const d = JSON.parse(source.textContent);
  const scales = {
    nps: { min: -100, max: 100, unit: "" },
    csat: { min: 0, max: 100, unit: " %" },
    ces: { min: 1, max: 7, unit: "" },
  };
  for (const el of document.querySelectorAll("[data-chart]")) {
    const key = el.dataset.chart;
    const scale = scales[key];
    if (!d[key].some((s) => s.data.some((v) => v !== null))) {
      // An empty chart looks like a failure; say why there is nothing to draw.
      el.innerHTML = '<p class="kpi-nodata">No answers of this kind in this range.</p>';
      el.style.height = "auto";
      el.dataset.rendered = "empty";
      continue;
    }
    const chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis", valueFormatter: (v) => (v === null || v === undefined ? "–" : v + scale.unit) },
      legend: { type: "scroll", bottom: 0 },
      grid: { left: 8, right: 36, top: 16, bottom: 40, containLabel: true },
      xAxis: { type: "category", data: d.periods, boundaryGap: false },
      yAxis: { type: "value", min: scale.min, max: scale.max },
      series: d[key].map((s, i) => ({
        name: s.name, type: "line", data: s.data, connectNulls: false, showSymbol: true,
        symbolSize: i === 0 ? 7 : 5, lineStyle: { width: i === 0 ? 3 : 1.5 },
      })),
    });
    window.addEventListener("resize", () => chart.resize());
    el.dataset.rendered = "true";
  }
})();
