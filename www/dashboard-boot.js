/* Loads the dashboard's own wasm (never the widget's), which hydrates the server-rendered
   page. Without it the dashboard is still readable and its forms still post. The glue and
   the wasm come under their content-hashed names, from the script tag. */
(function () {
  if (typeof WebAssembly !== "object") return;
  var me = document.currentScript;
  var glue = (me && me.getAttribute("data-glue")) || "/pkg/dashboard.js";
  var wasm = (me && me.getAttribute("data-wasm")) || "/pkg/dashboard_bg.wasm";
  import(glue)
    .then(function (m) { return m.default({ module_or_path: wasm }); })
    .then(function () { document.documentElement.setAttribute("data-hydrated", ""); })
    .catch(function (e) { console.warn("tribefund dashboard: running without wasm", e); });
})();
