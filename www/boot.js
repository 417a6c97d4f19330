/* Loads the widget's wasm, which hydrates the server-rendered HTML. When wasm cannot run
   (old in-app WebViews, blockers), the page stays as rendered and its form still works. */
if (typeof WebAssembly === "object") {
  import("/pkg/widget.js")
    .then(function (m) { return m.default({ module_or_path: "/pkg/widget_bg.wasm" }); })
    .then(function () { document.documentElement.setAttribute("data-hydrated", ""); })
    .catch(function (e) { console.warn("tribefund: running without wasm", e); });
}
