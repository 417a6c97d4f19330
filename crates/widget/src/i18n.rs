//! The widget's words in English and Simplified Chinese.
//!
//! The server picks the language (from `data-lang`, forwarded by the loader, or the
//! browser's `Accept-Language`) and the browser keeps it, so server HTML and hydrated HTML
//! always agree.

use domain::progress::TimeLeft;
use domain::wire::Problem;
use domain::{FieldError, FieldErrors, Status};
use serde::{Deserialize, Serialize};

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

    pub fn time_left(self, left: TimeLeft) -> String {
        match self {
            Lang::En if left.days > 1 => format!("{} days left", left.days),
            Lang::En if left.days == 1 => format!("1 day {}h left", left.hours),
            Lang::En if left.hours > 0 => format!("{}h {}m left", left.hours, left.minutes),
            Lang::En => format!("{}m {}s left", left.minutes, left.seconds),
            Lang::ZhCn if left.days > 1 => format!("剩余 {} 天", left.days),
            Lang::ZhCn if left.days == 1 => format!("剩余 1 天 {} 小时", left.hours),
            Lang::ZhCn if left.hours > 0 => format!("剩余 {} 小时 {} 分", left.hours, left.minutes),
            Lang::ZhCn => format!("剩余 {} 分 {} 秒", left.minutes, left.seconds),
        }
    }

    pub fn starts_in(self, left: TimeLeft) -> String {
        let until = self.time_left(left);
        match self {
            Lang::En => format!("Starts in {}", until.trim_end_matches(" left")),
            Lang::ZhCn => format!("距开始{}", until.trim_start_matches("剩余")),
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
        self.problem(&problem.kind).map_or_else(|| problem.detail.clone(), str::to_owned)
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
            (Lang::ZhCn, _) => "无效".to_owned(),
        }
    }
}

/// Fixed strings. One instance per language; a missing translation fails to compile.
#[derive(Debug)]
pub struct Text {
    pub raised_of: &'static str,
    pub paid_of: &'static str,
    pub scheduled: &'static str,
    pub live: &'static str,
    pub succeeded: &'static str,
    pub failed: &'static str,
    pub choose_reward: &'static str,
    /// The production timeline's heading, and what a done step and the step under way are
    /// to a screen reader.
    pub timeline: &'static str,
    pub step_done: &'static str,
    pub step_active: &'static str,
    /// Where the reward is delivered: the field, its empty choice, the group of the
    /// destinations the creator did not name, and the words before a delivery price.
    pub deliver_to: &'static str,
    pub choose_destination: &'static str,
    pub elsewhere: &'static str,
    pub delivery: &'static str,
    pub delivery_free: &'static str,
    pub no_reward: &'static str,
    pub no_reward_hint: &'static str,
    pub sold_out: &'static str,
    pub amount: &'static str,
    pub name: &'static str,
    pub contact: &'static str,
    pub contact_hint: &'static str,
    pub public: &'static str,
    pub message: &'static str,
    pub pledge: &'static str,
    pub sending: &'static str,
    pub share_prompt: &'static str,
    pub pay_reference: &'static str,
    pub pay_by: &'static str,
    pub paid: &'static str,
    pub payment_void: &'static str,
    pub card_prompt: &'static str,
    pub card_save: &'static str,
    pub card_saving: &'static str,
    pub card_saved: &'static str,
    pub card_declined: &'static str,
    pub card_unavailable: &'static str,
    pub card_hold: &'static str,
    pub pay_qr: &'static str,
    pub choose_prompt: &'static str,
    pub choose: &'static str,
    pub value_chosen: &'static str,
    pub choose_closed: &'static str,
    pub copy: &'static str,
    pub copied: &'static str,
    pub receipt: &'static str,
    pub closed: &'static str,
    pub not_started: &'static str,
    pub network_error: &'static str,
    pub fix_fields: &'static str,
    pub pledge_again: &'static str,
    pub powered_by: &'static str,
    pub stretch_goals: &'static str,
    pub units: &'static str,
    pub not_yet: &'static str,
    pub no_longer: &'static str,
    pub per_address: &'static str,
    pub unpaid_limit: &'static str,
    pub held_unpaid: &'static str,
    pub cancel: &'static str,
    pub cancelled: &'static str,
    pub cancelled_status: &'static str,
    pub cancelled_campaign: &'static str,
    pub changed: &'static str,
    pub latest_update: &'static str,
    pub top_recruiters: &'static str,
    pub newest_backers: &'static str,
    pub a_fan: &'static str,
    pub share_variant: &'static str,
    pub share: &'static str,
    pub wechat_guide: &'static str,
    pub qr_alt: &'static str,
    pub qr_hint: &'static str,
}

