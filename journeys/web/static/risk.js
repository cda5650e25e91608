// The overview's churn-risk chart: scored customers per journey stage, stacked by risk band.
(function () {
  "use strict";
  const el = document.getElementById("risk-chart");
  if (!el || !window.echarts) return;
  const caption = document.querySelector("[data-role='risk-caption']");
  const bands = [
    { key: "low", name: "low", color: "#16a34a" },
    { key: "medium", name: "medium", color: "#f59e0b" },
    { key: "high", name: "high", color: "#dc2626" },
  ];
  fetch(el.dataset.url, { headers: { accept: "application/json" } })
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error("HTTP " + r.status))))
    .then((d) => {
      const q = d.query;
      const names = { low: `low (< ${q.low})`, medium: `medium (${q.low}–${q.high})`, high: `high (> ${q.high})` };
      const chart = echarts.init(el, null, { renderer: "canvas" });
      chart.setOption({
        animation: false,
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        legend: { data: bands.map((b) => names[b.key]) },
        grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: d.rows.map((r) => r.name) },
        yAxis: { type: "value", name: "customers" },
        series: bands.map((b) => ({
          name: names[b.key], type: "bar", stack: "risk", itemStyle: { color: b.color },
          data: d.rows.map((r) => r[b.key]),
        })),
      });
      window.addEventListener("resize", () => chart.resize());
      if (caption) {
        const out = d.outside.customers;
        caption.textContent = `${d.scored.toLocaleString()} scored customers` +
          (out ? `; ${out.toLocaleString()} with no event of the journey are not shown.` : ".");
      }
      el.dataset.rendered = "true";
    })
    .catch((err) => {
      if (caption) caption.textContent = "The chart could not be loaded: " + err.message;
      el.dataset.rendered = "failed";
    });
})();
