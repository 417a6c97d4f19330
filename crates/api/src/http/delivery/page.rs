//! `/r/{token}/survey`: the survey as a plain form. The address follows its country (in
//! mainland China: recipient, mobile, province, city, district, street; elsewhere the
//! international order, with a region and postcode where the country uses them). Without
//! a destination the backer picks the country, and "Change" redraws the form for it
//! without saving. A refusal redraws the form with what was typed and each field's problem.

use super::{AppState, pledge};
use crate::error::Error;
use crate::http::render::{escape, plain_page};
use crate::http::requests::{ReceiptToken, pick_lang};
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use domain::address::{self, Address};
use domain::survey::{Question, QuestionKind};
use domain::wire::{SurveyInput, SurveyView};
use std::collections::BTreeMap;
use widget::i18n::Lang;

#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct PageQuery {
    lang: Option<String>,
    saved: Option<String>,
}

pub(super) async fn show(
    State(state): State<AppState>,
    ReceiptToken(token): ReceiptToken,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response, Error> {
    let lang = pick_lang(query.lang.as_deref(), &headers);
    let Ok(pledge) = pledge(&state, &token).await else { return Ok(gone(&state, lang)) };
    let view = crate::delivery::survey::view(&state.store, &state.hub, &pledge, crate::now()).await?;
    let typed = Typed { address: view.address.clone().unwrap_or_default(), answers: view.answers.clone() };
    let said = query.saved.is_some().then(|| words(lang).saved.to_owned());
    Ok(render(
        &state,
        lang,
        (&token, &view),
        &typed,
        &Problems { said, ..Problems::default() },
        StatusCode::OK,
    ))
}

pub(super) async fn submit(
    State(state): State<AppState>,
    ReceiptToken(token): ReceiptToken,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    let lang = pick_lang(query.lang.as_deref(), &headers);
    let Ok(pledge) = pledge(&state, &token).await else { return Ok(gone(&state, lang)) };
    let typed = Typed::read(&pairs);
    let now = crate::now();
    if pairs.iter().any(|(k, v)| k == "action" && v == "country") {
        let view = crate::delivery::survey::view(&state.store, &state.hub, &pledge, now).await?;
        return Ok(render(&state, lang, (&token, &view), &typed, &Problems::default(), StatusCode::OK));
    }
    let input = SurveyInput { address: Some(typed.address.clone()), answers: typed.answers.clone() };
    let refused = match crate::delivery::survey::save(&state.store, &state.hub, &pledge, input, now).await {
        Ok(_) => {
            let to = format!("/r/{token}/survey?lang={}&saved=1", lang.tag());
            return Ok(Redirect::to(&to).into_response());
        }
        Err(Error::Invalid(errors)) => {
            Problems { fields: lang.field_errors(&errors).into_iter().collect(), ..Default::default() }
        }
        Err(e @ Error::Refused(_)) => {
            Problems { said: Some(lang.refusal(&e.problem())), ..Default::default() }
        }
        Err(other) => return Err(other),
    };
    let status =
        if refused.fields.is_empty() { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
    let view = crate::delivery::survey::view(&state.store, &state.hub, &pledge, now).await?;
    Ok(render(&state, lang, (&token, &view), &typed, &refused, status))
}

/// The receipt page's "Received" button: marks the reward delivered, then shows the
/// receipt again.
pub(super) async fn received(
    State(state): State<AppState>,
    ReceiptToken(token): ReceiptToken,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response, Error> {
    let lang = pick_lang(query.lang.as_deref(), &headers);
    let Ok(pledge) = pledge(&state, &token).await else { return Ok(gone(&state, lang)) };
    let done = crate::delivery::received(&state.store, &pledge, crate::now()).await;
    back_to_receipt(done, &token, lang)
}

/// The receipt page's "Erase my personal data" button: erases, then shows the receipt.
pub(super) async fn erase(
    State(state): State<AppState>,
    ReceiptToken(token): ReceiptToken,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response, Error> {
    let lang = pick_lang(query.lang.as_deref(), &headers);
    let Ok(pledge) = pledge(&state, &token).await else { return Ok(gone(&state, lang)) };
    let done = crate::delivery::erase(&state.store, &state.hub, &pledge, crate::now()).await;
    back_to_receipt(done, &token, lang)
}

/// After a receipt page's button: the receipt again, which shows what the press did (a
/// refusal, such as "not shipped yet", leaves it as it was); a failure of ours is an error.
fn back_to_receipt(done: Result<(), Error>, token: &str, lang: Lang) -> Result<Response, Error> {
    match done {
        Ok(()) | Err(Error::Refused(_)) => {
            Ok(Redirect::to(&format!("/r/{token}?lang={}", lang.tag())).into_response())
        }
        Err(other) => Err(other),
    }
}

/// What the form holds: as stored, or as last typed.
struct Typed {
    address: Address,
    answers: BTreeMap<String, String>,
}

impl Typed {
    fn read(pairs: &[(String, String)]) -> Typed {
        let mut address = Address::default();
        let mut answers = BTreeMap::new();
        for (name, value) in pairs {
            if let Some(id) = name.strip_prefix("answers.") {
                answers.insert(id.to_owned(), value.clone());
                continue;
            }
            let slot = match name.as_str() {
                "address.name" => &mut address.name,
                "address.phone" => &mut address.phone,
                "address.country" => &mut address.country,
                "address.region" => &mut address.region,
                "address.city" => &mut address.city,
                "address.district" => &mut address.district,
                "address.line1" => &mut address.line1,
                "address.line2" => &mut address.line2,
                "address.postcode" => &mut address.postcode,
                _ => continue,
            };
            *slot = value.clone();
        }
        Typed { address, answers }
    }
}

/// Why the last save was refused: a word for the whole, and each field's problem.
#[derive(Default)]
struct Problems {
    said: Option<String>,
    fields: BTreeMap<String, String>,
}

fn render(
    state: &AppState,
    lang: Lang,
    (token, view): (&str, &SurveyView),
    typed: &Typed,
    problems: &Problems,
    status: StatusCode,
) -> Response {
    let w = words(lang);
    let mut body = String::new();
    if let Some(said) = &problems.said {
        body.push_str(&format!(
            "<p role=\"status\" class=\"tf-said\" data-testid=\"said\">{}</p>",
            escape(said)
        ));
    }
    if view.state == "not_needed" {
        body.push_str(&format!("<p>{}</p>", w.nothing));
    } else {
        body.push_str(&format!("<p data-testid=\"survey-state\">{}</p>", state_words(lang, view)));
        let disabled = if view.editable { "" } else { " disabled" };
        body.push_str(&format!(
            "<form method=\"post\" action=\"/r/{token}/survey?lang={tag}\" class=\"tf-form\" novalidate>\
             <fieldset class=\"tf-survey\"{disabled}>",
            tag = lang.tag()
        ));
        if view.ships {
            body.push_str(&address_fields(lang, view, &typed.address, &problems.fields));
        }
        for q in &view.questions {
            body.push_str(&question(q, typed.answers.get(&q.id).map_or("", |a| a), &problems.fields, lang));
        }
        if view.editable {
            body.push_str(&format!("<button type=\"submit\" class=\"tf-submit\">{}</button>", w.save));
        }
        body.push_str("</fieldset></form>");
    }
    body.push_str(&format!("<p><a href=\"/r/{token}?lang={}\">{}</a></p>", lang.tag(), w.back));
    plain_page(&state.assets, lang, status, w.title, &body)
}

/// The address's fields in its country's order; the country fixed when the pledge named it.
fn address_fields(
    lang: Lang,
    view: &SurveyView,
    typed: &Address,
    errors: &BTreeMap<String, String>,
) -> String {
    let w = words(lang);
    let zh = lang == Lang::ZhCn;
    let country = view.destination.clone().unwrap_or_else(|| match typed.country.trim() {
        "" if zh => "CN".to_owned(),
        "" => String::new(),
        typed => typed.to_ascii_uppercase(),
    });
    let mut out = format!("<fieldset class=\"tf-address\"><legend>{}</legend>", w.address);
    out.push_str(&country_field(lang, view.destination.is_some(), &country, errors));
    for part in address::parts(&country) {
        if *part == "postcode" && !address::uses_postcode(&country) {
            continue;
        }
        let value = match *part {
            "name" => &typed.name,
            "phone" => &typed.phone,
            "region" => &typed.region,
            "city" => &typed.city,
            "district" => &typed.district,
            "line1" => &typed.line1,
            "line2" => &typed.line2,
            _ => &typed.postcode,
        };
        let (label, autocomplete) = part_words(lang, part, &country);
        let kind = if *part == "phone" { "tel" } else { "text" };
        out.push_str(&field(&format!("address.{part}"), label, kind, autocomplete, value, errors));
    }
    out.push_str("</fieldset>");
    out
}

fn country_field(lang: Lang, fixed: bool, country: &str, errors: &BTreeMap<String, String>) -> String {
    let w = words(lang);
    let zh = lang == Lang::ZhCn;
    let name = domain::countries::name(country, zh).unwrap_or(country);
    if fixed {
        return format!(
            "<p class=\"tf-field\"><span>{}</span> <strong data-testid=\"destination\">{}</strong>\
             <input type=\"hidden\" name=\"address.country\" value=\"{}\"></p>{}",
            w.country,
            escape(name),
            escape(country),
            error("address.country", errors)
        );
    }
    let mut places: Vec<(&str, &str)> =
        domain::countries::all().map(|(c, en, cn)| (c, if zh { cn } else { en })).collect();
    places.sort_by(|a, b| a.1.cmp(b.1));
    let options: String = places
        .iter()
        .map(|(code, shown)| {
            let selected = if *code == country { " selected" } else { "" };
            format!("<option value=\"{code}\"{selected}>{}</option>", escape(shown))
        })
        .collect();
    format!(
        "<label class=\"tf-field\"><span>{}</span><select name=\"address.country\" autocomplete=\"country\">\
         <option value=\"\"></option>{options}</select></label>\
         <button type=\"submit\" name=\"action\" value=\"country\" class=\"tf-secondary\" formnovalidate>{}</button>{}",
        w.country,
        w.change,
        error("address.country", errors)
    )
}

fn question(q: &Question, typed: &str, errors: &BTreeMap<String, String>, lang: Lang) -> String {
    let name = format!("answers.{}", q.id);
    let label =
        if q.required { escape(&q.label) } else { format!("{} {}", escape(&q.label), words(lang).optional) };
    if q.kind == QuestionKind::Text {
        return field(&name, &label, "text", "off", typed, errors);
    }
    let options: String = q
        .choices
        .iter()
        .map(|c| {
            let selected = if c == typed { " selected" } else { "" };
            format!("<option value=\"{v}\"{selected}>{v}</option>", v = escape(c))
        })
        .collect();
    format!(
        "<label class=\"tf-field\"><span>{label}</span><select name=\"{name}\"><option value=\"\"></option>{options}</select></label>{}",
        error(&name, errors)
    )
}

fn field(
    name: &str,
    label: &str,
    kind: &str,
    autocomplete: &str,
    value: &str,
    errors: &BTreeMap<String, String>,
) -> String {
    let invalid = if errors.contains_key(name) { " aria-invalid=\"true\"" } else { "" };
    format!(
        "<label class=\"tf-field\"><span>{label}</span><input type=\"{kind}\" name=\"{name}\" \
         autocomplete=\"{autocomplete}\" value=\"{}\"{invalid}></label>{}",
        escape(value),
        error(name, errors)
    )
}

fn error(name: &str, errors: &BTreeMap<String, String>) -> String {
    errors
        .get(name)
        .map(|e| format!("<span class=\"tf-error\" data-field=\"{name}\">{}</span>", escape(e)))
        .unwrap_or_default()
}

/// Where the survey stands, and until when it may change.
fn state_words(lang: Lang, view: &SurveyView) -> String {
    let zh = lang == Lang::ZhCn;
    let until = view.lock_at.map(|at| at.to_string().replace('T', " ")[..16].to_owned() + " UTC");
    match (view.reason.as_deref(), until) {
        (Some("locked"), _) => (if zh { "问卷已锁定：创作者已按大家的回答安排生产，不能再修改。" } else { "The survey has locked: the creator is producing from the answers given, and they can no longer change." }).to_owned(),
        (Some("not_open"), _) => (if zh { "众筹成功后即可填写问卷。" } else { "The survey opens once the campaign succeeds." }).to_owned(),
        (Some("cancelled"), _) => (if zh { "这份支持已取消，无需寄送。" } else { "This pledge was cancelled: there is nothing to deliver." }).to_owned(),
        (Some(_), _) => (if zh { "回报已寄出，地址不能再修改。" } else { "Your reward has been shipped to this address; it can no longer change." }).to_owned(),
        (None, Some(until)) if zh => format!("在 {until} 之前都可以修改。"),
        (None, Some(until)) => format!("You can change this until {until}."),
        (None, None) => (if zh { "随时可以修改，直到寄出。" } else { "You can change this until it ships." }).to_owned(),
    }
}

fn gone(state: &AppState, lang: Lang) -> Response {
    let w = words(lang);
    plain_page(&state.assets, lang, StatusCode::NOT_FOUND, w.title, &format!("<p>{}</p>", w.gone))
}

/// An address part's label and its `autocomplete` token, for `country`.
fn part_words(lang: Lang, part: &str, country: &str) -> (&'static str, &'static str) {
    let (zh, china) = (lang == Lang::ZhCn, country == "CN");
    match part {
        "name" => (if zh { "收件人" } else { "Recipient" }, "name"),
        "phone" if china => (if zh { "手机号码" } else { "Mobile number" }, "tel"),
        "phone" => (if zh { "电话" } else { "Phone" }, "tel"),
        "region" if china => (if zh { "省份" } else { "Province" }, "address-level1"),
        "region" => (if zh { "州 / 省 / 地区" } else { "State, province or region" }, "address-level1"),
        "city" => (if zh { "城市" } else { "City" }, "address-level2"),
        "district" => (if zh { "区县" } else { "District" }, "address-level3"),
        "line1" if china => (if zh { "详细地址（街道、门牌号）" } else { "Street address" }, "address-line1"),
        "line1" => (if zh { "地址第一行" } else { "Address line 1" }, "address-line1"),
        "line2" => (if zh { "地址第二行（可选）" } else { "Address line 2 (optional)" }, "address-line2"),
        _ => (if zh { "邮政编码" } else { "Postcode" }, "postal-code"),
    }
}

struct Words {
    title: &'static str,
    address: &'static str,
    country: &'static str,
    change: &'static str,
    optional: &'static str,
    save: &'static str,
    saved: &'static str,
    back: &'static str,
    nothing: &'static str,
    gone: &'static str,
}

fn words(lang: Lang) -> &'static Words {
    match lang {
        Lang::En => &Words {
            title: "Your survey",
            address: "Where to send your reward",
            country: "Country or region",
            change: "Change",
            optional: "(optional)",
            save: "Save",
            saved: "Saved. Thank you!",
            back: "Back to your receipt",
            nothing: "Nothing to fill in: this reward is not delivered and the creator asks nothing.",
            gone: "This survey does not exist.",
        },
        Lang::ZhCn => &Words {
            title: "支持者问卷",
            address: "回报寄送地址",
            country: "国家或地区",
            change: "切换",
            optional: "（选填）",
            save: "保存",
            saved: "已保存，谢谢！",
            back: "返回支持凭证",
            nothing: "无需填写：该回报不寄送，创作者也没有问题。",
            gone: "该问卷不存在。",
        },
    }
}
