//! The dashboard's words in English and Simplified Chinese.

use widget::i18n::Lang;

/// Fixed strings; one instance per language, so a missing translation fails to compile.
#[derive(Debug)]
pub struct Text {
    pub dashboard: &'static str,
    pub campaigns: &'static str,
    pub sign_out: &'static str,
    pub sign_in: &'static str,
    pub key: &'static str,
    pub key_hint: &'static str,
    pub title: &'static str,
    pub status: &'static str,
    pub raised: &'static str,
    pub backers: &'static str,
    pub no_campaigns: &'static str,
    pub embed: &'static str,
    pub share_page: &'static str,
    pub demand: &'static str,
    pub value: &'static str,
    pub units: &'static str,
    pub min_batch: &'static str,
    pub reached: &'static str,
    pub short: &'static str,
    pub not_made: &'static str,
}

pub fn text(lang: Lang) -> &'static Text {
    match lang {
        Lang::En => &EN,
        Lang::ZhCn => &ZH,
    }
}

static EN: Text = Text {
    dashboard: "Dashboard",
    campaigns: "Campaigns",
    sign_out: "Sign out",
    sign_in: "Sign in",
    key: "Site key",
    key_hint: "The creator key from `tribefund site create` (tf_…).",
    title: "Campaign",
    status: "Status",
    raised: "Raised",
    backers: "Backers",
    no_campaigns: "No campaigns yet.",
    embed: "Embed code",
    share_page: "Share page",
    demand: "Production plan",
    value: "Variant",
    units: "Units",
    min_batch: "Minimum batch",
    reached: "Reached",
    short: "Still needed",
    not_made: "Units not made if the campaign ended now",
};

static ZH: Text = Text {
    dashboard: "控制台",
    campaigns: "众筹项目",
    sign_out: "退出登录",
    sign_in: "登录",
    key: "站点密钥",
    key_hint: "运行 tribefund site create 得到的发起人密钥（tf_…）。",
    title: "项目",
    status: "状态",
    raised: "已筹",
    backers: "支持者",
    no_campaigns: "还没有众筹项目。",
    embed: "嵌入代码",
    share_page: "分享页",
    demand: "生产计划",
    value: "款式",
    units: "数量",
    min_batch: "最低起订量",
    reached: "已达成",
    short: "还差",
    not_made: "若现在结束，不会生产的数量",
};
