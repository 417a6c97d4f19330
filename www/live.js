/* Live progress before the widget's wasm arrives, and where it never runs: the numbers the
   server rendered move with each event of /api/v1/campaigns/{id}/events (or, without
   EventSource, a poll every 5 s). Worded with the page's own templates (`#` for the
   number). The wasm stops this when it takes over (`window.tribefundLive.stop()`). */
(function () {
  var props = document.getElementById("tf-props");
  var section = document.querySelector(".tf-progress");
  if (!props || !section || !window.JSON) return;
  var campaign;
  try { campaign = JSON.parse(props.textContent).campaign; } catch (e) { return; }
  var goalText = (section.querySelector(".tf-goal") || {}).textContent || "";
  var symbol = goalText.replace(/[-\d.,\s]+$/, "");
  var url = "/api/v1/campaigns/" + encodeURIComponent(campaign.id);
  var source = null, timer = null, stopped = false;

  function group(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ","); }
  function money(minor) {
    var sign = minor < 0 ? "-" : "", abs = Math.abs(minor), rest = abs % 100;
    var text = sign + symbol + group(Math.floor(abs / 100));
    return rest ? text + "." + (rest < 10 ? "0" : "") + rest : text;
  }
  function words(template, n) { return (template || "#").replace("#", n); }
  function put(selector, text) {
    var element = section.querySelector(selector);
    if (element && element.textContent !== text) element.textContent = text;
  }
  function show(view) {
    if (!view || view.id !== campaign.id || typeof view.raised !== "number") return;
    window.tribefundLive.latest = view;
    var pct = view.goal > 0 ? Math.floor(Math.max(view.raised, 0) * 100 / view.goal) : 100;
    var bar = section.querySelector("[role=progressbar]"), fill = section.querySelector(".tf-bar-fill");
    put("[data-testid=raised]", money(view.raised));
    put("[data-testid=percent]", pct + "%");
    put("[data-testid=backers]", view.backers === 1 ? section.dataset.one : words(section.dataset.many, group(view.backers)));
    if (view.pledged > view.raised) put("[data-testid=pledged]", words(section.dataset.pledged, money(view.pledged)));
    if (bar) {
      bar.setAttribute("aria-valuenow", String(Math.min(pct, 100)));
      bar.setAttribute("aria-valuetext", words(section.dataset.funded, pct));
    }
    if (fill) fill.style.width = Math.min(pct, 100) + "%";
    var backers = view.backers === 1 ? section.dataset.one : words(section.dataset.many, group(view.backers));
    put("[data-testid=announce]", money(view.raised) + " · " + words(section.dataset.funded, pct) + " · " + backers);
  }
  function poll() {
    fetch(url).then(function (r) { return r.ok ? r.json() : null; }).then(show, function () {});
  }
  function start() {
    if (stopped || document.hidden) return;
    if (window.EventSource) {
      source = new EventSource(url + "/events");
      source.addEventListener("progress", function (event) {
        try { show(JSON.parse(event.data)); } catch (e) { /* not a view */ }
      });
    } else {
      timer = setInterval(poll, 5000);
    }
  }
  function pause() {
    if (source) source.close();
    if (timer) clearInterval(timer);
    source = timer = null;
  }
  document.addEventListener("visibilitychange", function () { if (document.hidden) pause(); else start(); });
  window.tribefundLive = { stop: function () { stopped = true; pause(); } };
  start();
})();
