// The retention heat-map: cohorts down, periods across, colour = share retained.
(function () {
  "use strict";
  const el = document.getElementById("retention-heatmap");
  const source = document.getElementById("retention-data");
  if (!el || !source || !window.echarts) return;
  const d = JSON.parse(source.textContent);
  el.style.height = Math.max(18 * 16, d.cohorts.length * 30 + 110) + "px";
  const chart = echarts.init(el, null, { renderer: "canvas" });
  // Dark cells get white labels; ECharts has no per-value label colour of its own.
  const points = d.points.map((v) => ({
    value: v, label: { color: v[2] > 55 ? "#ffffff" : "#0f172a" },
  }));
  const tip = (p) => {
    const [x, y, share, retained, size] = p.value;
    return `${d.cohorts[y]}<br>${d.periods[x]}: ${retained.toLocaleString()} of ` +
      `${size.toLocaleString()} (${share}%)`;
  };
  chart.setOption({
    animation: false,
    tooltip: { position: "top", formatter: tip },
    grid: { left: 8, right: 16, top: 8, bottom: 64, containLabel: true },
    xAxis: { type: "category", data: d.periods, position: "top", splitArea: { show: true } },
    yAxis: { type: "category", data: d.cohorts, inverse: true, splitArea: { show: true } },
    visualMap: {
      dimension: 2, min: 0, max: 100, calculable: false, orient: "horizontal",
      left: "center", bottom: 8, text: ["100 %", "0 %"],
      inRange: { color: ["#eff6ff", "#93c5fd", "#2563eb", "#1e3a8a"] },
    },
    series: [{
      name: "Retained", type: "heatmap", data: points,
      label: { show: true, formatter: (p) => p.value[2].toFixed(1) + "%", fontSize: 11 },
      emphasis: { itemStyle: { borderColor: "#0f172a", borderWidth: 1 } },
    }],
  });
  window.addEventListener("resize", () => chart.resize());
  el.dataset.rendered = "true";
})();
