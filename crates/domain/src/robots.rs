//! Fan-group robots: the moments of a campaign worth announcing in its tribe's chat
//! (WeCom, Feishu, DingTalk, Slack, Discord), told as one text message in the site's
//! language. Whatever is due when a message may go is merged into it: a few pledges by
//! name and the rest counted, then each rarer moment on its own line, then the link.
//!
//! Every piece of text a fan or creator typed (names, titles, labels, values) is made
//! inert for the platform it goes to: on one line, no mention of everyone (`<at …>`,
//! `<!channel>`, `@everyone`), no markup. The message fits the platform's limit.

use crate::Currency;

/// How an endpoint takes its events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Every event, signed JSON (`Tribefund-Signature`).
    Json,
    /// A WeCom (企业微信) group robot: `{"msgtype":"text"}`.
    Wecom,
    /// A Feishu (飞书) custom bot: `{"msg_type":"text"}`, optionally signed.
    Feishu,
    /// A DingTalk (钉钉) custom robot: `{"msgtype":"text"}`, optionally signed.
    Dingtalk,
    /// A Slack incoming webhook: `{"text"}`.
    Slack,
    /// A Discord webhook: `{"content"}`, mentioning no one.
    Discord,
}

impl Format {
    pub const ALL: [Format; 6] =
        [Format::Json, Format::Wecom, Format::Feishu, Format::Dingtalk, Format::Slack, Format::Discord];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Wecom => "wecom",
            Format::Feishu => "feishu",
            Format::Dingtalk => "dingtalk",
            Format::Slack => "slack",
            Format::Discord => "discord",
        }
    }

    pub fn parse(text: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.as_str() == text)
    }

    /// A chat robot, which takes only [`ANNOUNCED`] events, merged and paced.
    pub fn is_robot(self) -> bool {
        self != Format::Json
    }

    /// Whether the platform lets a robot check messages with a secret of its own.
    pub fn signs(self) -> bool {
        matches!(self, Format::Feishu | Format::Dingtalk)
    }

    /// The longest text the platform takes, and whether it counts bytes (else characters).
    fn limit(self) -> (usize, bool) {
        match self {
            // WeCom's text message: 2048 bytes.
            Format::Wecom => (2_048, true),
            Format::Discord => (2_000, false),
            Format::Feishu | Format::Dingtalk => (4_000, false),
            Format::Slack | Format::Json => (4_000, false),
        }
    }
}

/// The event types a robot announces; others are never queued for it.
pub const ANNOUNCED: [&str; 8] = [
    "pledge.created",
    "option.unlocked",
    "campaign.goal_reached",
    "campaign.stretch_reached",
    "campaign.last_day",
    "leaders.changed",
    "campaign.succeeded",
    "campaign.failed",
];

/// The pledges a message names; the rest are counted.
const NAMED: usize = 5;

/// One thing to announce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Moment {
    /// A pledge: the backer's name when they chose to be listed.
    Pledge {
        name: Option<String>,
        amount: i64,
    },
    /// A value's units reached its minimum batch, so it will be made.
    Unlocked {
        option: String,
        value: String,
        units: u64,
    },
    Goal {
        raised: i64,
    },
    Stretch {
        label: String,
        amount: i64,
    },
    /// The campaign's last 24 hours began.
    LastDay {
        raised: i64,
        goal: i64,
    },
    /// The top three recruiters changed: names when public, and friends brought.
    Leaders {
        top: Vec<(Option<String>, u32)>,
    },
    Ended {
        succeeded: bool,
        raised: i64,
        backers: u64,
    },
}

/// The campaign a message is about, and how to say it.
#[derive(Debug, Clone, Copy)]
pub struct About<'a> {
    pub title: &'a str,
    pub currency: Currency,
    /// The share page, where the tribe pledges.
    pub link: &'a str,
    /// Chinese (`zh-CN`) or English.
    pub chinese: bool,
}

/// One message of several campaigns' sections, cut to the platform's limit.
pub fn message(format: Format, sections: &[String]) -> String {
    fit(&sections.join("\n\n"), format)
}

