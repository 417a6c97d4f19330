//! The shipping page: how far backers are with the survey (and a reminder to those not
//! done), one line per SKU for the factory order, the packing list to download, and
//! recording parcels from the filled-in list: checked first and shown row by row, applied
//! only when the creator confirms.

use crate::ShippingPage;
use widget::i18n::Lang;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct ShippingProps {
    pub page: ShippingPage,
    pub lang: Lang,
    pub csrf: String,
}

#[function_component]
pub(super) fn ShippingView(props: &ShippingProps) -> Html {
    let (w, p) = (words(props.lang), &props.page);
    let id = p.campaign.id.clone();
    let s = &p.survey;
    let csrf = || html! { <input type="hidden" name="csrf" value={props.csrf.clone()} /> };
    html! {
        <>
            <p><a href={format!("/dashboard/campaigns/{id}")}>{ format!("← {}", p.campaign.title) }</a></p>
            <h1>{ w.title }</h1>
            if let Some(said) = &p.said {
                <p class="tfd-notice" role="status" data-testid="shipping-said">{ said.clone() }</p>
            }
            <section aria-labelledby="tfd-survey">
                <h2 id="tfd-survey">{ w.survey }</h2>
                <p data-testid="survey-counts">{ format!("{} {} · {} {} · {} {}", s.complete, w.complete, s.incomplete, w.incomplete, s.not_needed, w.not_needed) }</p>
                <p class="tfd-hint">{ match (s.locked, s.lock_at) {
                    (true, _) => w.locked.to_owned(),
                    (false, Some(at)) => format!("{} {} UTC", w.locks_at, &at.to_string().replace('T', " ")[..16]),
                    (false, None) => w.never_locks.to_owned(),
                } }</p>
                { for s.questions.iter().map(|q| html! {
                    <div class="tfd-question">
                        <h3>{ format!("{} ({} {})", q.label, q.answered, w.answered) }</h3>
                        if !q.choices.is_empty() {
                            <table class="tfd-table"><tbody>
                                { for q.choices.iter().map(|(c, n)| html! { <tr><th>{ c.clone() }</th><td>{ n }</td></tr> }) }
                            </tbody></table>
                        }
                        if !q.answers.is_empty() {
                            <ul>{ for q.answers.iter().map(|a| html! { <li>{ a.clone() }</li> }) }</ul>
                        }
                    </div>
                }) }
                if s.incomplete > 0 && !s.locked {
                    <form method="post" action={format!("/dashboard/campaigns/{id}/survey/remind")}>
                        { csrf() }
                        <button type="submit" class="tfd-secondary" data-testid="survey-remind">{ w.remind }</button>
                    </form>
                }
            </section>
            <section aria-labelledby="tfd-skus">
                <h2 id="tfd-skus">{ w.skus }</h2>
                <table class="tfd-table" data-testid="skus">
                    <thead><tr><th scope="col">{ "SKU" }</th><th scope="col">{ w.units }</th><th scope="col">{ w.pledges }</th><th scope="col">{ w.awaiting }</th><th scope="col">{ w.ready }</th><th scope="col">{ w.shipped }</th></tr></thead>
                    <tbody>
                        { for p.skus.iter().map(|k| html! {
                            <tr><th scope="row">{ k.sku.clone() }</th><td>{ k.quantity }</td><td>{ k.pledges }</td><td>{ k.awaiting_survey }</td><td>{ k.ready }</td><td>{ k.shipped }</td></tr>
                        }) }
                    </tbody>
                </table>
                <p><a href={format!("/dashboard/campaigns/{id}/shipments.csv")} data-testid="packing-list" download="">{ w.download }</a></p>
                <p class="tfd-hint">{ w.download_hint }</p>
            </section>
            <section aria-labelledby="tfd-import">
                <h2 id="tfd-import">{ w.import }</h2>
                <form method="post" action={format!("/dashboard/campaigns/{id}/shipments/preview")} enctype="multipart/form-data" class="tfd-filters">
                    { csrf() }
                    <input type="file" name="file" accept=".csv,text/csv" aria-label={w.import} />
                    <button type="submit" data-testid="preview">{ w.check }</button>
                </form>
                if !p.errors.is_empty() {
                    <ul class="tfd-error" data-testid="import-errors">
                        { for p.errors.iter().map(|(at, why)| html! { <li>{ format!("{at}: {why}") }</li> }) }
                    </ul>
                }
                if let Some(preview) = &p.preview {
                    <table class="tfd-table" data-testid="import-preview">
                        <thead><tr><th scope="col">{ w.reference }</th><th scope="col">{ w.carrier }</th><th scope="col">{ w.number }</th><th scope="col">{ w.change }</th></tr></thead>
                        <tbody>
                            { for preview.rows.iter().map(|r| html! {
                                <tr><td>{ r.reference.clone() }</td><td>{ r.carrier.clone() }</td><td>{ r.tracking_number.clone() }</td>
                                <td>{ if r.new { w.new } else { w.unchanged } }</td></tr>
                            }) }
                        </tbody>
                    </table>
                    <form method="post" action={format!("/dashboard/campaigns/{id}/shipments/apply")}>
                        { csrf() }
                        <input type="hidden" name="csv" value={preview.csv.clone()} />
                        <button type="submit" data-testid="apply">{ w.apply }</button>
                    </form>
                }
            </section>
            <super::timeline::TimelineEditor campaign={id.clone()} steps={p.steps.clone()} errors={p.timeline_errors.clone()} lang={props.lang} csrf={props.csrf.clone()} />
        </>
    }
}

