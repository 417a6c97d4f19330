/* The widget's page before the wasm arrives, and where it never runs.
   - Numbers: the progress the server rendered moves with each event of
     /api/v1/campaigns/{id}/events?v=2 (the whole view first, then compact changes applied
     to it; without EventSource, a poll every 5 s), worded with the page's own templates
     (`#` for the number).
   - Clock: the server's. Every view carries `server_time`; its offset from the page's
     monotonic clock (`performance.now()`, which no one sets; the largest offset, from the
     quickest trip, wins) is kept in `window.tribefundClock`, where the wasm takes it up.
     The first sample is the page itself, timed by the navigation's first byte.
   - Moments: four times a second the countdowns are reworded, tiers open and close on
     their windows and a scheduled campaign's form opens on its start, and a polite live
     region is spoken at a few marks (the templates of `data-countdown`).
   - A plain form the server could not take yet (`data-resubmit`) sends itself again, with
     the same key, after a jittered wait.
   The wasm stops all of this when it takes over (`window.tribefundLive.stop()`). */
(function () {
  var props = document.getElementById("tf-props");
  var section = document.querySelector(".tf-progress");
  if (!props || !section || !window.JSON) return;
  var campaign;
  try { campaign = JSON.parse(props.textContent).campaign; } catch (e) { return; }
  var goalText = (section.querySelector(".tf-goal") || {}).textContent || "";
  var symbol = goalText.replace(/[-\d.,\s]+$/, "");
  var url = "/api/v1/campaigns/" + encodeURIComponent(campaign.id);
  var words = {};
  try { words = JSON.parse(section.dataset.countdown || "{}"); } catch (e) { /* no countdowns */ }
  var source = null, timer = null, ticker = null, stopped = false, based = true, wasLive = false;
  var clock = window.tribefundClock = { offset: null };
  var perf = window.performance && performance.now ? performance : null;

  function local() { return perf ? perf.now() : Date.now(); }
  function observe(serverTime, at) {
    var server = Date.parse(serverTime || "");
    if (isNaN(server)) return;
    if (clock.offset === null || server - at > clock.offset) clock.offset = server - at;
  }
  function serverNow() { return clock.offset === null ? Date.now() : local() + clock.offset; }
  var nav = perf && perf.getEntriesByType && perf.getEntriesByType("navigation")[0];
  if (nav && nav.responseStart > 0) observe(campaign.server_time, nav.responseStart);

  function group(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ","); }
  function money(minor) {
    var sign = minor < 0 ? "-" : "", abs = Math.abs(minor), rest = abs % 100;
    var text = sign + symbol + group(Math.floor(abs / 100));
    return rest ? text + "." + (rest < 10 ? "0" : "") + rest : text;
  }
  function fill(template, n) { return (template || "#").replace("#", n); }
  function put(element, text) { if (element && element.textContent !== text) element.textContent = text; }
  function seconds(time) { var t = Date.parse(time || ""); return isNaN(t) ? null : Math.floor(t / 1000); }

  /* "Opens in 4m 9s": the same four shapes and phrases as the wasm's `Lang::words`. */
  function countdown(until, left) {
    if (!words.shapes || left <= 0) return null;
    var d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600), m = Math.floor(left % 3600 / 60), s = left % 60;
    var shape = d > 1 ? 0 : d === 1 ? 1 : h > 0 ? 2 : 3;
    var duration = words.shapes[shape].replace("{d}", d).replace("{h}", h).replace("{m}", m).replace("{s}", s);
    return words.phrases[until].replace("#", duration);
  }

  function show(view) {
    if (!view || view.id !== campaign.id || typeof view.raised !== "number") return false;
    campaign = window.tribefundLive.latest = view;
    var pct = view.goal > 0 ? Math.floor(Math.max(view.raised, 0) * 100 / view.goal) : 100;
    var bar = section.querySelector("[role=progressbar]"), bar_fill = section.querySelector(".tf-bar-fill");
    var q = function (selector) { return section.querySelector(selector); };
    put(q("[data-testid=raised]"), money(view.raised));
    put(q("[data-testid=percent]"), pct + "%");
    var backers = view.backers === 1 ? section.dataset.one : fill(section.dataset.many, group(view.backers));
    put(q("[data-testid=backers]"), backers);
    if (view.pledged > view.raised) put(q("[data-testid=pledged]"), fill(section.dataset.pledged, money(view.pledged)));
    if (bar) {
      bar.setAttribute("aria-valuenow", String(Math.min(pct, 100)));
      bar.setAttribute("aria-valuetext", fill(section.dataset.funded, pct));
    }
    if (bar_fill) bar_fill.style.width = Math.min(pct, 100) + "%";
    put(q("[data-testid=announce]"), money(view.raised) + " · " + fill(section.dataset.funded, pct) + " · " + backers);
    tick();
    return true;
  }

  /* What the clock changes: the countdowns, each tier's window, the form of a scheduled
     campaign, and the announcement of the next moment. */
  function tick() {
    var now = Math.floor(serverNow() / 1000);
    var starts = seconds(campaign.starts_at), ends = seconds(campaign.ends_at);
    var cancelled = campaign.status === "cancelled";
    var live = !cancelled && now >= starts && now < ends;
    var time = section.querySelector("[data-testid=time]");
    if (!cancelled && now < starts) put(time, countdown("starts", starts - now));
    else if (live) put(time, countdown("ends", ends - now));
    else if (words.ended && wasLive) put(time, words.ended);
    if (live) wasLive = true;
    var controls = document.querySelector(".tf-all");
    if (controls && controls.disabled === live) controls.disabled = !live;
    var waiting = document.querySelector("[data-testid=not-started]");
    if (waiting) waiting.hidden = cancelled || now >= starts;
    var next = null;
    (campaign.tiers || []).forEach(function (tier) {
      var row = document.querySelector(".tf-tier[data-tier=\"" + tier.id.replace(/["\\]/g, "\\$&") + "\"]");
      var from = seconds(tier.available_from), until = seconds(tier.available_until);
      if (live && from !== null && from > now && from < ends && (!next || from < next.at)) next = { until: "opens", at: from, what: tier.title };
      if (!row) return;
      var soldOut = tier.limit !== null && tier.limit !== undefined && tier.claimed >= tier.limit;
      var open = (from === null || now >= from) && (until === null || now < until);
      var input = row.querySelector("input[type=radio]");
      /* The fan's own choice stays sendable: the server says it closed, where a disabled
         radio would drop the tier from the post (a pledge without reward). A sold-out tier
         stays open to choose: the fan may join its waitlist. */
      var off = !open && !(input && input.checked);
      if (input && input.disabled !== off) input.disabled = off;
      row.classList.toggle("tf-sold-out", soldOut || !open);
      var left = tier.limit === null || tier.limit === undefined ? "" : fill(row.dataset.leftWords, Math.max(tier.limit - tier.claimed, 0));
      var note = left;
      if (soldOut && open) note = fill(row.dataset.soldOut, tier.waitlist || 0);
      else if (soldOut) note = row.dataset.closed;
      else if (from !== null && now < from) note = countdown("opens", from - now);
      else if (!open) note = row.dataset.closed;
      else if (until !== null && until - now <= 86400) note = [note, countdown("closes", until - now)].filter(Boolean).join(" · ");
      put(row.querySelector(".tf-left"), note);
    });
    if (!cancelled && now < starts) next = { until: "starts", at: starts, what: "" };
    else if (live && !next) next = { until: "ends", at: ends, what: "" };
    announce(next, now);
  }

  /* Spoken only at the marks, so a screen reader hears a handful of times, not each second. */
  function announce(next, now) {
    var region = section.querySelector("[data-testid=countdown-announce]");
    if (!region || !words.marks) return;
    var left = next ? next.at - now : 0, mark = null;
    if (left > 0 && left <= words.marks[0]) {
      for (var i = words.marks.length - 1; i >= 0; i--) if (left <= words.marks[i]) { mark = words.marks[i]; break; }
    }
    var text = mark === null ? "" : countdown(next.until, mark) || "";
    if (text && next.what) text = next.what + words.sep + text;
    if (text !== region.dataset.spoken) { region.dataset.spoken = text; put(region, text); }
  }

  /* A compact change (`event: delta`) brought onto the last whole view. */
  function apply(change) {
    var view = JSON.parse(JSON.stringify(campaign));
    view.seq = change.seq;
    view.server_time = change.server_time;
    ["raised", "pledged", "backers", "status", "leaders", "wall"].forEach(function (key) {
      if (key in change) view[key] = change[key];
    });
    (change.tiers || []).forEach(function (moved) {
      var tier = (view.tiers || []).filter(function (t) { return t.id === moved.id; })[0];
      if (!tier) return;
      tier.claimed = moved.claimed;
      if ("waitlist" in moved) tier.waitlist = moved.waitlist;
      (moved.values || []).forEach(function (v) {
        var option = (tier.options || []).filter(function (o) { return o.name === v.option; })[0];
        var value = option && option.values.filter(function (x) { return x.value === v.value; })[0];
        if (value) value.claimed = v.claimed;
      });
    });
    return view;
  }
  function poll() {
    fetch(url).then(function (r) { return r.ok ? r.json() : null; }).then(function (view) {
      if (view) observe(view.server_time, local());
      show(view);
    }, function () {});
  }
  function start() {
    if (stopped || document.hidden) return;
    if (!ticker) ticker = setInterval(tick, 250);
    if (window.EventSource) {
      source = new EventSource(url + "/events?v=2");
      var received = function (event) {
        var view;
        try { view = JSON.parse(event.data); } catch (e) { view = null; }
        var whole = event.type === "progress";
        /* A change needs the whole view before it: without one, connect again, which starts
           with the whole view. */
        if (!whole && (!view || !based)) { based = false; pause(); start(); return; }
        if (view && !whole) view = apply(view);
        if (view) observe(view.server_time, local());
        if (whole) based = !!view && show(view);
        else show(view);
      };
      source.addEventListener("progress", received);
      source.addEventListener("delta", received);
    } else {
      timer = setInterval(poll, 5000);
    }
  }
  function pause() {
    if (source) source.close();
    if (timer) clearInterval(timer);
    if (ticker) clearInterval(ticker);
    source = timer = ticker = null;
  }

  /* The server could not take the plain form yet: it goes again, same key, in a moment. */
  var retry = document.querySelector("form[data-resubmit]");
  if (retry) {
    var attempt = parseInt(retry.dataset.resubmit, 10) || 1;
    /* Never before the second the server asked for (Retry-After: 1), spread beyond it. */
    var wait = 1000 + Math.min(8000, 500 * Math.pow(2, attempt - 1)) * (0.5 + Math.random() * 0.5);
    /* Kept when the wasm takes over: a hydrated form sends itself through the widget. Not
       while the form is closed (a campaign not started yet): its fields would not be sent. */
    var resend = function () {
      var closed = retry.querySelector(".tf-all");
      if (closed && closed.disabled) return setTimeout(resend, 250);
      if (retry.requestSubmit) retry.requestSubmit(); else retry.submit();
    };
    setTimeout(resend, wait);
  }

  document.addEventListener("visibilitychange", function () { if (document.hidden) pause(); else start(); });
  window.tribefundLive = { stop: function () { stopped = true; pause(); } };
  start();
  tick();
})();
