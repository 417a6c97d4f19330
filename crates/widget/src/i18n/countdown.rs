//! Countdowns in words: how long until a campaign starts or ends, or a tier opens or closes,
//! to the second in the last hour. The same words reach `www/live.js` as templates
//! ([`Lang::countdown_templates`]), so a page without the wasm counts down alike.

use super::Lang;
use domain::Timestamp;
use domain::progress::{TimeLeft, time_left};

/// What a countdown runs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// The campaign's end: "3 days left".
    Ends,
    /// A scheduled campaign's start.
    Starts,
    /// A tier's window opening.
    Opens,
    /// A tier's window closing.
    Closes,
}

impl Until {
    const ALL: [Until; 4] = [Until::Ends, Until::Starts, Until::Opens, Until::Closes];

    /// How `www/live.js` knows it (`data-until`).
    pub fn name(self) -> &'static str {
        match self {
            Until::Ends => "ends",
            Until::Starts => "starts",
            Until::Opens => "opens",
            Until::Closes => "closes",
        }
    }
}

/// A countdown worded for screen readers only at a few marks (an hour, ten minutes, a
/// minute, ten seconds...), so a polite live region speaks a handful of times, not every
/// second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Countdown {
    pub until: Until,
    pub at: Timestamp,
}

/// The marks, in seconds left, at which a countdown is announced.
const MARKS: [i64; 9] = [3600, 1800, 600, 300, 60, 30, 10, 5, 0];

impl Countdown {
    /// The mark the countdown has passed at `now` (seconds left, rounded up to a mark), when
    /// it is within the last hour and has not run out.
    pub fn mark(self, now: Timestamp) -> Option<i64> {
        let left = self.at.unix() - now.unix();
        if left <= 0 || left > MARKS[0] {
            return None;
        }
        MARKS.iter().rev().copied().find(|&mark| left <= mark)
    }
}

/// Which of the four shapes a time left takes: days, one day, hours, the last hour.
fn shape(left: TimeLeft) -> usize {
    match left {
        TimeLeft { days, .. } if days > 1 => 0,
        TimeLeft { days: 1, .. } => 1,
        TimeLeft { hours, .. } if hours > 0 => 2,
        _ => 3,
    }
}

impl Lang {
    /// A duration in one of its four shapes, with its parts already written.
    fn duration(self, shape: usize, [d, h, m, s]: [&str; 4]) -> String {
        match (self, shape) {
            (Lang::En, 0) => format!("{d} days"),
            (Lang::En, 1) => format!("1 day {h}h"),
            (Lang::En, 2) => format!("{h}h {m}m"),
            (Lang::En, _) => format!("{m}m {s}s"),
            (Lang::ZhCn, 0) => format!("{d} 天"),
            (Lang::ZhCn, 1) => format!("1 天 {h} 小时"),
            (Lang::ZhCn, 2) => format!("{h} 小时 {m} 分"),
            (Lang::ZhCn, _) => format!("{m} 分 {s} 秒"),
        }
    }