/// What `moments` (oldest first) about `about` say: a heading, a line each, the link.
pub fn section(format: Format, about: About<'_>, moments: &[Moment]) -> String {
    let say = Say { format, about };
    let mut lines = vec![say.heading()];
    let pledges: Vec<(&Option<String>, i64)> = moments
        .iter()
        .filter_map(|m| match m {
            Moment::Pledge { name, amount } => Some((name, *amount)),
            _ => None,
        })
        .collect();
    lines.extend(pledges.iter().take(NAMED).map(|(name, amount)| say.pledge(name.as_deref(), *amount)));
    if pledges.len() > NAMED {
        let rest = &pledges[NAMED..];
        lines.push(say.more(rest.len(), rest.iter().map(|(_, a)| a).sum()));
    }
    // Of several leaderboards due at once, only the newest is still true.
    let newest_board = moments.iter().rposition(|m| matches!(m, Moment::Leaders { .. }));
    for (i, moment) in moments.iter().enumerate() {
        if matches!(moment, Moment::Leaders { .. }) && Some(i) != newest_board {
            continue;
        }
        lines.extend(say.moment(moment));
    }
    lines.push(say.link());
    lines.join("\n")
}

struct Say<'a> {
    format: Format,
    about: About<'a>,
}

impl Say<'_> {
    fn zh(&self) -> bool {
        self.about.chinese
    }

    /// Text someone typed, made inert for the platform.
    fn inert(&self, typed: &str) -> String {
        inert(self.format, typed)
    }

    fn money(&self, minor: i64) -> String {
        self.about.currency.format(minor)
    }

    fn heading(&self) -> String {
        let title = self.inert(self.about.title);
        if self.zh() { format!("【{title}】") } else { format!("{title}:") }
    }

    fn fan(&self, name: Option<&str>) -> String {
        match name {
            Some(name) => self.inert(name),
            None if self.zh() => "一位支持者".to_owned(),
            None => "A fan".to_owned(),
        }
    }

    fn pledge(&self, name: Option<&str>, amount: i64) -> String {
        let (fan, amount) = (self.fan(name), self.money(amount));
        if self.zh() {
            format!("🎉 {fan} 支持了 {amount}")
        } else {
            format!("🎉 {fan} pledged {amount}")
        }
    }

    fn more(&self, n: usize, amount: i64) -> String {
        let amount = self.money(amount);
        if self.zh() {
            format!("🎉 另有 {n} 位支持者，共 {amount}")
        } else {
            format!("🎉 and {n} more backers, {amount} in all")
        }
    }

    fn moment(&self, moment: &Moment) -> Option<String> {
        let zh = self.zh();
        Some(match moment {
            Moment::Pledge { .. } => return None,
            Moment::Unlocked { option, value, units } => {
                let (option, value) = (self.inert(option), self.inert(value));
                if zh {
                    format!("🔓 {option}：{value} 已成团（{units} 份），会做出来！")
                } else {
                    format!("🔓 {option}: {value} is unlocked ({units} units), so it will be made!")
                }
            }
            Moment::Goal { raised } => {
                let raised = self.money(*raised);
                if zh {
                    format!("🎯 目标达成！已筹 {raised}")
                } else {
                    format!("🎯 Goal reached! {raised} raised")
                }
            }
            Moment::Stretch { label, amount } => {
                let (label, amount) = (self.inert(label), self.money(*amount));
                if zh {
                    format!("🚀 解锁扩展目标 {amount}：{label}")
                } else {
                    format!("🚀 Stretch goal {amount} unlocked: {label}")
                }
            }
            Moment::LastDay { raised, goal } => {
                let (raised, goal) = (self.money(*raised), self.money(*goal));
                if zh {
                    format!("⏰ 最后 24 小时！已筹 {raised}，目标 {goal}")
                } else {
                    format!("⏰ The last 24 hours! {raised} of {goal} raised")
                }
            }
            Moment::Leaders { top } => {
                let ranked: Vec<String> = top
                    .iter()
                    .enumerate()
                    .map(|(i, (name, n))| {
                        let fan = self.fan(name.as_deref());
                        if zh {
                            format!("{}. {fan}（{n} 位朋友）", i + 1)
                        } else {
                            format!("{}. {fan} ({n})", i + 1)
                        }
                    })
                    .collect();
                let sep = if zh { "，" } else { ", " };
                if zh {
                    format!("🏆 推荐榜前三：{}", ranked.join(sep))
                } else {
                    format!("🏆 Top recruiters: {}", ranked.join(sep))
                }
            }
            Moment::Ended { succeeded, raised, backers } => {
                let raised = self.money(*raised);
                match (zh, succeeded) {
                    (true, true) => format!("✅ 众筹成功！{backers} 位支持者，共 {raised}"),
                    (true, false) => format!("众筹已结束，未达成目标（{raised}）"),
                    (false, true) => format!("✅ Funded! {backers} backers, {raised}"),
                    (false, false) => format!("The campaign ended without reaching its goal ({raised})"),
                }
            }
        })
    }

    fn link(&self) -> String {
        let link = self.about.link;
        match self.format {
            // Slack reads a bare link, escaped like any text; `<…>` would be a link markup.
            Format::Slack => {
                format!("{} {}", if self.zh() { "👉" } else { "Back it:" }, inert(Format::Slack, link))
            }
            _ if self.zh() => format!("👉 {link}"),
            _ => format!("Back it: {link}"),
        }
    }
}

