//! The receipt page's delivery part, drawn by the server below the widget (the wasm carries
//! none of it): where the reward stands, the survey's link, each parcel with its carrier's
//! tracking link, and the "Received" button once something has shipped. `www/delivery.js`
//! keeps it current: the page reloads when a parcel is recorded while it is open.

use crate::http::render::escape;
use domain::delivery::DeliveryState;
use domain::wire::ReceiptView;
use widget::i18n::Lang;

/// The part for `view` (opened with `token`), empty when nothing is delivered or asked;
/// `script` is the address of `delivery.js`.
pub(crate) fn on_receipt(view: &ReceiptView, token: &str, lang: Lang, script: &str) -> String {
    if view.delivery == DeliveryState::NotNeeded && view.survey == "not_needed" {
        return String::new();
    }
    let zh = lang == Lang::ZhCn;
    let tag = lang.tag();
    let pick = |en: &'static str, cn: &'static str| if zh { cn } else { en };
    let state = match view.delivery {
        DeliveryState::NotNeeded => "",
        DeliveryState::AwaitingSurvey => pick("Waiting for your address", "等待填写收货地址"),
        DeliveryState::Ready => pick("Ready to ship", "待发货"),
        DeliveryState::Shipped => pick("Shipped", "已发货"),
        DeliveryState::Delivered => pick("Delivered", "已送达"),
    };
    let mut out = format!(
        "<section class=\"tf tf-light tf-delivery\" aria-labelledby=\"tf-delivery\" data-testid=\"delivery\" \
         data-state=\"{}\"><h2 id=\"tf-delivery\">{}</h2>",
        view.delivery.as_str(),
        pick("Delivery", "寄送"),
    );
    if !state.is_empty() {
        out.push_str(&format!("<p class=\"tf-delivery-state\">{state}</p>"));
    }
    if view.survey != "not_needed" {
        let link = match view.survey.as_str() {
            "complete" => pick("See or change your answers", "查看或修改问卷"),
            _ => pick("Fill in the survey", "填写问卷"),
        };
        out.push_str(&format!(
            "<p><a href=\"/r/{token}/survey?lang={tag}\" data-testid=\"survey-link\">{link}</a></p>"
        ));
    }
    if !view.shipments.is_empty() {
        out.push_str("<ul class=\"tf-parcels\">");
        for parcel in &view.shipments {
            let carrier = escape(&domain::carriers::display(&parcel.carrier, zh));
            let number = escape(&parcel.tracking_number);
            let items = if parcel.items.is_empty() {
                String::new()
            } else {
                format!(" · {}", escape(&parcel.items))
            };
            let track = parcel.tracking_url.as_deref().map_or_else(String::new, |url| {
                format!(
                    " <a href=\"{}\" target=\"_blank\" rel=\"noopener noreferrer\" data-testid=\"track\">{}</a>",
                    escape(url),
                    pick("Track", "查看物流")
                )
            });
            out.push_str(&format!("<li>{carrier} {number}{items}{track}</li>"));
        }
        out.push_str("</ul>");
    }
    if view.delivery == DeliveryState::Shipped {
        out.push_str(&format!(
            "<form method=\"post\" action=\"/r/{token}/received?lang={tag}\"><button type=\"submit\" \
             class=\"tf-submit\" data-testid=\"received\">{}</button></form>",
            pick("I received it", "确认收货")
        ));
    }
    if view.delivery == DeliveryState::Delivered || view.status == "cancelled" {
        out.push_str(&format!(
            "<form method=\"post\" action=\"/r/{token}/erase?lang={tag}\"><p>{}</p><button type=\"submit\" \
             class=\"tf-secondary\" data-testid=\"erase\">{}</button></form>",
            pick(
                "Your name, contact, address and answers can now be erased; your pledge stays counted.",
                "现在可以删除你的姓名、联系方式、地址和问卷回答；你的支持仍会计入总数。"
            ),
            pick("Erase my personal data", "删除我的个人信息")
        ));
    }
    out.push_str("</section>");
    out.push_str(&format!("<script src=\"{}\" defer></script>", escape(script)));
    out
}
