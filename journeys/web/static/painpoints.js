// The pain-point chart: drop-off rate of each ranked touchpoint, worst at the top.
(function () {
  "use strict";
  const el = document.getElementById("painpoints-chart");
  const source = document.getElementById("painpoints-data");
  if (!el || !source || !window.echarts) return;
  const points = JSON.parse(source.textContent).pain_points.slice().reverse();
  const rate = (p) => p.signals.find((s) => s.kind === "drop_off").value * 100;
  el.style.height = Math.max(200, points.length * 34 + 60) + "px";
  const chart = echarts.init(el, null, { renderer: "canvas" });
  chart.setOption({
    animation: false,
    grid: { left: 8, right: 40, top: 8, bottom: 24, containLabel: true },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value} %" } },
    yAxis: { type: "category", data: points.map((p) => p.name) },
    series: [{
      name: "Drop-off", type: "bar", data: points.map((p) => +rate(p).toFixed(1)),
      itemStyle: { color: "#dc2626" },
      label: { show: true, position: "right", formatter: "{c} %" },
    }],
  });
  window.addEventListener("resize", () => chart.resize());
  el.dataset.rendered = "true";
})();
