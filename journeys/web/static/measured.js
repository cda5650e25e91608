// The measured layer of the journey map: what customers really did, next to the design, and
// what they said (survey answers) and the tickets opened about each stage and touchpoint.
// Filled from /api/analytics/overlay once the page is up, so the map itself shows at once.
(function () {
  "use strict";
  const box = document.querySelector("[data-measured-journey]");
  if (!box) return;
  const status = box.querySelector("[data-measured-status]");
  const journey = box.dataset.measuredJourney;
  const fmt = (n) => n.toLocaleString("en");
  const pct = (r) => (r === null || r === undefined ? "–" : Math.round(r * 100) + " %");
  const signed = (v, digits) => (v === null || v === undefined ? "–" :
    (v > 0 ? "+" : "") + v.toFixed(digits).replace("-", "−"));
  const dur = (s) => {
    if (s === null || s === undefined) return "–";
    for (const [unit, size] of [["d", 86400], ["h", 3600], ["min", 60]]) {
      if (s >= size) return (s / size).toFixed(1) + " " + unit;
    }
    return Math.round(s) + " s";
  };
  const item = (label, value, key, title) =>
    `<span data-m="${key}"${title ? ` title="${title}"` : ""}>${label} ` +
    `<span class="m-value">${value}</span></span>`;

  // What customers said and the tickets opened: only the figures there is data for.
  function said(f) {
    let html = "";
    if (f.nps_responses) {
      html += item("NPS", signed(f.nps, 0), "nps",
        `${f.nps_responses} answers, ±${Math.round(f.nps_margin_of_error)} (95 %)`);
    }
    if (f.csat_responses) html += item("CSAT", Math.round(f.csat) + " %", "csat", `${f.csat_responses} answers`);
    if (f.ces_responses) html += item("CES", f.ces.toFixed(1), "ces", `${f.ces_responses} answers, 1 easy … 7 hard`);
    if (f.comments) {
      html += item("sentiment", signed(f.sentiment, 2), "sentiment",
        `${f.negative_comments} of ${f.comments} comments negative`);
    }
    if (f.tickets) html += item("tickets", fmt(f.tickets), "tickets", `${f.escalated} escalated`);
    return html;
  }

  function summary(m) {
    const f = m.feedback;
    if (!f.answers && !f.tickets) return "";
    const parts = [];
    if (f.nps_responses) parts.push(`NPS ${signed(f.nps, 0)} (${fmt(f.nps_responses)} answers)`);
    if (f.csat_responses) parts.push(`CSAT ${Math.round(f.csat)} %`);
    if (f.ces_responses) parts.push(`CES ${f.ces.toFixed(1)}`);
    if (f.comments) parts.push(`sentiment ${signed(f.sentiment, 2)}`);
    parts.push(`${fmt(f.tickets)} tickets`);
    return `<p class="measured-feedback" data-measured-feedback data-answers="${f.answers}">` +
      `<strong>Said:</strong> ${fmt(f.answers)} survey answers; ${parts.join(", ")}. ` +
      `<a href="/analyse/kpis?journey=${journey}&by=touchpoint">KPIs →</a></p>`;
  }

  // The loyalty stage: the programme among the customers who reached it.
  function loyalty(l) {
    if (!l) return "";
    const tiers = Object.entries(l.members_by_tier).map(([t, n]) => `${t} ${fmt(n)}`).join(", ");
    return ` · <span data-m="loyalty" data-members="${l.members}" title="by tier: ${tiers}">` +
      `members ${fmt(l.members)} of ${fmt(l.reached)} (${pct(l.member_share)}), ` +
      `${fmt(l.active_members)} active, ` +
      `${fmt(l.points_balance)} ${l.points_name} held</span> ` +
      `<a href="/loyalty">Loyalty →</a>`;
  }

  function fillTouchpoint(id, html, reached, worst) {
    const el = document.querySelector(`[data-measured-touchpoint="${id}"]`);
    if (!el) return;
    el.innerHTML = html;
    if (reached !== null) el.dataset.reached = reached;
    el.hidden = html === "";
    if (worst !== null) el.closest(".tp-card").classList.toggle("worst", worst);
  }

  function fill(m) {
    box.dataset.customers = m.customers;
    const unmapped = m.unmapped.map((u) => `<code>${u.event}</code> (${fmt(u.events)})`).join(", ");
    box.innerHTML =
      `<p data-measured-status><strong>Measured:</strong> ${fmt(m.customers)} customers reached ` +
      `this journey, ${fmt(m.completed)} its last stage; ${fmt(m.mapped_events)} touchpoint ` +
      `events. <a href="/analyse/painpoints?journey=${journey}">Pain points →</a></p>` +
      summary(m) +
      (unmapped ? `<p class="unmapped" data-unmapped>Behaviour no touchpoint matches ` +
        `(${fmt(m.unmapped_events)} events): ${unmapped}</p>` : "");
    for (const s of m.stages) {
      const el = document.querySelector(`[data-measured-stage="${s.stage}"]`);
      if (!el) continue;
      const f = s.feedback;
      el.innerHTML = `${fmt(s.reached)} reached` +
        (s.conversion === null ? "" : ` · ${pct(s.conversion)} moved on`) +
        (f.nps_responses ? ` · <span data-m="nps">NPS ${signed(f.nps, 0)}</span>` : "") +
        (f.csat_responses ? ` · <span data-m="csat">CSAT ${Math.round(f.csat)} %</span>` : "") +
        loyalty(s.loyalty);
      el.dataset.reached = s.reached;
      el.hidden = false;
    }
    for (const t of m.touchpoints) {
      const html = item("reached", fmt(t.reached), "reached") +
        item("drop-off", pct(t.drop_off_rate), "drop_off") +
        item("to next", dur(t.median_seconds_to_next), "time") +
        said(t.feedback) +
        (t.worst ? '<span class="worst-badge" data-m="worst">worst</span>' : "");
      fillTouchpoint(t.touchpoint, html, t.reached, t.worst);
    }
    // Touchpoints without a matcher (a shop, a call) have no reach, but can have feedback.
    for (const [id, f] of Object.entries(m.unmatched_feedback)) fillTouchpoint(id, said(f), null, null);
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