    /// A phrase around a duration (`#`).
    fn phrase(self, until: Until) -> &'static str {
        match (self, until) {
            (Lang::En, Until::Ends) => "# left",
            (Lang::En, Until::Starts) => "Starts in #",
            (Lang::En, Until::Opens) => "Opens in #",
            (Lang::En, Until::Closes) => "Closes in #",
            (Lang::ZhCn, Until::Ends) => "剩余 #",
            (Lang::ZhCn, Until::Starts) => "距开始 #",
            (Lang::ZhCn, Until::Opens) => "# 后开放",
            (Lang::ZhCn, Until::Closes) => "# 后截止",
        }
    }

    pub fn time_left(self, left: TimeLeft) -> String {
        self.words(Until::Ends, left)
    }

    pub fn starts_in(self, left: TimeLeft) -> String {
        self.words(Until::Starts, left)
    }

    /// "Opens in 4m 09s" and the like, to `until`'s kind of moment.
    pub fn words(self, until: Until, left: TimeLeft) -> String {
        let parts = [
            left.days.to_string(),
            left.hours.to_string(),
            left.minutes.to_string(),
            left.seconds.to_string(),
        ];
        let parts = [parts[0].as_str(), &parts[1], &parts[2], &parts[3]];
        self.phrase(until).replace('#', &self.duration(shape(left), parts))
    }

    /// The countdown to `at` worded at `now`, or `None` once it has run out.
    pub fn countdown(self, until: Until, at: Timestamp, now: Timestamp) -> Option<String> {
        time_left(at, now).map(|left| self.words(until, left))
    }

    /// Between what a countdown is for and its words.
    fn separator(self) -> &'static str {
        match self {
            Lang::En => ": ",
            Lang::ZhCn => "：",
        }
    }

    /// What a screen reader hears at a countdown's mark: "Early bird: Opens in 1m 0s".
    pub fn announce(self, countdown: Countdown, mark: i64, what: &str) -> String {
        let left = TimeLeft { days: 0, hours: mark / 3600, minutes: mark % 3600 / 60, seconds: mark % 60 };
        let words = self.words(countdown.until, left);
        if what.is_empty() { words } else { format!("{what}{}{words}", self.separator()) }
    }

    /// The same words for `www/live.js`, as JSON: the four shapes with `{d}`, `{h}`, `{m}`
    /// and `{s}` for the numbers, each phrase with `#` for the duration, the separator of an
    /// announcement and the marks it is made at.
    pub fn countdown_templates(self) -> String {
        let shapes: Vec<String> =
            (0..4).map(|shape| self.duration(shape, ["{d}", "{h}", "{m}", "{s}"])).collect();
        let phrases: Vec<String> =
            Until::ALL.iter().map(|&until| format!("{:?}:{:?}", until.name(), self.phrase(until))).collect();
        let marks: Vec<String> = MARKS.iter().map(i64::to_string).collect();
        let ended = match self {
            Lang::En => "Ended",
            Lang::ZhCn => "已结束",
        };
        format!(
            "{{\"shapes\":{:?},\"phrases\":{{{}}},\"sep\":{:?},\"marks\":[{}],\"ended\":{:?}}}",
            shapes,
            phrases.join(","),
            self.separator(),
            marks.join(","),
            ended
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: fn(i64) -> Timestamp = Timestamp::from_unix;

    #[test]
    fn a_countdown_is_to_the_second_in_its_last_hour_in_both_languages() {
        assert_eq!(Lang::En.countdown(Until::Opens, T(3_700), T(0)).unwrap(), "Opens in 1h 1m");
        assert_eq!(Lang::En.countdown(Until::Opens, T(249), T(0)).unwrap(), "Opens in 4m 9s");
        assert_eq!(Lang::ZhCn.countdown(Until::Opens, T(249), T(0)).unwrap(), "4 分 9 秒 后开放");
        assert_eq!(Lang::En.countdown(Until::Ends, T(3 * 86_400), T(0)).unwrap(), "3 days left");
        assert_eq!(Lang::ZhCn.countdown(Until::Starts, T(90_000), T(0)).unwrap(), "距开始 1 天 1 小时");
        assert_eq!(Lang::En.countdown(Until::Closes, T(5), T(5)), None);
    }

    #[test]
    fn screen_readers_hear_a_countdown_only_at_its_marks() {
        let countdown = Countdown { until: Until::Opens, at: T(10_000) };
        let marks: Vec<Option<i64>> = [6_000, 6_400, 6_401, 9_400, 9_401, 9_941, 9_999, 10_000]
            .iter()
            .map(|&now| countdown.mark(T(now)))
            .collect();
        assert_eq!(marks, [None, Some(3600), Some(3600), Some(600), Some(600), Some(60), Some(5), None]);
        assert_eq!(Lang::En.announce(countdown, 60, "Early bird"), "Early bird: Opens in 1m 0s");
    }

    #[test]
    fn the_templates_for_live_js_are_json_and_word_as_the_widget_does() {
        for lang in [Lang::En, Lang::ZhCn] {
            let templates: serde_json::Value = serde_json::from_str(&lang.countdown_templates()).unwrap();
            assert_eq!(templates["marks"][0], 3600);
            assert!(templates["ended"].is_string());
        }
        let templates: serde_json::Value = serde_json::from_str(&Lang::ZhCn.countdown_templates()).unwrap();
        assert_eq!(templates["shapes"][3], "{m} 分 {s} 秒");
        assert_eq!(templates["phrases"]["opens"], "# 后开放");
    }
}
