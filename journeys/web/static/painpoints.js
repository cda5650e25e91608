// The pain-point chart: the score of each ranked touchpoint (worst at the top), its drop-off
// rate and, when customers left comments there, the share of negative ones.
(function () {
  "use strict";
  const el = document.getElementById("painpoints-chart");
  const source = document.getElementById("painpoints-data");
  if (!el || !source || !window.echarts) return;
  const points = JSON.parse(source.textContent).pain_points.slice().reverse();
  const signal = (p, kind) => {
    const s = p.signals.find((x) => x.kind === kind);
    return s ? +(s.value * 100).toFixed(1) : null;
  };
  const bars = [
    { name: "Pain score (0–100)", data: points.map((p) => +(p.score * 100).toFixed(1)), color: "#7c2d12", unit: "" },
    { name: "Drop-off %", data: points.map((p) => signal(p, "drop_off")), color: "#dc2626", unit: " %" },
  ];
  const negative = points.map((p) => signal(p, "sentiment"));
  if (negative.some((v) => v !== null)) {
    bars.push({ name: "Negative comments %", data: negative, color: "#f59e0b", unit: " %" });
  }
  el.style.height = Math.max(200, points.length * 22 * bars.length + 80) + "px";
  const chart = echarts.init(el, null, { renderer: "canvas" });
  chart.setOption({
    animation: false,
    grid: { left: 8, right: 40, top: 8, bottom: 40, containLabel: true },
    legend: { bottom: 0 },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: { type: "value", max: 100 },
    yAxis: { type: "category", data: points.map((p) => p.name) },
    series: bars.map((b) => ({
      name: b.name, type: "bar", data: b.data, itemStyle: { color: b.color },
      label: { show: true, position: "right", formatter: "{c}" + b.unit },
    })),
  });
  window.addEventListener("resize", () => chart.resize());
  el.dataset.rendered = "true";
})();