struct Words {
    title: &'static str,
    survey: &'static str,
    complete: &'static str,
    incomplete: &'static str,
    not_needed: &'static str,
    locked: &'static str,
    locks_at: &'static str,
    never_locks: &'static str,
    answered: &'static str,
    remind: &'static str,
    skus: &'static str,
    units: &'static str,
    pledges: &'static str,
    awaiting: &'static str,
    ready: &'static str,
    shipped: &'static str,
    download: &'static str,
    download_hint: &'static str,
    import: &'static str,
    check: &'static str,
    reference: &'static str,
    carrier: &'static str,
    number: &'static str,
    change: &'static str,
    new: &'static str,
    unchanged: &'static str,
    apply: &'static str,
}

fn words(lang: Lang) -> &'static Words {
    match lang {
        Lang::En => &Words {
            title: "Shipping",
            survey: "Survey",
            complete: "complete",
            incomplete: "not done yet",
            not_needed: "asked nothing",
            locked: "The survey has locked: answers and addresses are final.",
            locks_at: "Answers and addresses lock at",
            never_locks: "The survey does not lock: backers may change their address until their parcel leaves.",
            answered: "answered",
            remind: "Remind those not done (by mail)",
            skus: "What to make and send",
            units: "Units",
            pledges: "Pledges",
            awaiting: "Awaiting survey",
            ready: "Ready",
            shipped: "Shipped",
            download: "Download the packing list (CSV)",
            download_hint: "One row per pledge ready to ship. Fill in carrier and tracking_number, then upload it below.",
            import: "Record parcels",
            check: "Check the file",
            reference: "Reference",
            carrier: "Carrier",
            number: "Tracking number",
            change: "Change",
            new: "new parcel",
            unchanged: "already recorded",
            apply: "Record these parcels and tell the backers",
        },
        Lang::ZhCn => &Words {
            title: "发货",
            survey: "问卷",
            complete: "已完成",
            incomplete: "未完成",
            not_needed: "无需填写",
            locked: "问卷已锁定：回答和地址都已确定。",
            locks_at: "回答和地址锁定于",
            never_locks: "问卷不会锁定：支持者在包裹寄出前都可以修改地址。",
            answered: "人已回答",
            remind: "提醒未完成的支持者（邮件）",
            skus: "要生产和寄送的",
            units: "件数",
            pledges: "支持数",
            awaiting: "待填问卷",
            ready: "待发货",
            shipped: "已发货",
            download: "下载发货单（CSV）",
            download_hint: "每笔待发货的支持一行。填好 carrier 和 tracking_number 两列后，在下方上传。",
            import: "登记包裹",
            check: "检查文件",
            reference: "参考号",
            carrier: "快递公司",
            number: "运单号",
            change: "变化",
            new: "新包裹",
            unchanged: "已登记过",
            apply: "登记这些包裹并通知支持者",
        },
    }
}
