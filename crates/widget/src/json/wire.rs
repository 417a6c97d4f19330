//! The shapes the widget reads, each as the server's serde attributes write it (`default`
//! members fall back the same way), and the two it writes. `json/tests.rs` checks every
//! one against serde.

use super::{FromJson, Json};
use crate::form::FormState;
use crate::i18n::Lang;
use crate::props::{AppProps, Page, Receipt, Theme};
use domain::wire::{
    CampaignView, Leader, OptionView, OptionsChoice, PaymentInfo, PledgeCreated, PledgeRequest, Problem,
    RawAmount, ReceiptView, StretchGoal, TierView, UpdateNotice, ValueView, WallEntry,
};
use domain::{Currency, FieldError, Funding, ManualPayment, PaymentMode, Status, Timestamp, Unmade};
use std::collections::BTreeMap;

/// Enums written as their name.
macro_rules! named {
    ($($ty:ty => $parse:expr),* $(,)?) => {
        $(impl FromJson for $ty {
            fn from_json(json: &Json) -> Option<Self> {
                json.str().and_then($parse)
            }
        })*
    };
}

named! {
    Timestamp => Timestamp::parse,
    domain::Moment => domain::Moment::parse,
    Currency => Currency::parse,
    Funding => Funding::parse,
    Status => Status::parse,
    PaymentMode => PaymentMode::parse,
    Unmade => Unmade::parse,
    Theme => Theme::parse,
    Lang => |tag: &str| [Lang::En, Lang::ZhCn].into_iter().find(|lang| lang.tag() == tag),
    Page => |name: &str| match name {
        "embed" => Some(Page::Embed),
        "share" => Some(Page::Share),
        _ => None,
    },
}

impl FromJson for CampaignView {
    fn from_json(j: &Json) -> Option<Self> {
        Some(CampaignView {
            id: j.req("id")?,
            title: j.req("title")?,
            summary: j.req("summary")?,
            currency: j.req("currency")?,
            goal: j.req("goal")?,
            raised: j.req("raised")?,
            backers: j.req("backers")?,
            starts_at: j.req("starts_at")?,
            ends_at: j.req("ends_at")?,
            funding: j.req("funding")?,
            status: j.req("status")?,
            seq: j.req("seq")?,
            tiers: j.req("tiers")?,
            stretch_goals: j.def("stretch_goals")?,
            latest_update: j.opt("latest_update")?,
            cover: j.opt("cover")?,
            leaders: j.def("leaders")?,
            wall: j.def("wall")?,
            milestones: j.def("milestones")?,
            max_pledge: j.opt("max_pledge")?,
            payments: j.def("payments")?,
            manual_payment: j.opt("manual_payment")?,
            pledged: j.def("pledged")?,
            unmade: j.def("unmade")?,
            server_time: j.opt("server_time")?,
        })
    }
}

impl FromJson for domain::delta::ProgressDelta {
    fn from_json(j: &Json) -> Option<Self> {
        Some(domain::delta::ProgressDelta {
            seq: j.req("seq")?,
            server_time: j.opt("server_time")?,
            raised: j.opt("raised")?,
            pledged: j.opt("pledged")?,
            backers: j.opt("backers")?,
            status: j.opt("status")?,
            tiers: j.def("tiers")?,
            leaders: j.opt("leaders")?,
            wall: j.opt("wall")?,
        })
    }
}

impl FromJson for domain::delta::TierDelta {
    fn from_json(j: &Json) -> Option<Self> {
        Some(domain::delta::TierDelta {
            id: j.req("id")?,
            claimed: j.req("claimed")?,
            waitlist: j.opt("waitlist")?,
            values: j.def("values")?,
        })
    }
}

impl FromJson for domain::delta::ValueDelta {
    fn from_json(j: &Json) -> Option<Self> {
        Some(domain::delta::ValueDelta {
            option: j.req("option")?,
            value: j.req("value")?,
            claimed: j.req("claimed")?,
        })
    }
}

impl FromJson for TierView {
    fn from_json(j: &Json) -> Option<Self> {
        Some(TierView {
            id: j.req("id")?,
            title: j.req("title")?,
            price: j.req("price")?,
            limit: j.opt("limit")?,
            claimed: j.req("claimed")?,
            waitlist: j.or("waitlist", 0)?,
            per_backer: j.or("per_backer", 1)?,
            available_from: j.opt("available_from")?,
            available_until: j.opt("available_until")?,
            options: j.def("options")?,
            ships: j.or("ships", false)?,
            shipping: j.def("shipping")?,
        })
    }
}

