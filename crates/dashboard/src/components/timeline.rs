//! The production timeline's editor, on the shipping page: each step's id, title, due day
//! and state, and two blank rows to add steps (a row left blank is dropped). The whole list
//! is saved at once, as `PUT …/milestones` does.

use domain::milestones::MilestoneState;
use widget::i18n::Lang;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct TimelineProps {
    pub campaign: String,
    pub steps: Vec<domain::milestones::Milestone>,
    pub errors: Vec<(String, String)>,
    pub lang: Lang,
    pub csrf: String,
}

/// Blank rows offered for new steps.
const BLANK: usize = 2;

#[function_component]
pub(super) fn TimelineEditor(props: &TimelineProps) -> Html {
    let zh = props.lang == Lang::ZhCn;
    let pick = |en: &'static str, cn: &'static str| if zh { cn } else { en };
    let error = |i: usize, field: &str| {
        let name = format!("[{i}].{field}");
        props.errors.iter().find(|(f, _)| *f == name).map_or_else(Html::default, |(_, why)| {
            html! { <span class="tfd-error" data-field={format!("milestones{name}")}>{ why.clone() }</span> }
        })
    };
    let rows = (0..props.steps.len() + BLANK).map(|i| {
        let step = props.steps.get(i);
        let text = |f: fn(&domain::milestones::Milestone) -> String| step.map(f).unwrap_or_default();
        let state = step.map_or(MilestoneState::Planned, |s| s.state);
        let name = |f: &str| format!("milestones[{i}].{f}");
        html! {
            <div class="tfd-row" data-testid={format!("step-{i}")}>
                <label><span>{ pick("Id (e.g. samples)", "标识（如 samples）") }</span>
                    <input name={name("id")} value={text(|s| s.id.clone())} />{ error(i, "id") }</label>
                <label><span>{ pick("Step", "步骤") }</span>
                    <input name={name("title")} value={text(|s| s.title.clone())} />{ error(i, "title") }</label>
                <label><span>{ pick("Due (optional)", "预计日期（可选）") }</span>
                    <input type="date" name={name("due")} value={text(|s| s.due.clone().unwrap_or_default())} />{ error(i, "due") }</label>
                <label><span>{ pick("State", "状态") }</span>
                    <select name={name("state")}>
                        { for [(MilestoneState::Planned, "planned", pick("Planned", "计划中")), (MilestoneState::Active, "active", pick("Under way", "进行中")), (MilestoneState::Done, "done", pick("Done", "已完成"))]
                            .into_iter().map(|(s, value, shown)| html! { <option value={value} selected={s == state}>{ shown }</option> }) }
                    </select></label>
            </div>
        }
    });
    html! {
        <section aria-labelledby="tfd-timeline">
            <h2 id="tfd-timeline">{ pick("Production timeline", "生产进度") }</h2>
            <p class="tfd-hint">{ pick("Backers see it on the share page, the thank-you view and every receipt. Leave a row blank to drop it.", "支持者会在分享页、感谢页和每份凭证上看到。留空的一行会被删除。") }</p>
            <form method="post" action={format!("/dashboard/campaigns/{}/milestones", props.campaign)} data-testid="timeline">
                <input type="hidden" name="csrf" value={props.csrf.clone()} />
                { for rows }
                <button type="submit">{ pick("Save the timeline", "保存进度") }</button>
            </form>
        </section>
    }
}
