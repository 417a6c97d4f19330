/* tribefund loader. Embed a campaign with one line:
   <script src="https://YOUR-TRIBEFUND-HOST/embed.js" data-campaign="demo" async></script>
   Optional: data-lang="zh-CN|en", data-theme="light|dark|auto", data-accent="#d2462c" (darkened by
   the server if white text on it would be hard to read). The host page's ?ref= and ?src=
   are passed on, and so is the page's address (without its query). The widget fills the first empty
   <div class="tribefund" data-campaign="demo"> on the page, or goes right after this script. */
(function () {
  var s = document.currentScript, id = s && s.getAttribute("data-campaign");
  if (!id || !/^[a-z0-9-]{1,64}$/.test(id)) return;
  var origin = new URL(s.src).origin, q = new URLSearchParams();
  q.set("lang", s.getAttribute("data-lang") || navigator.language || "en");
  if (s.getAttribute("data-theme")) q.set("theme", s.getAttribute("data-theme"));
  if (s.getAttribute("data-accent")) q.set("accent", s.getAttribute("data-accent").replace(/^#/, ""));
  var here = new URLSearchParams(location.search), ref = here.get("ref"), src = here.get("src");
  if (ref) q.set("ref", ref);
  if (src) q.set("src", src);
  // The post the widget is in, so a creator sees which post brought each pledge (no query).
  q.set("host", location.origin + location.pathname);
  var f = document.createElement("iframe");
  // A widget far down a long post loads only as the reader nears it.
  f.loading = "lazy";
  f.src = origin + "/embed/" + id + "?" + q;
  f.title = s.getAttribute("data-title") || "tribefund";
  f.style.cssText = "display:block;width:100%;height:420px;border:0;color-scheme:normal";
  var slot = document.querySelector('.tribefund[data-campaign="' + id + '"]:empty');
  if (slot) slot.appendChild(f); else s.parentNode.insertBefore(f, s.nextSibling);
  addEventListener("message", function (e) {
    var d = e.data;
    if (e.origin !== origin || e.source !== f.contentWindow || !d || d.type !== "tribefund:resize") return;
    if (typeof d.height === "number" && d.height > 0) f.style.height = Math.min(Math.ceil(d.height), 20000) + "px";
  });
})();
