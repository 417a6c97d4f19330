//! The widget's words in English and Simplified Chinese.
//!
//! The server picks the language (from `data-lang`, forwarded by the loader, or the
//! browser's `Accept-Language`) and the browser keeps it, so server HTML and hydrated HTML
//! always agree.

use domain::wire::Problem;
use domain::{FieldError, FieldErrors, Status};
use serde::{Deserialize, Serialize};

mod countdown;
mod text;
pub use countdown::{Countdown, Until};
pub use text::{EN, Text, ZH};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    #[serde(rename = "en")]
    En,
    #[serde(rename = "zh-CN")]
    ZhCn,
}

impl Lang {
    /// Reads a language tag (`zh`, `zh-CN`, `zh-Hans-CN`, `en-GB`); `None` when unsupported.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "zh" => Some(Lang::ZhCn),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The first supported language of an `Accept-Language` header, in the order given.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        header.split(',').find_map(|part| Lang::from_tag(part.split(';').next().unwrap_or("")))
    }

    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
        }
    }

    pub fn text(self) -> &'static Text {
        match self {
            Lang::En => &EN,
            Lang::ZhCn => &ZH,
        }
    }

    pub fn backers(self, n: u64) -> String {
        match self {
            Lang::En if n == 1 => "1 backer".to_owned(),
            Lang::En => format!("{n} backers"),
            Lang::ZhCn => format!("{n} 位支持者"),
        }
    }

    pub fn funded(self, percent: u32) -> String {
        match self {
            Lang::En => format!("{percent}% funded"),
            Lang::ZhCn => format!("已达成 {percent}%"),
        }
    }

    /// "12/30 to unlock" for a value below its minimum batch, "unlocked" above it.
    pub fn batch(self, claimed: u32, batch: u32) -> String {
        match self {
            Lang::En if claimed >= batch => "unlocked".to_owned(),
            Lang::En => format!("{claimed}/{batch} to unlock"),
            Lang::ZhCn if claimed >= batch => "已解锁".to_owned(),
            Lang::ZhCn => format!("{claimed}/{batch} 份解锁"),
        }
    }

    pub fn below_batch(self, name: &str, value: &str, claimed: u32, batch: u32) -> String {
        match self {
            Lang::En => format!(
                "{name} {value} did not reach its minimum batch ({claimed}/{batch}) and will not be made."
            ),
            Lang::ZhCn => format!("{name}「{value}」未达到最低起订量（{claimed}/{batch}），不会生产。"),
        }
    }

    /// A variant below its minimum batch: how many more units it needs.
    pub fn more_to_unlock(self, value: &str, n: u32) -> String {
        match self {
            Lang::En => format!("{value}: {n} more to unlock"),
            Lang::ZhCn => format!("{value}：还差 {n} 份解锁"),
        }
    }

    pub fn remaining(self, n: u32) -> String {
        match self {
            Lang::En => format!("{n} left"),
            Lang::ZhCn => format!("剩 {n} 份"),
        }
    }

    /// A sold-out tier's note: how many wait, and that the fan may join them.
    pub fn sold_out_note(self, waiting: u32) -> String {
        match self {
            Lang::En => format!("Sold out · {waiting} waiting — join the waitlist"),
            Lang::ZhCn => format!("已售罄 · {waiting} 人候补，可加入候补"),
        }
    }

    /// Where a fan who just joined a waitlist stands.
    pub fn on_waitlist(self, position: u32) -> String {
        match self {
            Lang::En => format!(
                "You are number {position} on the waitlist. When units come back they are offered in line order, and you hear from us."
            ),
            Lang::ZhCn => format!("已加入候补，排第 {position} 位。有份额释放时按顺序分配，并会通知你。"),
        }
    }

    pub fn status(self, status: Status) -> &'static str {
        let t = self.text();
        match status {
            Status::Scheduled => t.scheduled,
            Status::Live => t.live,
            Status::Succeeded => t.succeeded,
            Status::Failed => t.failed,
            Status::Cancelled => t.cancelled_status,
        }
    }

    /// "¥2,000 pledged in all", beside the money paid.
    pub fn pledged_in_all(self, amount: &str) -> String {
        match self {
            Lang::En => format!("{amount} pledged in all"),
            Lang::ZhCn => format!("共认筹 {amount}"),
        }
    }

    /// "Pay ¥598 to complete your pledge."
    pub fn pay(self, amount: &str) -> String {
        match self {
            Lang::En => format!("Pay {amount} to complete your pledge."),
            Lang::ZhCn => format!("请支付 {amount} 完成支持。"),
        }
    }

    pub fn thanks(self, name: &str, amount: &str) -> String {
        match self {
            Lang::En => format!("Thank you, {name}! Your pledge of {amount} is in."),
            Lang::ZhCn => format!("谢谢你，{name}！你支持的 {amount} 已记录。"),
        }
    }

    /// The tribe section's one line: how many backed, and who brought the most friends.
    pub fn tribe_summary(self, backers: u64, top: Option<(Option<&str>, u32)>) -> String {
        let text = self.text();
        match (self, top) {
            (Lang::En, Some((name, n))) => {
                format!(
                    "{} · top recruiter: {} ({})",
                    self.backers(backers),
                    name.unwrap_or(text.a_fan),
                    self.friends(n)
                )
            }
            (Lang::ZhCn, Some((name, n))) => {
                format!(
                    "{} · 推荐达人：{}（{}）",
                    self.backers(backers),
                    name.unwrap_or(text.a_fan),
                    self.friends(n)
                )
            }
            (_, None) => self.backers(backers),
        }
    }

    pub fn friends(self, n: u32) -> String {
        match self {
            Lang::En if n == 1 => "1 friend".to_owned(),
            Lang::En => format!("{n} friends"),
            Lang::ZhCn => format!("带来 {n} 位朋友"),
        }
    }

    /// On a backer's receipt: what their link has brought.
    pub fn your_tribe(self, n: u32, amount: &str) -> String {
        match self {
            Lang::En if n == 1 => format!("1 friend backed through your link, bringing {amount}."),
            Lang::En => format!("{n} friends backed through your link, bringing {amount}."),
            Lang::ZhCn => format!("已有 {n} 位朋友通过你的链接支持，共 {amount}。"),
        }
    }

    /// When a step is due (`2027-03-15`): "due 15 March 2027", "预计 2027年3月15日".
    pub fn due(self, day: &str) -> Option<String> {
        const MONTHS: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        let (year, month, day) = domain::milestones::date(day)?;
        Some(match self {
            Lang::En => format!("due {day} {} {year}", MONTHS[month as usize - 1]),
            Lang::ZhCn => format!("预计 {year}年{month}月{day}日"),
        })
    }

    pub fn at_least(self, price: &str) -> String {
        match self {
            Lang::En => format!("at least {price}"),
            Lang::ZhCn => format!("至少 {price}"),
        }
    }

    /// A refusal the server answered with, in the reader's words: the words for its
    /// `type` where there are some, else the server's `detail` (which names a wait or a
    /// cap). The one way the widget, the server's pages and the dashboard say a refusal.
    pub fn refusal(self, problem: &Problem) -> String {
        let kind = problem.kind.strip_prefix("/problems/").unwrap_or("");
        if let (Some(seconds), "tier-not-yet" | "not-live") = (problem.retry_after, kind) {
            return self.opens_in_seconds(seconds);
        }
        self.problem(&problem.kind).map_or_else(|| problem.detail.clone(), str::to_owned)
    }

    /// A pledge sent before its moment: "Not open yet: it opens in 3 s.", or in the
    /// countdown's words when it is more than a minute away.
    pub fn opens_in_seconds(self, seconds: u64) -> String {
        let left = i64::try_from(seconds).unwrap_or(i64::MAX);
        let countdown =
            domain::progress::time_left(domain::Timestamp::from_unix(left), domain::Timestamp::from_unix(0))
                .filter(|_| seconds > 60)
                .map(|left| self.words(countdown::Until::Opens, left));
        match (self, countdown) {
            (Lang::En, Some(words)) => format!("Not open yet. {words}."),
            (Lang::ZhCn, Some(words)) => format!("尚未开放，{words}。"),
            (Lang::En, None) => format!("Not open yet: it opens in {seconds} s."),
            (Lang::ZhCn, None) => format!("尚未开放：{seconds} 秒后开放。"),
        }
    }

    /// Each field's problem in the reader's words, by field.
    pub fn field_errors(self, errors: &FieldErrors) -> Vec<(String, String)> {
        errors.iter().map(|(field, e)| (field.to_owned(), self.field_error(e))).collect()
    }

    /// The reader's words for a problem the API answered with, by its `type`; `None` for
    /// problems the widget has no words for (their `detail` is shown instead).
    pub fn problem(self, kind: &str) -> Option<&'static str> {
        let t = self.text();
        match kind.strip_prefix("/problems/")? {
            "sold-out" => Some(t.sold_out),
            "not-live" => Some(t.closed),
            "cancelled" => Some(t.cancelled_campaign),
            "campaign-changed" => Some(t.changed),
            "tier-unavailable" => Some(t.no_longer),
            "per-address-limit" => Some(t.per_address),
            "unpaid-limit" => Some(t.unpaid_limit),
            "held-unpaid" => Some(t.held_unpaid),
            "invalid" => Some(t.fix_fields),
            "saturated" => Some(t.busy),
            "not-sold-out" => Some(t.not_sold_out),
            "already-waiting" => Some(t.already_waiting),
            "offer-gone" => Some(t.offer_gone),
            "unavailable" | "outcome-unknown" | "internal" => Some(t.network_error),
            _ => None,
        }
    }

    /// Why a choice of values that are made was refused, in the reader's words.
    pub fn choose_refused(self, problem: &Problem) -> String {
        if let Some(code) = problem.codes.values().next() {
            return self.field_error(code);
        }
        match problem.kind.as_str() {
            "/problems/not-payable" => self.text().choose_closed.to_owned(),
            _ => self.refusal(problem),
        }
    }

    pub fn field_error(self, error: &FieldError) -> String {
        match (self, error) {
            (Lang::En, FieldError::Required) => "Required".to_owned(),
            (Lang::En, e) => {
                // The messages start with an ASCII letter: capitalise it for display.
                let mut text = e.to_string();
                if let Some(first) = text.get_mut(..1) {
                    first.make_ascii_uppercase();
                }
                text
            }
            (Lang::ZhCn, FieldError::Required) => "必填".to_owned(),
            (Lang::ZhCn, FieldError::TooLong { max }) => format!("最多 {max} 个字"),
            (Lang::ZhCn, FieldError::ControlCharacter) => "含有不允许的字符".to_owned(),
            (Lang::ZhCn, FieldError::NotPositive) => "必须大于零".to_owned(),
            (Lang::ZhCn, FieldError::TooLarge) => "数额太大".to_owned(),
            (Lang::ZhCn, FieldError::NotWholeNumber | FieldError::NotANumber) => {
                "请输入金额，例如 99 或 99.50".to_owned()
            }
            (Lang::ZhCn, FieldError::BelowPrice { .. }) => "不能低于该档位价格".to_owned(),
            (Lang::ZhCn, FieldError::AboveMaxPledge { .. }) => "超过了单笔支持的上限".to_owned(),
            (Lang::ZhCn, FieldError::UnknownTier) => "该档位不存在".to_owned(),
            (Lang::ZhCn, FieldError::UnknownOption | FieldError::UnknownValue) => {
                "请选择一个有效选项".to_owned()
            }
            (Lang::ZhCn, FieldError::NotForTierless) => "无回报支持不能选择定制项".to_owned(),
            (Lang::ZhCn, FieldError::InvalidCode) => "推荐码无效".to_owned(),
            (Lang::ZhCn, FieldError::InvalidSlug) => "只能使用小写字母、数字和连字符".to_owned(),
            (Lang::ZhCn, FieldError::Duplicate) => "重复".to_owned(),
            (Lang::ZhCn, FieldError::EndsBeforeStart) => "必须晚于开始时间".to_owned(),
            (Lang::ZhCn, FieldError::TooFar { max_days }) => format!("最长 {max_days} 天"),
            (Lang::ZhCn, FieldError::NotAboveGoal) => "必须高于目标金额".to_owned(),
            (Lang::ZhCn, FieldError::AboveLimit) => "不能超过该档位的限量".to_owned(),
            (Lang::ZhCn, FieldError::Locked) => "已有人支持，不能再修改".to_owned(),
            (Lang::ZhCn, FieldError::BelowClaimed { claimed }) => format!("不能少于已被认领的 {claimed} 份"),
            (Lang::ZhCn, FieldError::InvalidOrigin) => "格式应为 https://域名[:端口] 或 *".to_owned(),
            (Lang::ZhCn, FieldError::NotAnImage) => "请上传 PNG、JPEG 或 WebP 图片".to_owned(),
            (Lang::ZhCn, FieldError::ImageTooLarge { max }) => format!("图片长宽不能超过 {max} 像素"),
            (Lang::ZhCn, FieldError::InvalidDate) => "请填写日期和时间".to_owned(),
            (Lang::ZhCn, FieldError::InvalidUrl) => "必须是公网上的 https:// 地址".to_owned(),
            (Lang::ZhCn, FieldError::InvalidEmail) => "必须是邮箱地址，如 mei@example.com".to_owned(),
            (Lang::ZhCn, FieldError::TooMany { max }) => format!("最多 {max} 个"),
            (Lang::ZhCn, FieldError::NotAvailable) => "本服务器暂不提供".to_owned(),
            (Lang::ZhCn, FieldError::NotMade) => "该款式未达到起订量，不会生产".to_owned(),
            (Lang::ZhCn, FieldError::WouldUnmake) => {
                "其他支持者也选了这个款式；换走会使它低于起订量，请保留".to_owned()
            }
            (Lang::ZhCn, FieldError::UnknownCountry) => "请填写国家或地区代码（如 CN、HK）".to_owned(),
            (Lang::ZhCn, FieldError::NotShipped) => "该回报无需寄送，不用填写寄送地".to_owned(),
            (Lang::ZhCn, FieldError::NoShippingTo) => "该回报不寄往这个国家或地区".to_owned(),
            (Lang::ZhCn, FieldError::Negative) => "不能小于零".to_owned(),
            (Lang::ZhCn, FieldError::InvalidPhone) => {
                "请填写有效的电话号码（中国大陆为 11 位手机号）".to_owned()
            }
            (Lang::ZhCn, FieldError::InvalidPostcode) => "邮政编码格式不对".to_owned(),
            (Lang::ZhCn, FieldError::OtherDestination) => {
                "须与支持时选择的寄送地一致（运费按该地支付）".to_owned()
            }
            (Lang::ZhCn, FieldError::NotAChoice) => "请选择一个给出的选项".to_owned(),
            (Lang::ZhCn, FieldError::SurveyLocked) => "问卷已锁定，不能再修改".to_owned(),
            (Lang::ZhCn, FieldError::UnknownReference) => "不是本项目的有效支持".to_owned(),
            (Lang::ZhCn, FieldError::InvalidTrackingNumber) => {
                "运单号应为 1 到 40 位字母、数字或连字符".to_owned()
            }
            (Lang::ZhCn, _) => "无效".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_first_supported_language() {
        assert_eq!(Lang::from_accept_language("fr-FR,zh-CN;q=0.9,en;q=0.8"), Some(Lang::ZhCn));
        assert_eq!(Lang::from_accept_language("en-GB,en;q=0.9"), Some(Lang::En));
        assert_eq!(Lang::from_accept_language("fr, de"), None);
        assert_eq!(Lang::from_tag("zh-Hans-CN"), Some(Lang::ZhCn));
    }

    #[test]
    fn known_problems_are_told_in_the_readers_language() {
        assert_eq!(Lang::ZhCn.problem("/problems/sold-out"), Some("已售罄"));
        assert_eq!(Lang::En.problem("/problems/rate-limited"), None, "shown with the server's detail");
        assert_eq!(Lang::En.problem("sold-out"), None);
    }

    #[test]
    fn english_field_errors_read_as_sentences() {
        assert_eq!(Lang::En.field_error(&FieldError::Required), "Required");
        assert_eq!(Lang::En.field_error(&FieldError::NotPositive), "Must be greater than zero");
        assert_eq!(Lang::ZhCn.field_error(&FieldError::TooLong { max: 60 }), "最多 60 个字");
        assert_eq!(Lang::ZhCn.field_error(&FieldError::Locked), "已有人支持，不能再修改");
        assert_eq!(Lang::ZhCn.problem("/problems/cancelled"), Some("发起人已取消该众筹，不再接受支持。"));
    }
}
