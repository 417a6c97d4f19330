/* Runs inside the embed iframe, with or without the wasm: tells the host page's loader how
   tall the widget is. The loader accepts the message only from our origin and this frame.

   A link pasted into WordPress without the tribefund plugin is embedded sandboxed
   (`sandbox="allow-scripts"`, `#?secret=…` in the address): the frame has no origin of its
   own, so no storage, no live stream, no wasm, and no form may be sent. There the widget
   speaks WordPress's embed protocol: it tells its height as `{message:"height",value,secret}`,
   and its pledge button and links ask WordPress to open the share page in the reader's
   window (`{message:"link",value,secret}`), where pledging works. */
(function () {
  if (window.parent === window) return;
  var found = /[#&?]secret=([A-Za-z0-9]{10})/.exec(location.hash), secret = found && found[1];
  var sandboxed = secret && window.origin === "null";
  var last = 0;
  function post() {
    var h = Math.ceil(document.body.getBoundingClientRect().height);
    if (h !== last) {
      last = h;
      window.parent.postMessage({ type: "tribefund:resize", height: h }, "*");
      if (secret) window.parent.postMessage({ message: "height", value: h, secret: secret }, "*");
    }
  }
  if (window.ResizeObserver) new ResizeObserver(post).observe(document.body);
  else setInterval(post, 500);
  addEventListener("load", post);
  post();
  if (!sandboxed) return;

  var id = (/^\/embed\/([a-z0-9-]{1,64})/.exec(location.pathname) || [])[1];
  var share = location.protocol + "//" + location.host + "/c/" + id + "?src=wordpress";
  function open(url) {
    window.parent.postMessage({ message: "link", value: url, secret: secret }, "*");
  }
  // The pledge button opens the share page instead; its words say so.
  var zh = /^zh/.test(document.documentElement.lang);
  var buttons = document.querySelectorAll(".tf-submit");
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].textContent = zh ? "打开页面支持 ↗" : "Open to pledge ↗";
    buttons[i].setAttribute("data-opens", "share");
  }
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest(".tf-submit, a[href]");
    if (!button) return;
    e.preventDefault();
    if (button.href) {
      var to = new URL(button.href, location.href);
      // WordPress opens only links to the frame's own host.
      if (to.host === location.host) open(to.href);
    } else {
      open(share);
    }
  }, true);
})();