impl FromJson for domain::ShippingPrice {
    fn from_json(j: &Json) -> Option<Self> {
        Some(domain::ShippingPrice { to: j.req("to")?, price: j.req("price")? })
    }
}

impl FromJson for OptionView {
    fn from_json(j: &Json) -> Option<Self> {
        Some(OptionView { name: j.req("name")?, values: j.req("values")? })
    }
}

impl FromJson for ValueView {
    fn from_json(j: &Json) -> Option<Self> {
        Some(ValueView { value: j.req("value")?, min_batch: j.opt("min_batch")?, claimed: j.req("claimed")? })
    }
}

impl FromJson for domain::milestones::Milestone {
    fn from_json(j: &Json) -> Option<Self> {
        let state: String = j.req("state")?;
        Some(domain::milestones::Milestone {
            id: j.req("id")?,
            title: j.req("title")?,
            due: j.opt("due")?,
            state: domain::milestones::MilestoneState::parse(&state)?,
        })
    }
}

impl FromJson for StretchGoal {
    fn from_json(j: &Json) -> Option<Self> {
        Some(StretchGoal { amount: j.req("amount")?, label: j.req("label")? })
    }
}

impl FromJson for UpdateNotice {
    fn from_json(j: &Json) -> Option<Self> {
        Some(UpdateNotice { id: j.req("id")?, title: j.req("title")?, published_at: j.req("published_at")? })
    }
}

impl FromJson for Leader {
    fn from_json(j: &Json) -> Option<Self> {
        Some(Leader { name: j.opt("name")?, recruits: j.req("recruits")?, amount: j.req("amount")? })
    }
}

impl FromJson for WallEntry {
    fn from_json(j: &Json) -> Option<Self> {
        Some(WallEntry { name: j.req("name")?, message: j.opt("message")?, created_at: j.req("created_at")? })
    }
}

impl FromJson for ManualPayment {
    fn from_json(j: &Json) -> Option<Self> {
        Some(ManualPayment {
            instructions: j.req("instructions")?,
            expires_after_hours: j.or("expires_after_hours", 72)?,
            qr: j.opt("qr")?,
        })
    }
}

impl FromJson for PaymentInfo {
    fn from_json(j: &Json) -> Option<Self> {
        Some(PaymentInfo {
            status: j.req("status")?,
            reference: j.opt("reference")?,
            instructions: j.opt("instructions")?,
            qr: j.opt("qr")?,
            due_at: j.opt("due_at")?,
            client_secret: j.opt("client_secret")?,
            publishable_key: j.opt("publishable_key")?,
            stripe_js: j.opt("stripe_js")?,
        })
    }
}

impl FromJson for ReceiptView {
    fn from_json(j: &Json) -> Option<Self> {
        Some(ReceiptView {
            id: j.req("id")?,
            campaign: j.req("campaign")?,
            name: j.req("name")?,
            amount: j.req("amount")?,
            tier: j.opt("tier")?,
            quantity: j.req("quantity")?,
            options: j.req("options")?,
            status: j.req("status")?,
            referral_code: j.req("referral_code")?,
            share_url: j.req("share_url")?,
            recruits: j.req("recruits")?,
            recruited_amount: j.req("recruited_amount")?,
            payment: j.opt("payment")?,
            choose_by: j.opt("choose_by")?,
            ship_to: j.opt("ship_to")?,
            shipping: j.def("shipping")?,
            // Delivery (its state, parcels and the timeline) is drawn by the server's
            // receipt page, not the widget: the wasm does not read it.
            delivery: Default::default(),
            survey: j.def("survey")?,
            shipments: Vec::new(),
            milestones: Vec::new(),
        })
    }
}

impl FromJson for PledgeCreated {
    fn from_json(j: &Json) -> Option<Self> {
        Some(PledgeCreated {
            id: j.req("id")?,
            amount: j.req("amount")?,
            referral_code: j.req("referral_code")?,
            share_url: j.req("share_url")?,
            receipt_url: j.req("receipt_url")?,
            payment: j.opt("payment")?,
        })
    }
}

impl FromJson for Problem {
    fn from_json(j: &Json) -> Option<Self> {
        Some(Problem {
            kind: j.req("type")?,
            title: j.req("title")?,
            status: j.req("status")?,
            detail: j.req("detail")?,
            errors: j.def("errors")?,
            codes: j.def("codes")?,
            retry_after: j.opt("retry_after")?,
        })
    }
}