pub static EN: Text = Text {
    raised_of: "pledged of",
    paid_of: "paid of",
    scheduled: "Starts soon",
    live: "Live",
    succeeded: "Funded!",
    failed: "Ended",
    choose_reward: "Choose your reward",
    timeline: "Production",
    step_done: "done",
    step_active: "under way",
    deliver_to: "Deliver to",
    choose_destination: "Choose a country or region",
    elsewhere: "Elsewhere",
    delivery: "delivery",
    delivery_free: "free delivery",
    no_reward: "Support without reward",
    no_reward_hint: "Any amount helps",
    sold_out: "Sold out",
    amount: "Amount",
    name: "Your name",
    contact: "Email or WeChat ID",
    contact_hint: "Only the creator sees this",
    public: "Show my name on the backer list",
    message: "Message to the creator (optional)",
    pledge: "Pledge",
    sending: "Sending…",
    share_prompt: "Share your personal link. Every friend who backs through it counts for you:",
    pay_reference: "Write this reference in the payment's note:",
    pay_by: "Unpaid pledges are released after",
    paid: "Payment received. Thank you!",
    payment_void: "This pledge was not paid in time and no longer holds its place.",
    card_prompt: "Save a card to secure your pledge. It is charged only as the campaign says: at once if it keeps what it raises, otherwise only if it succeeds.",
    card_save: "Save card",
    card_saving: "Saving…",
    card_saved: "Card saved: your pledge counts. You will be charged as the campaign says.",
    card_declined: "Your card was declined. Save another card to keep your pledge:",
    card_unavailable: "The card form could not load. Please try again in a moment.",
    card_hold: "Your place is held until",
    pay_qr: "The creator's collection code: scan it in WeChat or Alipay to pay",
    choose_prompt: "Choose a value that is made instead, or your pledge is cancelled and refunded after",
    choose: "Choose",
    value_chosen: "Thank you: your choice is saved, and your pledge stands.",
    choose_closed: "This pledge no longer waits for a choice.",
    copy: "Copy",
    copied: "Copied",
    receipt: "Your receipt",
    closed: "This campaign has ended.",
    not_started: "Pledging opens when the campaign starts.",
    network_error: "Could not reach the server. Your pledge was not sent; please try again.",
    fix_fields: "Please check the highlighted fields.",
    pledge_again: "Pledge again",
    powered_by: "Crowdfunding by tribefund",
    stretch_goals: "Stretch goals",
    units: "How many",
    not_yet: "Not available yet",
    no_longer: "No longer available",
    per_address: "You already hold as many of this reward as one person may",
    unpaid_limit: "Pay for the units you already hold first, then pledge again",
    held_unpaid: "The rest is held by pledges awaiting payment; try again soon, units come back when they are not paid",
    cancel: "Cancel my pledge",
    cancelled: "This pledge was cancelled.",
    cancelled_status: "Cancelled",
    cancelled_campaign: "The creator cancelled this campaign. No pledges are taken.",
    changed: "The creator just changed this campaign. Please check your choice and pledge again.",
    latest_update: "Update:",
    top_recruiters: "Top recruiters",
    newest_backers: "Newest backers",
    a_fan: "A fan",
    share_variant: "Share this link: it opens the form on your choice.",
    share: "Share…",
    wechat_guide: "Tap ··· at the top right, then Send to Chat or Share to Moments.",
    qr_alt: "QR code of your share link",
    qr_hint: "Long-press to save, or let a friend scan it.",
};

