// The measured layer of the journey map: what customers really did, next to the design.
// Filled from /api/analytics/overlay once the page is up, so the map itself shows at once.
(function () {
  "use strict";
  const box = document.querySelector("[data-measured-journey]");
  if (!box) return;
  const status = box.querySelector("[data-measured-status]");
  const journey = box.dataset.measuredJourney;
  const fmt = (n) => n.toLocaleString("en");
  const pct = (r) => (r === null || r === undefined ? "–" : Math.round(r * 100) + " %");
  const dur = (s) => {
    if (s === null || s === undefined) return "–";
    for (const [unit, size] of [["d", 86400], ["h", 3600], ["min", 60]]) {
      if (s >= size) return (s / size).toFixed(1) + " " + unit;
    }
    return Math.round(s) + " s";
  };
  const item = (label, value, key) =>
    `<span data-m="${key}">${label} <span class="m-value">${value}</span></span>`;

  function fill(m) {
    box.dataset.customers = m.customers;
    const unmapped = m.unmapped.map((u) => `<code>${u.event}</code> (${fmt(u.events)})`).join(", ");
    box.innerHTML =
      `<p data-measured-status><strong>Measured:</strong> ${fmt(m.customers)} customers reached ` +
      `this journey, ${fmt(m.completed)} its last stage; ${fmt(m.mapped_events)} touchpoint ` +
      `events. <a href="/analyse/painpoints?journey=${journey}">Pain points →</a></p>` +
      (unmapped ? `<p class="unmapped" data-unmapped>Behaviour no touchpoint matches ` +
        `(${fmt(m.unmapped_events)} events): ${unmapped}</p>` : "");
    for (const s of m.stages) {
      const el = document.querySelector(`[data-measured-stage="${s.stage}"]`);
      if (!el) continue;
      el.innerHTML = `${fmt(s.reached)} reached` +
        (s.conversion === null ? "" : ` · ${pct(s.conversion)} moved on`);
      el.dataset.reached = s.reached;
      el.hidden = false;
    }
    for (const t of m.touchpoints) {
      const el = document.querySelector(`[data-measured-touchpoint="${t.touchpoint}"]`);
      if (!el) continue;
      el.innerHTML = item("reached", fmt(t.reached), "reached") +
        item("drop-off", pct(t.drop_off_rate), "drop_off") +
        item("to next", dur(t.median_seconds_to_next), "time") +
        (t.worst ? '<span class="worst-badge" data-m="worst">worst</span>' : "");
      el.dataset.reached = t.reached;
      el.hidden = false;
      el.closest(".tp-card").classList.toggle("worst", t.worst);
    }
    box.dataset.rendered = "true";
  }

  fetch(`/api/analytics/overlay?journey=${encodeURIComponent(journey)}`)
    .then((r) => r.json().then((body) => ({ ok: r.ok, body })))
    .then(({ ok, body }) => {
      if (ok) return fill(body);
      status.textContent = "Not measured: " + body.error.message;
      box.dataset.rendered = "error";
    })
    .catch((e) => { status.textContent = "Not measured: " + e; box.dataset.rendered = "error"; });
})();
