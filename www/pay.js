/* The card form (`/pay/{token}`), framed by the widget and the receipt page: Stripe's Card
   Element and `confirmCardSetup`, kept apart from the widget's own code. Each try asks the
   server for the SetupIntent's secret, confirms the card with Stripe, then has the server
   read the intent back from Stripe; the framing page is told the payment's new status. */
(function () {
  var body = document.body, data = body.dataset;
  var form = document.getElementById("pay"), error = document.getElementById("error");
  var button = form.querySelector("button");
  var stripe = null, card = null;

  function show(text) {
    error.textContent = text || "";
    error.hidden = !text;
  }
  function tell(message) {
    if (window.parent !== window) window.parent.postMessage(message, location.origin);
  }
  function height() {
    tell({ type: "tribefund:pay-height", height: Math.ceil(document.documentElement.getBoundingClientRect().height) });
  }
  function post(path) {
    return fetch(path, { method: "POST" }).then(function (r) {
      return r.json().then(function (json) {
        if (!r.ok) throw new Error(json.detail || data.unavailable);
        return json;
      });
    });
  }

  var script = document.createElement("script");
  script.src = data.stripeJs;
  script.onload = function () {
    stripe = window.Stripe(data.key);
    card = stripe.elements().create("card");
    card.mount("#card");
    button.disabled = false;
    height();
  };
  script.onerror = function () { show(data.unavailable); height(); };
  document.head.appendChild(script);
  if (window.ResizeObserver) new ResizeObserver(height).observe(document.documentElement);

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!stripe) return;
    button.disabled = true;
    show("");
    var base = "/api/v1/receipts/" + data.token + "/payment";
    post(base)
      .then(function (started) {
        return stripe.confirmCardSetup(started.client_secret, { payment_method: { card: card } });
      })
      .then(function (result) {
        if (result.error) throw new Error(result.error.message || data.unavailable);
        return post(base + "/confirm");
      })
      .then(function (payment) {
        tell({ type: "tribefund:payment", payment: payment });
        if (payment.status === "paid" || payment.status === "secured") {
          form.textContent = payment.status === "paid" ? data.paid : data.saved;
          form.setAttribute("data-status", payment.status);
        }
      })
      .catch(function (e) { show((e && e.message) || data.unavailable); })
      .then(function () { button.disabled = false; height(); });
  });
})();
