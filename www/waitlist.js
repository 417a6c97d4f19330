// The waitlist receipt page's place in line, kept current without a reload: the campaign's
// live stream says when the tier moved (units claimed or offered, someone joined or left),
// and the entry is read again, at most every 15 seconds (spread, so a crowd's pages do not
// read together). A change of state (an offer, a
// pledge) reloads the page for its new buttons. Without EventSource it polls.
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me) return;
  var campaign = me.dataset.campaign, token = me.dataset.token, tier = me.dataset.tier, state = me.dataset.state;
  if (state !== "waiting" && state !== "offered") return;
  var spot = document.querySelector("[data-testid=waitlist-position]");
  var last = 0, timer = null;

  function read() {
    timer = null;
    last = Date.now();
    fetch("/api/v1/waitlist/" + token, { cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (view) {
        if (!view) return;
        if (view.entry.state !== state) { location.reload(); return; }
        if (spot && view.position) spot.textContent = String(view.position);
      })
      .catch(function () {});
  }

  function soon() {
    if (timer) return;
    timer = setTimeout(read, Math.max(0, last + 15000 - Date.now()) + Math.random() * 2000);
  }

  function moved(data) {
    try {
      var change = JSON.parse(data);
      return (change.tiers || []).some(function (t) { return t.id === tier; });
    } catch (e) { return true; }
  }

  if (!window.EventSource) { setInterval(read, 30000); return; }
  var source = new EventSource("/api/v1/campaigns/" + encodeURIComponent(campaign) + "/events?v=2");
  source.addEventListener("delta", function (e) { if (moved(e.data)) soon(); });
  source.addEventListener("progress", function () { soon(); });
  // An offer's deadline passes with no event of the campaign's: look once it has.
  setInterval(read, 60000);
})();
