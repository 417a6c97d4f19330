//! A fan pays through Stripe's Card Element inside the widget's iframe, embedded in a blog
//! on another origin, in real headless Chromium against localstripe (which serves its own
//! Stripe.js with a working Card Element and `confirmCardSetup`).

use crate::browser::{WAIT, fill, hydrated, submit_pledge, text};
use crate::support::limited_campaign;
use domain::wire::CampaignInput;
use domain::{Funding, PaymentMode};
use fantoccini::{Client, Locator};
use reqwest::Method;
use tests::cards::{CARD_DECLINED, CARD_OK};
use tests::{Browser, Localstripe, Options, eventually};

/// Types a card into the card form's frame (which the client is in) and saves it.
async fn type_card(c: &Client, number: &str) {
    let fields = [
        ("number", number),
        ("exp_month", "12"),
        ("exp_year", "34"),
        ("cvc", "123"),
        ("postal_code", "10001"),
    ];
    for (field, value) in fields {
        let css = format!("[data-testid=card-field] input[placeholder={field}]");
        let input =
            eventually(WAIT, "the Card Element", || async { c.find(Locator::Css(&css)).await.ok() }).await;
        input.clear().await.unwrap();
        input.send_keys(value).await.unwrap();
    }
    c.find(Locator::Css("[data-testid=card-save]")).await.unwrap().click().await.unwrap();
}

#[tokio::test]
async fn a_fan_saves_a_card_in_the_embedded_widget_and_a_flexible_campaign_is_paid() {
    let Some(stripe) = Localstripe::start().await else { return };
    let app = tests::spawn_app_with(Options { stripe: Some(stripe.settings()), ..Options::default() }).await;
    let campaign = CampaignInput {
        survey: None,
        payments: PaymentMode::Stripe,
        funding: Funding::Flexible,
        ..limited_campaign("studio", 10)
    };
    let created =
        app.creator(Method::POST, "/api/v1/campaigns", &app.demo_key).json(&campaign).send().await.unwrap();
    assert_eq!(created.status(), 201);

    let browser = Browser::start(&["--lang=en-US"]).await.expect("Chromium starts");
    let c = &browser.client;
    // A blog on another origin embeds the campaign with the one line of HTML.
    let host_origin = app.address.replace("127.0.0.1", "localhost");
    c.goto(&format!("{host_origin}/assets/widget.css")).await.unwrap();
    let page = format!(
        "document.open(); document.write('<!doctype html><body><h1>A potter\\'s blog</h1>\
         <div class=\"tribefund\" data-campaign=\"studio\"></div>\
         <script src=\"{}/embed.js\" data-campaign=\"studio\" data-lang=\"en\"></script></body>'); document.close();",
        app.address
    );
    c.execute(&page, vec![]).await.unwrap();
    let widget = eventually(WAIT, "the widget's iframe", || async {
        c.find(Locator::Css(".tribefund iframe")).await.ok()
    })
    .await;
    widget.enter_frame().await.unwrap();
    hydrated(c).await;

    c.find(Locator::Css("[data-tier=limited] input[type=radio]")).await.unwrap().click().await.unwrap();
    fill(c, "name", "Card Fan").await;
    fill(c, "contact", "card@example.com").await;
    submit_pledge(c).await;
    let card_frame = eventually(WAIT, "the card form", || async {
        c.find(Locator::Css("[data-testid=card-frame]")).await.ok()
    })
    .await;
    assert_eq!(app.campaign("studio").await.raised, 0, "nothing counts before the card is saved");

    card_frame.enter_frame().await.unwrap();
    // A card declined when saved: the fan is told, and tries another.
    type_card(c, CARD_DECLINED).await;
    let why = eventually(WAIT, "the decline shown", || async {
        text(c, "[data-testid=card-error]").await.filter(|t| !t.is_empty())
    })
    .await;
    assert!(why.contains("declined"), "{why}");
    type_card(c, CARD_OK).await;

    // The widget hears of the payment from its card form.
    c.enter_parent_frame().await.unwrap();
    eventually(WAIT, "the payment made", || async {
        c.find(Locator::Css("[data-testid=payment][data-status=paid]")).await.ok()
    })
    .await;
    assert_eq!(app.campaign("studio").await.raised, 1_000);
    let charges = stripe.payment_intents().await;
    assert_eq!(charges.len(), 1, "{charges:?}");
    assert_eq!(charges[0]["amount"], 1_000);
    browser.close().await;
}
