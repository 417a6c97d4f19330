/* Loads the widget's wasm when the reader shows intent (a tap, a key, a focus, a pointer
   over the widget), so a reader who only looks downloads none of it: the server-rendered
   page shows the progress, `live.js` moves it, and its form works on its own. When the wasm
   is missing or fails to compile (old in-app WebViews), the page simply stays as it is.
   What was typed meanwhile is kept: the wasm reads the form as it stands. */
(function () {
  if (typeof WebAssembly !== "object") return;
  // The glue and the wasm under their content-hashed names, from the script tag.
  var me = document.currentScript;
  var glue = (me && me.getAttribute("data-glue")) || "/pkg/widget.js";
  var wasm = (me && me.getAttribute("data-wasm")) || "/pkg/widget_bg.wasm";
  var started = false;
  var intents = ["pointerdown", "touchstart", "keydown", "focusin", "mouseover"];
  function start() {
    if (started) return;
    started = true;
    intents.forEach(function (kind) { document.removeEventListener(kind, start, true); });
    // Hydrate from the newest numbers live.js has seen, so nothing moves backwards.
    var props = document.getElementById("tf-props");
    var live = window.tribefundLive;
    if (props && live && live.latest) {
      try {
        var data = JSON.parse(props.textContent);
        data.campaign = live.latest;
        props.textContent = JSON.stringify(data);
      } catch (e) { /* keep the server's props */ }
    }
    import(glue)
      .then(function (m) { return m.default({ module_or_path: wasm }); })
      .then(function () {
        if (live) live.stop();
        document.documentElement.setAttribute("data-hydrated", "");
        // For measuring on real phones (and `cargo xtask bench phone`): when the form answers.
        if (window.performance && performance.mark) performance.mark("tribefund:interactive");
      })
      .catch(function (e) { console.warn("tribefund: running without wasm", e); });
  }
  intents.forEach(function (kind) { document.addEventListener(kind, start, { capture: true, passive: true }); });
  window.tribefundStart = start;
})();