/// `typed` made inert for `format`: on one line, with no markup, no mention of anyone and
/// no link (a dot inside a word, as in `evil.example`, becomes `․`, so no client links it).
pub fn inert(format: Format, typed: &str) -> String {
    let line = one_line(typed);
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    for (i, &c) in chars.iter().enumerate() {
        let between_word_chars = |at: usize| chars.get(at).is_some_and(|c| c.is_alphanumeric());
        if c == '.' && i > 0 && between_word_chars(i - 1) && between_word_chars(i + 1) {
            out.push('\u{2024}');
            continue;
        }
        match (format, c) {
            // Slack's own escaping: `<!channel>` and links are markup.
            (Format::Slack, '&') => out.push_str("&amp;"),
            (Format::Slack, '<') => out.push_str("&lt;"),
            (Format::Slack, '>') => out.push_str("&gt;"),
            // Feishu's `<at user_id="all">` and WeCom's `<@userid>` are tags; `[text](url)` a link.
            (Format::Feishu | Format::Wecom | Format::Dingtalk, '<') => out.push('‹'),
            (Format::Feishu | Format::Wecom | Format::Dingtalk, '>') => out.push('›'),
            (Format::Feishu | Format::Wecom | Format::Dingtalk, '[') => out.push('［'),
            (Format::Feishu | Format::Wecom | Format::Dingtalk, ']') => out.push('］'),
            // Discord's markdown, and mentions (also refused by `allowed_mentions`).
            (Format::Discord, '\\' | '*' | '_' | '~' | '`' | '|' | '>' | '[' | ']' | '#' | '<') => {
                out.push('\\');
                out.push(c);
            }
            (Format::Discord | Format::Slack | Format::Dingtalk | Format::Wecom | Format::Feishu, '@') => {
                out.push('@');
                out.push('\u{200B}');
            }
            _ => out.push(c),
        }
    }
    out
}

