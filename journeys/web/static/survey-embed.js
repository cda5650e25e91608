/* Embeds a Journeys survey on any web page:
 *   <div data-journeys-survey="https://journeys.example.com/s/TOKEN"></div>
 *   <script src="https://journeys.example.com/static/survey-embed.js" async></script>
 * The link comes from POST /api/surveys/{id}/invitations, asked by the site's server for the
 * signed-in customer. The form runs in a frame from the Journeys server, which grows to fit. */
(function () {
  "use strict";
  function embed(holder) {
    if (holder.dataset.journeysEmbedded) return;
    var link = holder.getAttribute("data-journeys-survey");
    if (!link) return;
    var url = new URL(link, document.baseURI);
    url.searchParams.set("embed", "1");
    var lang = holder.getAttribute("data-lang") || document.documentElement.lang;
    if (lang) url.searchParams.set("lang", lang.slice(0, 2));
    var frame = document.createElement("iframe");
    frame.src = url.toString();
    frame.title = holder.getAttribute("data-title") || "Survey";
    frame.loading = "lazy";
    frame.style.cssText = "width:100%;border:0;min-height:26rem;";
    holder.dataset.journeysEmbedded = "1";
    holder.appendChild(frame);
  }
  function all() {
    document.querySelectorAll("[data-journeys-survey]").forEach(embed);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", all);
  else all();
})();
