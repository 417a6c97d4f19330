//! Charts drawn as SVG by the components, each with a table of the same numbers (for
//! screen readers, and to copy into a spreadsheet).

use widget::i18n::Lang;
use yew::prelude::*;

/// One bar: its label, its value, how it is written, and a mark to reach (a minimum batch).
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: i64,
    pub shown: String,
    pub target: Option<i64>,
}

#[derive(Properties, PartialEq)]
pub struct BarChartProps {
    pub title: String,
    pub bars: Vec<Bar>,
    pub lang: Lang,
    /// What the table's value column is called.
    pub unit: String,
    #[prop_or_default]
    pub testid: String,
}

/// Horizontal bars, scaled to the largest value or mark; a mark is drawn as a line.
#[function_component]
pub fn BarChart(props: &BarChartProps) -> Html {
    const WIDTH: i64 = 600;
    const LABEL: i64 = 180;
    const ROW: i64 = 28;
    let table = match props.lang {
        Lang::En => "Table",
        Lang::ZhCn => "表格",
    };
    if props.bars.is_empty() {
        return html! {};
    }
    let max = props.bars.iter().map(|b| b.value.max(b.target.unwrap_or(0))).max().unwrap_or(1).max(1);
    let scale = |v: i64| (v.max(0) * (WIDTH - LABEL - 70)) / max;
    let height = ROW * props.bars.len() as i64 + 8;
    html! {
        <figure class="tfd-chart" data-testid={props.testid.clone()}>
            <figcaption>{ &props.title }</figcaption>
            <svg viewBox={format!("0 0 {WIDTH} {height}")} role="img" aria-label={props.title.clone()} preserveAspectRatio="xMinYMin meet">
                { for props.bars.iter().enumerate().map(|(i, bar)| {
                    let y = 4 + ROW * i as i64;
                    html! {
                        <g>
                            <text x="0" y={(y + 18).to_string()} class="tfd-chart-label">{ truncate(&bar.label, 24) }</text>
                            <rect x={LABEL.to_string()} y={(y + 4).to_string()} width={scale(bar.value).max(1).to_string()} height="18" rx="3"
                                class={classes!("tfd-bar", bar.target.is_some_and(|t| bar.value < t).then_some("tfd-bar-short"))} />
                            if let Some(target) = bar.target {
                                <line x1={(LABEL + scale(target)).to_string()} x2={(LABEL + scale(target)).to_string()}
                                    y1={y.to_string()} y2={(y + ROW).to_string()} class="tfd-target" />
                            }
                            <text x={(LABEL + scale(bar.value) + 6).to_string()} y={(y + 18).to_string()} class="tfd-chart-value">{ &bar.shown }</text>
                        </g>
                    }
                }) }
            </svg>
            <details>
                <summary>{ table }</summary>
                <table class="tfd-table">
                    <thead><tr><th></th><th>{ &props.unit }</th></tr></thead>
                    <tbody>
                        { for props.bars.iter().map(|bar| html! {
                            <tr><td>{ &bar.label }</td><td>{ match bar.target {
                                Some(target) => format!("{} / {target}", bar.shown),
                                None => bar.shown.clone(),
                            } }</td></tr>
                        }) }
                    </tbody>
                </table>
            </details>
        </figure>
    }
}

fn truncate(text: &str, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}
