//! Mail through a real SMTP server (aiosmtpd): a pledge whose contact is an address is
//! mailed once, in the fan's language, with both parts and the campaign as its sender; a
//! server that says "later" is tried again, one that refuses an address for good has it
//! marked undeliverable; a server that is down loses nothing.

use crate::support::limited_campaign;
use serde_json::{Value, json};
use std::time::Duration;
use tests::{Options, SmtpSink, TestApp, free_port, mail_settings, spawn_app_with};

const WAIT: Duration = Duration::from_secs(60);

async fn app_mailing_to(url: &str) -> TestApp {
    let app = spawn_app_with(Options { mail: Some(mail_settings(url)), ..Options::default() }).await;
    app.create_campaign(limited_campaign("mailed", 1000)).await;
    app
}

fn pledge(contact: &str, lang: Option<&str>) -> Value {
    let mut body = json!({
        "tier": "limited", "amount": 1_000, "options": { "size": "S" },
        "name": "Mei <b>", "contact": contact
    });
    if let Some(lang) = lang {
        body["lang"] = json!(lang);
    }
    body
}

async fn pledged(app: &TestApp, body: Value) -> domain::wire::PledgeCreated {
    let response = app.post_pledge("mailed", body.to_string()).await;
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

/// The outbox as `/readyz` tells it.
async fn outbox(app: &TestApp) -> Value {
    app.json("/readyz").await["mail"].clone()
}

#[tokio::test]
async fn a_pledge_is_mailed_once_in_the_fans_language_with_both_parts_and_a_contact_that_is_no_address_is_not()
 {
    let Some(sink) = SmtpSink::start().await else { return };
    let app = app_mailing_to(&sink.url()).await;
    pledged(&app, pledge("+86 138 0013 8000", Some("zh-CN"))).await;
    let created = pledged(&app, pledge("mei@example.com", Some("zh-CN"))).await;

    let mail = sink.wait_for(1, WAIT).await.remove(0);
    let header = |name: &str| mail["headers"][name].as_str().unwrap_or_default().to_owned();
    assert_eq!(mail["rcpt_to"], json!(["mei@example.com"]), "one recipient");
    assert_eq!(header("To"), "mei@example.com");
    assert!(header("From").starts_with("Limited run via "), "the campaign is the sender: {mail}");
    assert!(header("From").ends_with("<mail@fund.test>"), "{mail}");
    assert!(header("Message-ID").ends_with("@fund.test>"), "{mail}");
    assert!(!header("Date").is_empty());
    assert!(header("Subject").starts_with("你对「Limited run」的支持"), "in the fan's language: {mail}");
    let (text, html) = (mail["text"].as_str().unwrap(), mail["html"].as_str().unwrap());
    assert!(text.contains("谢谢你，Mei <b>！"), "the text part is plain: {text}");
    assert!(html.contains("Mei &lt;b&gt;") && !html.contains("Mei <b>"), "the HTML part is escaped: {html}");
    // A link minted for the mail (the pledge's own is kept only as a hash) opens the receipt.
    let link = text.split_whitespace().find(|w| w.contains("/r/")).expect("the receipt link is the way back");
    let receipt = app.json(&format!("/api/v1/receipts/{}", link.rsplit('/').next().unwrap())).await;
    assert_eq!(receipt["id"], created.id.as_str(), "{receipt}");
    assert!(text.contains(&created.share_url));
    let queue = tests::eventually(WAIT, "the outbox records the mail sent", || async {
        let queue = outbox(&app).await;
        (queue["sent"] == 1 && queue["waiting"] == 0).then_some(queue)
    })
    .await;
    assert_eq!(queue["undeliverable"], 0);
    assert_eq!(sink.messages().len(), 1, "the phone number got no mail, and the address one");
}

#[tokio::test]
async fn a_server_that_says_later_is_tried_again_and_an_address_refused_for_good_is_undeliverable() {
    let Some(sink) = SmtpSink::start().await else { return };
    let app = app_mailing_to(&sink.url()).await;
    pledged(&app, pledge("later@example.com", None)).await;
    pledged(&app, pledge("bounce@example.com", None)).await;

    let mails = sink.wait_for(1, WAIT).await;
    assert_eq!(mails[0]["rcpt_to"], json!(["later@example.com"]), "delivered on the second try");
    let queue = tests::eventually(WAIT, "one sent, one undeliverable", || async {
        let queue = outbox(&app).await;
        (queue["sent"] == 1 && queue["undeliverable"] == 1).then_some(queue)
    })
    .await;
    assert_eq!(queue["waiting"], 0);
    assert_eq!(sink.messages().len(), 1, "nothing reached the refused address");

    // The creator sees which contact mail no longer reaches: in the list and the export.
    let backers = app.creator_json("/api/v1/campaigns/mailed/pledges").await;
    let mail_of = |contact: &str| {
        let backer = backers["pledges"].as_array().unwrap().iter().find(|b| b["contact"] == contact).unwrap();
        backer.get("mail").cloned()
    };
    assert_eq!(mail_of("bounce@example.com"), Some(json!("undeliverable")));
    assert_eq!(mail_of("later@example.com"), None);
    let csv = app.creator(reqwest::Method::GET, "/api/v1/campaigns/mailed/pledges.csv", &app.demo_key).send();
    let csv = csv.await.unwrap().text().await.unwrap();
    let bounced = csv.lines().find(|l| l.contains("bounce@example.com")).unwrap();
    assert!(bounced.ends_with(",undeliverable"), "{bounced}");
    let refused = app.creator_json("/api/v1/campaigns/mailed/mails?status=undeliverable").await;
    assert_eq!(refused.as_array().map(Vec::len), Some(1), "{refused}");
    assert_eq!(
        (refused[0]["recipient"].as_str(), refused[0]["kind"].as_str()),
        (Some("bounce@example.com"), Some("pledge_received"))
    );
    assert!(refused[0]["error"].as_str().unwrap().contains("550"), "what the server said: {refused}");
    let all = app.creator_json("/api/v1/campaigns/mailed/mails").await;
    assert_eq!(all.as_array().map(Vec::len), Some(2));
    let wrong =
        app.creator(reqwest::Method::GET, "/api/v1/campaigns/mailed/mails?status=lost", &app.demo_key).send();
    assert_eq!(wrong.await.unwrap().status(), 400);
}

#[tokio::test]
async fn mail_waits_while_the_smtp_server_is_down_and_every_one_arrives_once_when_it_is_back() {
    let port = free_port();
    let app = app_mailing_to(&format!("smtp://127.0.0.1:{port}")).await;
    const PLEDGES: usize = 200;
    for n in 0..PLEDGES {
        pledged(&app, pledge(&format!("fan{n}@example.com"), None)).await;
    }
    tests::eventually(WAIT, "the first tries failed", || async {
        let queue = outbox(&app).await;
        (queue["waiting"] == PLEDGES && queue["oldest_seconds"].as_i64() >= Some(0)).then_some(())
    })
    .await;
    let Some(sink) = SmtpSink::start_on(port).await else { return };
    let mails = sink.wait_for(PLEDGES, Duration::from_secs(120)).await;
    let mut recipients: Vec<&str> = mails.iter().filter_map(|m| m["rcpt_to"][0].as_str()).collect();
    recipients.sort_unstable();
    recipients.dedup();
    assert_eq!(recipients.len(), PLEDGES, "every fan once");
    tests::eventually(WAIT, "the outbox is empty", || async {
        (outbox(&app).await["sent"] == PLEDGES).then_some(())
    })
    .await;
    assert_eq!(sink.messages().len(), PLEDGES, "none twice");
}

#[tokio::test]
async fn find_my_pledges_mails_a_working_link_to_every_receipt_and_answers_alike_for_any_address() {
    let Some(sink) = SmtpSink::start().await else { return };
    let app = app_mailing_to(&sink.url()).await;
    app.create_campaign(limited_campaign("mailed-too", 10)).await;
    pledged(&app, pledge("find@example.com", None)).await;
    let other = app.post_pledge("mailed-too", pledge("find@example.com", None).to_string()).await;
    assert_eq!(other.status(), 201);
    sink.wait_for(2, WAIT).await;

    let ask = |email: &'static str| {
        let app = &app;
        async move {
            let response =
                app.client.post(app.url("/api/v1/receipts/lookup")).json(&json!({ "email": email })).send();
            let response = response.await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    let known = ask("find@example.com").await;
    assert_eq!(known, (202, "{}".to_owned()));
    assert_eq!(ask("nobody@example.com").await, known, "an unknown address is answered alike");
    assert_eq!(ask("find@example.com").await, known, "asking again is answered alike");
    let (status, body) = ask("not an address").await;
    assert_eq!(status, 422);
    assert!(body.contains("invalid_email"), "{body}");

    let mails = sink.wait_for(3, WAIT).await;
    let lookups: Vec<&Value> = mails.iter().filter(|m| m["headers"]["Subject"] == "Your pledges").collect();
    assert_eq!(lookups.len(), 1, "one list, however often asked within ten minutes");
    assert_eq!(lookups[0]["rcpt_to"], json!(["find@example.com"]));
    let text = lookups[0]["text"].as_str().unwrap();
    let links: Vec<&str> = text.split_whitespace().filter(|w| w.contains("/r/")).collect();
    assert_eq!(links.len(), 2, "a link to each receipt: {text}");
    for link in links {
        let token = link.rsplit('/').next().unwrap();
        let receipt = app.json(&format!("/api/v1/receipts/{token}")).await;
        assert_eq!(receipt["name"], "Mei <b>", "the minted link opens the receipt: {receipt}");
    }
    assert!(mails.iter().all(|m| m["rcpt_to"] != json!(["nobody@example.com"])));

    let page = app.text("/receipts?lang=zh-CN").await;
    assert!(page.contains("找回我的支持") && page.contains("name=\"email\""), "{page}");
    let said = app.post_form("/receipts?lang=en", &[("email", "nobody@example.com")]).await;
    assert_eq!(said.status(), 200);
    assert!(said.text().await.unwrap().contains("is on its way"));
}

#[tokio::test]
async fn a_manual_payment_marked_received_is_mailed_to_its_backer_with_a_working_receipt_link() {
    let Some(sink) = SmtpSink::start().await else { return };
    let app = app_mailing_to(&sink.url()).await;
    app.create_campaign(crate::payments::manual("mailed-manual", 10)).await;
    let body = json!({
        "tier": "limited", "amount": 1_000, "options": { "size": "S" },
        "name": "Mei", "contact": "paid@example.com", "lang": "en"
    });
    let response = app.post_pledge("mailed-manual", body.to_string()).await;
    assert_eq!(response.status(), 201);
    let created: domain::wire::PledgeCreated = response.json().await.unwrap();
    let received = sink.wait_for(1, WAIT).await;
    assert!(
        received[0]["text"].as_str().unwrap().contains("with the reference"),
        "how to pay: {}",
        received[0]
    );

    let marked = crate::payments::mark_paid(&app, &app.demo_key, "mailed-manual", &created.id).await;
    assert_eq!(marked.status(), 200);
    let mails = sink.wait_for(2, WAIT).await;
    let paid = &mails[1];
    assert_eq!(paid["headers"]["Subject"], "Payment received: Limited run");
    assert_eq!(paid["rcpt_to"], json!(["paid@example.com"]));
    let text = paid["text"].as_str().unwrap();
    let link = text.split_whitespace().find(|w| w.contains("/r/")).expect("a receipt link");
    let receipt = app.json(&format!("/api/v1/receipts/{}", link.rsplit('/').next().unwrap())).await;
    assert_eq!(receipt["payment"]["status"], "paid", "{receipt}");
    // Marking it again changes nothing, and mails nothing more.
    assert_eq!(
        crate::payments::mark_paid(&app, &app.demo_key, "mailed-manual", &created.id).await.status(),
        200
    );
    tests::eventually(WAIT, "the outbox is empty", || async {
        (outbox(&app).await["waiting"] == 0).then_some(())
    })
    .await;
    assert_eq!(sink.messages().len(), 2);
}

#[tokio::test]
async fn when_a_campaign_ends_each_backer_with_an_address_is_mailed_its_outcome_once() {
    let Some(sink) = SmtpSink::start().await else { return };
    let app = app_mailing_to(&sink.url()).await;
    let ending = |id: &str, goal: i64| domain::wire::CampaignInput {
        survey: None,
        funding: domain::Funding::AllOrNothing,
        goal,
        ..crate::support::campaign_between(id, -60, 3)
    };
    app.create_campaign(ending("ends-funded", 1_000)).await;
    app.create_campaign(ending("ends-missed", 100_000)).await;
    for (campaign, contact) in [("ends-funded", "won@example.com"), ("ends-missed", "lost@example.com")] {
        let response = app.post_pledge(campaign, pledge(contact, Some("en")).to_string()).await;
        assert_eq!(response.status(), 201);
    }
    let response = app.post_pledge("ends-funded", pledge("wechat: mei_88", None).to_string()).await;
    assert_eq!(response.status(), 201);

    let mails = sink.wait_for(4, WAIT).await;
    let to = |address: &str, subject: &str| {
        mails
            .iter()
            .filter(|m| m["rcpt_to"] == json!([address]) && m["headers"]["Subject"] == subject)
            .count()
    };
    assert_eq!(to("won@example.com", "Funded: Limited run"), 1, "{mails:#?}");
    assert_eq!(to("lost@example.com", "Not funded: Limited run"), 1, "{mails:#?}");
    tests::eventually(WAIT, "the outbox is empty", || async {
        (outbox(&app).await["waiting"] == 0).then_some(())
    })
    .await;
    assert_eq!(sink.messages().len(), 4, "two receipts and two outcomes, once each; no mail to a WeChat ID");
}

#[tokio::test]
async fn an_update_reaches_each_backer_once_with_a_one_click_way_out_that_stops_the_next() {
    let Some(sink) = SmtpSink::start().await else { return };
    let app = app_mailing_to(&sink.url()).await;
    pledged(&app, pledge("stay@example.com", None)).await;
    pledged(&app, pledge("leave@example.com", Some("zh-CN"))).await;
    pledged(&app, pledge("leave@example.com", None)).await;
    sink.wait_for(3, WAIT).await;
    let post_update = |title: &'static str| {
        let app = &app;
        async move {
            let path = "/api/v1/campaigns/mailed/updates";
            let body = json!({ "title": title, "body": "Samples <done>.\nShipping in March." });
            let response =
                app.creator(reqwest::Method::POST, path, &app.demo_key).json(&body).send().await.unwrap();
            assert_eq!(response.status(), 201);
        }
    };
    post_update("Samples are in").await;
    let mails = sink.wait_for(5, WAIT).await;
    let updates: Vec<&Value> = mails[3..].iter().collect();
    let mut to: Vec<&str> = updates.iter().filter_map(|m| m["rcpt_to"][0].as_str()).collect();
    to.sort_unstable();
    assert_eq!(to, ["leave@example.com", "stay@example.com"], "one update per address");
    let leave = updates.iter().find(|m| m["rcpt_to"][0] == "leave@example.com").unwrap();
    assert_eq!(leave["headers"]["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click");
    assert!(
        leave["html"].as_str().unwrap().contains("Samples &lt;done&gt;."),
        "the body is escaped: {leave}"
    );
    let header = leave["headers"]["List-Unsubscribe"].as_str().unwrap();
    let url = header.trim_start_matches('<').trim_end_matches('>');

    // A link scanner's GET stops nothing; the mail program's one-click POST does.
    assert!(app.text(url).await.contains("data-testid=\"this\""));
    let out = app.client.post(url).form(&[("List-Unsubscribe", "One-Click")]).send().await.unwrap();
    assert_eq!(out.status(), 200);
    assert_eq!(
        app.client
            .post(format!("{url}x"))
            .form(&[("List-Unsubscribe", "One-Click")])
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    post_update("Production started").await;
    let mails = sink.wait_for(6, WAIT).await;
    assert_eq!(mails[5]["rcpt_to"], json!(["stay@example.com"]));
    tests::eventually(WAIT, "the outbox is empty", || async {
        (outbox(&app).await["waiting"] == 0).then_some(())
    })
    .await;
    assert_eq!(sink.messages().len(), 6, "no update to the address that left");
}

#[tokio::test]
async fn the_sites_endpoints_hear_when_an_address_is_refused_for_good() {
    let Some(sink) = SmtpSink::start().await else { return };
    let app = app_mailing_to(&sink.url()).await;
    let receiver = tests::Receiver::start().await;
    assert_eq!(crate::webhooks::add_endpoint(&app, &receiver.url).await.status(), 201);
    let created = pledged(&app, pledge("bounce-hook@example.com", None)).await;
    let deliveries = crate::webhooks::received(&receiver, 2).await;
    let refused: Vec<&Value> =
        deliveries.iter().map(|d| &d.event).filter(|e| e["type"] == "mail.undeliverable").collect();
    assert_eq!(refused.len(), 1, "{deliveries:?}");
    let data = &refused[0]["data"];
    assert_eq!(
        (data["campaign"].as_str(), data["pledge"].as_str()),
        (Some("mailed"), Some(created.id.as_str()))
    );
    assert_eq!(
        (data["address"].as_str(), data["mail"].as_str()),
        (Some("bounce-hook@example.com"), Some("pledge_received"))
    );
    assert!(data["error"].as_str().unwrap().contains("550"));
}

#[tokio::test]
async fn an_address_refused_for_good_is_mailed_again_once_a_new_pledge_gives_it() {
    let Some(sink) = SmtpSink::start().await else { return };
    let app = app_mailing_to(&sink.url()).await;
    pledged(&app, pledge("onebounce@example.com", None)).await;
    tests::eventually(WAIT, "the first mail given up", || async {
        (outbox(&app).await["undeliverable"] == 1).then_some(())
    })
    .await;
    let undeliverable = || async {
        let backers = app.creator_json("/api/v1/campaigns/mailed/pledges").await;
        backers["pledges"].as_array().unwrap().iter().filter(|b| b["mail"] == "undeliverable").count()
    };
    assert_eq!(undeliverable().await, 1);

    // The backer gives the address again: it is lifted, and this pledge's mail arrives.
    pledged(&app, pledge("onebounce@example.com", None)).await;
    let mails = sink.wait_for(1, WAIT).await;
    assert_eq!(mails[0]["rcpt_to"], json!(["onebounce@example.com"]));
    assert_eq!(undeliverable().await, 0, "neither pledge shows the address undeliverable any more");
}

#[tokio::test]
async fn every_mail_is_signed_with_dkim_and_an_update_signs_its_way_out_too() {
    let Some(sink) = SmtpSink::start_checking_dkim().await else { return };
    let app = spawn_app_with(Options {
        mail: Some(tests::signed_mail_settings(&sink.url())),
        ..Options::default()
    })
    .await;
    app.create_campaign(limited_campaign("signed", 100)).await;
    assert_eq!(app.post_pledge("signed", pledge("signed@example.com", None).to_string()).await.status(), 201);
    let update = json!({ "title": "Samples <in>", "body": "Walnut 胡桃" });
    let posted = app.creator(reqwest::Method::POST, "/api/v1/campaigns/signed/updates", &app.demo_key);
    assert_eq!(posted.json(&update).send().await.unwrap().status(), 201);

    let mails = sink.wait_for(2, WAIT).await;
    for mail in &mails {
        assert_eq!(mail["dkim"], true, "the signature verifies with dkimpy: {}", mail["raw"]);
        let signature = mail["headers"]["DKIM-Signature"].as_str().unwrap().to_ascii_lowercase();
        assert!(signature.contains("d=fund.test") && signature.contains("s=test"), "{signature}");
    }
    let update = mails.iter().find(|m| m["headers"]["List-Unsubscribe"].is_string()).expect("the update");
    let signature = update["headers"]["DKIM-Signature"].as_str().unwrap().to_ascii_lowercase();
    assert!(signature.contains("list-unsubscribe-post"), "RFC 8058 wants the way out signed: {signature}");

    // The check is real: a mail signed by no one does not pass it.
    let unsigned =
        spawn_app_with(Options { mail: Some(mail_settings(&sink.url())), ..Options::default() }).await;
    unsigned.create_campaign(limited_campaign("unsigned", 100)).await;
    assert_eq!(
        unsigned.post_pledge("unsigned", pledge("plain@example.com", None).to_string()).await.status(),
        201
    );
    let mails = sink.wait_for(3, WAIT).await;
    assert_eq!(mails[2]["dkim"], false);
}

#[tokio::test]
async fn an_update_waiting_for_a_mail_server_that_is_down_is_withdrawn_when_its_address_unsubscribes() {
    let port = free_port();
    let Some(sink) = SmtpSink::start_on(port).await else { return };
    let app = app_mailing_to(&sink.url()).await;
    pledged(&app, pledge("leave@example.com", None)).await;
    let path = "/api/v1/campaigns/mailed/updates";
    let post_update = |title: &'static str| {
        app.creator(reqwest::Method::POST, path, &app.demo_key)
            .json(&json!({ "title": title, "body": "News" }))
            .send()
    };
    assert_eq!(post_update("First").await.unwrap().status(), 201);
    let mails = sink.wait_for(2, WAIT).await;
    let update = mails.iter().find(|m| m["headers"]["List-Unsubscribe"].is_string()).expect("the update");
    let header = update["headers"]["List-Unsubscribe"].as_str().unwrap().to_owned();
    drop(sink);

    assert_eq!(post_update("Second").await.unwrap().status(), 201);
    tests::eventually(WAIT, "the second update waits for the server", || async {
        (outbox(&app).await["waiting"] == 1).then_some(())
    })
    .await;
    let url = header.trim_start_matches('<').trim_end_matches('>');
    let out = app.client.post(url).form(&[("List-Unsubscribe", "One-Click")]).send().await.unwrap();
    assert_eq!(out.status(), 200);
    tests::eventually(WAIT, "the waiting update is withdrawn", || async {
        (outbox(&app).await["waiting"] == 0).then_some(())
    })
    .await;
    let listed = app.creator_json("/api/v1/campaigns/mailed/mails?status=waiting").await;
    assert_eq!(listed, json!([]), "nothing left to send to the address that left");
}

#[tokio::test]
async fn a_manual_pledges_mail_carries_the_collection_code_inline_and_links_it_in_the_text() {
    let Some(sink) = SmtpSink::start().await else { return };
    let app = app_mailing_to(&sink.url()).await;
    app.create_campaign(crate::payments::manual("coded", 10)).await;
    let path = "/api/v1/campaigns/coded/payment-qr";
    let put = app.creator(reqwest::Method::PUT, path, &app.demo_key).header("content-type", "image/png");
    assert_eq!(put.body(crate::editor::png()).send().await.unwrap().status(), 200);
    let body = pledge("coded@example.com", Some("en"));
    assert_eq!(app.post_pledge("coded", body.to_string()).await.status(), 201);

    let mail = sink.wait_for(1, WAIT).await.remove(0);
    let (raw, html) = (mail["raw"].as_str().unwrap(), mail["html"].as_str().unwrap());
    assert!(raw.contains("multipart/related"), "the HTML and its image travel together");
    assert!(raw.contains("Content-ID: <code>") && raw.contains("Content-Type: image/png"), "{raw}");
    assert!(html.contains("src=\"cid:code\""), "{html}");
    let text = mail["text"].as_str().unwrap();
    assert!(text.contains("Collection code: http") && text.contains("/covers/"), "{text}");
}
