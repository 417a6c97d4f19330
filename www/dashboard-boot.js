/* Loads the dashboard's own wasm (never the widget's), which hydrates the server-rendered
   page. Without it the dashboard is still readable and its forms still post. */
if (typeof WebAssembly === "object") {
  import("/pkg/dashboard.js")
    .then(function (m) { return m.default({ module_or_path: "/pkg/dashboard_bg.wasm" }); })
    .then(function () { document.documentElement.setAttribute("data-hydrated", ""); })
    .catch(function (e) { console.warn("tribefund dashboard: running without wasm", e); });
}