impl FromJson for FieldError {
    fn from_json(j: &Json) -> Option<Self> {
        Some(FieldError::from(domain::invalid::Code {
            code: j.req("code")?,
            max: j.def("max")?,
            price: j.def("price")?,
            amount: j.def("amount")?,
            max_days: j.def("max_days")?,
            claimed: j.def("claimed")?,
        }))
    }
}

impl FromJson for AppProps {
    fn from_json(j: &Json) -> Option<Self> {
        Some(AppProps {
            campaign: j.req("campaign")?,
            lang: j.req("lang")?,
            theme: j.req("theme")?,
            page: j.req("page")?,
            now: j.req("now")?,
            form: j.req("form")?,
            receipt: j.opt("receipt")?,
            wechat: j.def("wechat")?,
            accent: j.opt("accent")?,
            places: j.def("places")?,
        })
    }
}

impl FromJson for Receipt {
    fn from_json(j: &Json) -> Option<Self> {
        Some(Receipt {
            pledge_id: j.req("pledge_id")?,
            name: j.req("name")?,
            amount: j.req("amount")?,
            tier: j.opt("tier")?,
            quantity: j.req("quantity")?,
            options: j.req("options")?,
            share_url: j.req("share_url")?,
            receipt_url: j.req("receipt_url")?,
            cancel_action: j.opt("cancel_action")?,
            cancelled: j.req("cancelled")?,
            recruits: j.def("recruits")?,
            recruited_amount: j.def("recruited_amount")?,
            payment: j.opt("payment")?,
            choose_by: j.opt("choose_by")?,
            choose_action: j.opt("choose_action")?,
            choose_problem: j.opt("choose_problem")?,
            ship_to: j.opt("ship_to")?,
            shipping: j.def("shipping")?,
        })
    }
}

impl FromJson for FormState {
    fn from_json(j: &Json) -> Option<Self> {
        Some(FormState {
            tier: j.req("tier")?,
            amount: j.req("amount")?,
            quantity: j.req("quantity")?,
            options: j.req("options")?,
            name: j.req("name")?,
            contact: j.req("contact")?,
            public: j.req("public")?,
            message: j.req("message")?,
            referral: j.req("referral")?,
            source: j.def("source")?,
            host: j.def("host")?,
            idempotency_key: j.req("idempotency_key")?,
            form_token: j.def("form_token")?,
            ship_to: j.def("ship_to")?,
            picked: j.def("picked")?,
            errors: j.req("errors")?,
            problem: j.opt("problem")?,
            retrying: j.def("retrying")?,
        })
    }
}

/// A string member, left out when there is none (serde's `skip_serializing_if`).
fn text(key: &str, value: Option<&String>) -> Option<(String, Json)> {
    value.map(|v| (key.to_owned(), Json::Str(v.clone())))
}

fn member(key: &str, value: Json) -> Option<(String, Json)> {
    Some((key.to_owned(), value))
}

fn map(values: &BTreeMap<String, String>) -> Json {
    Json::Object(values.iter().map(|(k, v)| (k.clone(), Json::Str(v.clone()))).collect())
}

/// `POST /api/v1/campaigns/{id}/pledges`'s body.
pub fn pledge_request(request: &PledgeRequest) -> String {
    let amount = match request.amount {
        RawAmount::Minor(minor) => Json::Int(minor),
        _ => Json::Null,
    };
    let members = [
        member("tier", request.tier.clone().map_or(Json::Null, Json::Str)),
        member("amount", amount),
        request.quantity.map(|q| ("quantity".to_owned(), Json::Int(i64::from(q)))),
        member("options", map(&request.options)),
        member("name", Json::Str(request.name.clone())),
        member("contact", Json::Str(request.contact.clone())),
        member("public", Json::Bool(request.public)),
        member("ref", request.referral.clone().map_or(Json::Null, Json::Str)),
        member("message", request.message.clone().map_or(Json::Null, Json::Str)),
        text("src", request.source.as_ref()),
        text("host", request.host.as_ref()),
        text("lang", request.lang.as_ref()),
        text("ship_to", request.ship_to.as_ref()),
    ];
    Json::Object(members.into_iter().flatten().collect()).to_text()
}

/// `POST /api/v1/receipts/{token}/options`'s body.
pub fn options_choice(choice: &OptionsChoice) -> String {
    Json::Object(vec![("options".to_owned(), map(&choice.options))]).to_text()
}