/// `typed` on one line: control characters, line and paragraph separators and invisible
/// format characters (zero-width, bidirectional) become spaces, and runs of spaces one.
fn one_line(typed: &str) -> String {
    let invisible = |c: char| {
        matches!(c, '\u{2028}' | '\u{2029}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{061C}' | '\u{FEFF}')
    };
    let spaced: String =
        typed.chars().map(|c| if c.is_control() || invisible(c) { ' ' } else { c }).collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` cut to the platform's limit at a line's end (or a character), with an ellipsis.
fn fit(text: &str, format: Format) -> String {
    let (limit, bytes) = format.limit();
    if (if bytes { text.len() } else { text.chars().count() }) <= limit {
        return text.to_owned();
    }
    // Room for the ellipsis: three bytes, or one character.
    let room = limit - if bytes { 3 } else { 1 };
    let (mut out, mut used) = (String::new(), 0);
    for c in text.chars() {
        used += if bytes { c.len_utf8() } else { 1 };
        if used > room {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The message announcing `moments` about `about` alone.
    fn text(format: Format, about: About<'_>, moments: &[Moment]) -> String {
        message(format, &[section(format, about, moments)])
    }

    fn about(chinese: bool) -> About<'static> {
        About { title: "Walnut lamp", currency: Currency::Cny, link: "https://f.example/c/demo", chinese }
    }

    fn pledge(name: Option<&str>, amount: i64) -> Moment {
        Moment::Pledge { name: name.map(str::to_owned), amount }
    }

    #[test]
    fn a_pledge_is_announced_with_its_public_name_or_as_a_fan() {
        let text = text(Format::Wecom, about(true), &[pledge(Some("Mei"), 29_900), pledge(None, 100)]);
        assert_eq!(
            text,
            "【Walnut lamp】\n🎉 Mei 支持了 ¥299\n🎉 一位支持者 支持了 ¥1\n👉 https://f.example/c/demo"
        );
    }

    #[test]
    fn many_pledges_are_merged_five_named_and_the_rest_counted() {
        let moments: Vec<Moment> = (0..12).map(|i| pledge(Some(&format!("Fan{i}")), 100)).collect();
        let text = text(Format::Slack, about(false), &moments);
        assert!(text.contains("Fan4 pledged ¥1") && !text.contains("Fan5"), "{text}");
        assert!(text.contains("and 7 more backers, ¥7 in all"), "{text}");
    }

    #[test]
    fn only_the_newest_leaderboard_is_told_and_rare_moments_each_have_a_line() {
        let moments = [
            Moment::Leaders { top: vec![(Some("Old".into()), 1)] },
            Moment::Goal { raised: 5_000_000 },
            Moment::Stretch { label: "Brass dimmer".into(), amount: 8_000_000 },
            Moment::Leaders { top: vec![(Some("Mei".into()), 5), (None, 3)] },
        ];
        let text = text(Format::Discord, about(false), &moments);
        assert!(!text.contains("Old") && text.contains("1. Mei (5), 2. A fan (3)"), "{text}");
        assert!(text.contains("Goal reached! ¥50,000 raised") && text.contains("Stretch goal ¥80,000"));
    }

    #[test]
    fn typed_text_cannot_mention_everyone_break_lines_or_add_markup() {
        assert_eq!(inert(Format::Slack, "<!channel> & co"), "&lt;!channel&gt; &amp; co");
        assert_eq!(inert(Format::Feishu, "<at user_id=\"all\">x</at>"), "‹at user_id=\"all\"›x‹/at›");
        assert_eq!(inert(Format::Discord, "@everyone **hi**"), "@\u{200B}everyone \\*\\*hi\\*\\*");
        assert_eq!(inert(Format::Wecom, "Mei\n🎯 Goal reached!"), "Mei 🎯 Goal reached!");
        assert_eq!(inert(Format::Slack, "Mei\u{2028}🎯\u{200B} Goal"), "Mei 🎯 Goal");
        assert_eq!(
            inert(Format::Feishu, "[Refund](https://evil.example/x)"),
            "［Refund］(https://evil․example/x)"
        );
        assert_eq!(inert(Format::Discord, "Mr. Li, www.evil.example"), "Mr. Li, www․evil․example");
    }

    #[test]
    fn a_message_fits_the_platform_s_limit() {
        let long = "名".repeat(3_000);
        let moments = [Moment::Stretch { label: long, amount: 1 }];
        assert!(text(Format::Wecom, about(true), &moments).len() <= 2_048);
        assert!(text(Format::Discord, about(true), &moments).chars().count() <= 2_000);
    }

    #[test]
    fn formats_read_back_from_their_names() {
        for format in Format::ALL {
            assert_eq!(Format::parse(format.as_str()), Some(format));
        }
        assert_eq!(Format::parse("msteams"), None);
        assert!(Format::Feishu.signs() && !Format::Slack.signs() && !Format::Json.is_robot());
    }
}
