// Stripe's Card Element inside the widget's frame: Stripe.js is loaded only when a backer
// has a card to save, from the address the server names (the page's CSP allows exactly it).
let loading = null;

function load(url) {
  if (window.Stripe) return Promise.resolve();
  if (!loading) {
    loading = new Promise(function (resolve, reject) {
      const script = document.createElement("script");
      script.src = url;
      script.onload = resolve;
      script.onerror = function () {
        loading = null;
        reject(new Error("Stripe.js did not load"));
      };
      document.head.appendChild(script);
    });
  }
  return loading;
}

export async function mountCard(url, key, element) {
  await load(url);
  const stripe = window.Stripe(key);
  const card = stripe.elements().create("card");
  card.mount(element);
  return { stripe: stripe, card: card };
}

// Saves the card with the SetupIntent's secret: "" when saved, else why not.
export async function confirmCard(handle, secret, name) {
  try {
    const result = await handle.stripe.confirmCardSetup(secret, {
      payment_method: { card: handle.card, billing_details: { name: name } },
    });
    return result.error ? result.error.message || "declined" : "";
  } catch (e) {
    return String((e && e.message) || e);
  }
}
