/* Runs inside the embed iframe, with or without the wasm: tells the host page's loader how
   tall the widget is. The loader accepts the message only from our origin and this frame. */
(function () {
  if (window.parent === window) return;
  var last = 0;
  function post() {
    var h = Math.ceil(document.body.getBoundingClientRect().height);
    if (h !== last) {
      last = h;
      window.parent.postMessage({ type: "tribefund:resize", height: h }, "*");
    }
  }
  if (window.ResizeObserver) new ResizeObserver(post).observe(document.body);
  else setInterval(post, 500);
  addEventListener("load", post);
  post();
})();