pub static ZH: Text = Text {
    raised_of: "已筹 / 目标",
    paid_of: "已付款 / 目标",
    scheduled: "即将开始",
    live: "进行中",
    succeeded: "众筹成功！",
    failed: "已结束",
    choose_reward: "选择回报档位",
    timeline: "生产进度",
    step_done: "已完成",
    step_active: "进行中",
    deliver_to: "寄送至",
    choose_destination: "请选择国家或地区",
    elsewhere: "其他国家和地区",
    delivery: "运费",
    delivery_free: "包邮",
    no_reward: "无回报支持",
    no_reward_hint: "金额随意",
    sold_out: "已售罄",
    amount: "金额",
    name: "你的称呼",
    contact: "邮箱或微信号",
    contact_hint: "仅发起人可见",
    public: "在支持者名单中显示我的称呼",
    message: "给发起人的留言（选填）",
    pledge: "立即支持",
    sending: "提交中…",
    share_prompt: "分享你的专属链接，朋友通过它支持都会记在你名下：",
    pay_reference: "付款时请在备注中填写：",
    pay_by: "未付款的支持将在此时间后释放：",
    paid: "已收到付款，谢谢！",
    payment_void: "该支持未按时付款，名额已释放。",
    card_prompt: "保存银行卡以确认支持。扣款按项目规则：灵活筹款立即扣款，否则仅在项目成功时扣款。",
    card_save: "保存银行卡",
    card_saving: "保存中…",
    card_saved: "银行卡已保存，你的支持已计入。将按项目规则扣款。",
    card_declined: "银行卡扣款被拒。请保存另一张卡以保留你的支持：",
    card_unavailable: "银行卡表单未能加载，请稍后再试。",
    card_hold: "名额保留至",
    pay_qr: "创作者的收款码：用微信或支付宝扫码付款",
    choose_prompt: "请改选一个已成团的款式，否则你的支持将被取消并退款，截止时间：",
    choose: "确认改选",
    value_chosen: "已保存你的选择，你的支持继续有效。",
    choose_closed: "这笔支持已无需改选。",
    copy: "复制",
    copied: "已复制",
    receipt: "查看凭证",
    closed: "众筹已结束。",
    not_started: "众筹开始后即可支持。",
    network_error: "无法连接服务器，支持未提交，请重试。",
    fix_fields: "请检查标出的内容。",
    pledge_again: "再次支持",
    powered_by: "tribefund 众筹",
    stretch_goals: "延伸目标",
    units: "数量",
    not_yet: "尚未开放",
    no_longer: "已停止供应",
    per_address: "每人可认领的数量已达上限",
    unpaid_limit: "请先为已认领但未付款的份数付款，再继续认领",
    held_unpaid: "剩余份数已被待付款的认领占用；未按时付款的会释放，请稍后再试",
    cancel: "取消支持",
    cancelled: "该支持已取消。",
    cancelled_status: "已取消",
    cancelled_campaign: "发起人已取消该众筹，不再接受支持。",
    changed: "发起人刚刚修改了该众筹，请确认后重新提交。",
    latest_update: "最新动态：",
    top_recruiters: "推荐达人",
    newest_backers: "最新支持者",
    a_fan: "一位支持者",
    share_variant: "分享这个链接，朋友打开就是你选的款式：",
    share: "分享…",
    wechat_guide: "点击右上角 ··· ，选择「发送给朋友」或「分享到朋友圈」。",
    qr_alt: "你的专属分享二维码",
    qr_hint: "长按保存图片，或让朋友扫码支持。",
};

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
