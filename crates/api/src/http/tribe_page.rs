//! The share page's whole tribe: every public backer (newest first) and every recruiter
//! (highest first), 50 to a page, as plain HTML below the widget, read without any script.
//! `?backers=N` and `?leaders=N` choose the pages; each list's links keep the other's page
//! and the page's look, and land on the list (`#backers`, `#leaders`).
//!
//! Names are shown only of backers who chose to be listed, as the view shows them; never a
//! contact. Everything is escaped.
//!
//! The first page of each list is kept per campaign ([`FirstPages`]) for as long as the
//! campaign's `seq` stands: a share page is viewed far more often than its lists change, so
//! most views read nothing from the database. Deeper pages are read each time.

use super::render::escape;
use crate::store::Store;
use domain::wire::{Leader, WallEntry};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use widget::i18n::Lang;

/// The recruiters and wall entries to a page, here and in the API's lists (`http::tribe`).
pub(crate) const PER_PAGE: u32 = 50;
/// The last page the lists show, from 0: deeper pages would cost a scan for nobody's reading.
pub(crate) const LAST_PAGE: u32 = 999;

/// The number (from 1) of the page after `index`, when it has anything and is not past the last.
pub(crate) fn next_page(index: u32, more: bool) -> Option<u32> {
    (more && index < LAST_PAGE).then_some(index + 2)
}

/// The campaigns whose first pages are kept at most; past it, all are forgotten at once.
const KEPT: usize = 4096;

/// The first page of both lists of each campaign viewed lately, with the `seq` it was read at.
#[derive(Debug, Default)]
pub(crate) struct FirstPages {
    kept: Mutex<HashMap<String, (u64, Arc<Lists>)>>,
}

/// One page of each list, and whether another follows.
#[derive(Debug)]
struct Lists {
    leaders: (Vec<Leader>, bool),
    backers: (Vec<WallEntry>, bool),
}

impl FirstPages {
    /// Campaign `id`'s first pages at `seq`: kept, or read and kept.
    async fn get(&self, store: &Store, id: &str, seq: u64) -> anyhow::Result<Arc<Lists>> {
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner()).get(id).cloned();
        if let Some((_, lists)) = kept.filter(|(at, _)| *at == seq) {
            return Ok(lists);
        }
        let lists = Arc::new(Lists {
            leaders: store.leaders_page(id, 0, PER_PAGE).await?,
            backers: store.wall_page(id, 0, PER_PAGE).await?,
        });
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if kept.len() >= KEPT {
            kept.clear();
        }
        kept.insert(id.to_owned(), (seq, lists.clone()));
        Ok(lists)
    }
}

/// Which page of each list a share page shows, from 0.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Pages {
    pub(super) backers: u32,
    pub(super) leaders: u32,
}

impl Pages {
    /// The pages asked for (`?backers=2&leaders=3`, from 1); anything unreadable is the first.
    pub(super) fn asked(backers: Option<&str>, leaders: Option<&str>) -> Pages {
        let index = |asked: Option<&str>| {
            asked
                .and_then(|n| n.parse::<u32>().ok())
                .filter(|n| (1..=LAST_PAGE + 1).contains(n))
                .map_or(0, |n| n - 1)
        };
        Pages { backers: index(backers), leaders: index(leaders) }
    }

    /// The query of a link to these pages: `look` (the page's look and referral, as
    /// `lang=…&…`) and the pages past the first.
    fn query(self, look: &str) -> String {
        let mut query = look.to_owned();
        for (name, index) in [("backers", self.backers), ("leaders", self.leaders)] {
            if index > 0 {
                query.push_str(&format!("&{name}={}", index + 1));
            }
        }
        query
    }
}

/// Both lists as sections of campaign `id`'s share page (its `seq` now), at `pages`; empty
/// lists are left out. `look` is the query the page links keep (`lang=…&theme=…[&ref=…]`).
pub(super) async fn sections(
    (store, first): (&Store, &FirstPages),
    (id, seq): (&str, u64),
    pages: Pages,
    look: &str,
    lang: Lang,
) -> anyhow::Result<String> {
    let kept = match pages.leaders == 0 || pages.backers == 0 {
        true => Some(first.get(store, id, seq).await?),
        false => None,
    };
    let (leaders, more_leaders) = match (&kept, pages.leaders) {
        (Some(kept), 0) => kept.leaders.clone(),
        _ => store.leaders_page(id, pages.leaders, PER_PAGE).await?,
    };
    let (backers, more_backers) = match (&kept, pages.backers) {
        (Some(kept), 0) => kept.backers.clone(),
        _ => store.wall_page(id, pages.backers, PER_PAGE).await?,
    };
    let link =
        |pages: Pages, anchor: &str| format!("/c/{}?{}#{anchor}", escape(id), escape(&pages.query(look)));
    let mut html = String::new();
    if !leaders.is_empty() || pages.leaders > 0 {
        let nav = Nav {
            newer: (pages.leaders > 0)
                .then(|| link(Pages { leaders: pages.leaders - 1, ..pages }, "leaders")),
            older: next_page(pages.leaders, more_leaders)
                .map(|_| link(Pages { leaders: pages.leaders + 1, ..pages }, "leaders")),
        };
        html.push_str(&leaders_section(&leaders, pages.leaders, &nav, lang));
    }
    if !backers.is_empty() || pages.backers > 0 {
        let nav = Nav {
            newer: (pages.backers > 0)
                .then(|| link(Pages { backers: pages.backers - 1, ..pages }, "backers")),
            older: next_page(pages.backers, more_backers)
                .map(|_| link(Pages { backers: pages.backers + 1, ..pages }, "backers")),
        };
        html.push_str(&backers_section(&backers, pages.backers, &nav, lang));
    }
    Ok(html)
}

/// The links to a list's neighbouring pages, already escaped.
struct Nav {
    newer: Option<String>,
    older: Option<String>,
}

struct Words {
    leaders: &'static str,
    backers: &'static str,
    a_fan: &'static str,
    page: &'static str,
    previous: &'static str,
    next: &'static str,
    nobody: &'static str,
}

fn words(lang: Lang) -> Words {
    match lang {
        Lang::En => Words {
            leaders: "Tribe leaders",
            backers: "Backers",
            a_fan: "A fan",
            page: "Page",
            previous: "← Previous page",
            next: "Next page →",
            nobody: "Nobody on this page.",
        },
        Lang::ZhCn => Words {
            leaders: "推荐榜",
            backers: "支持者",
            a_fan: "一位支持者",
            page: "第",
            previous: "← 上一页",
            next: "下一页 →",
            nobody: "这一页没有内容。",
        },
    }
}

fn leaders_section(leaders: &[Leader], index: u32, nav: &Nav, lang: Lang) -> String {
    let w = words(lang);
    let start = index * PER_PAGE + 1;
    let rows: String = leaders
        .iter()
        .map(|leader| {
            format!(
                "<li><span class=\"tf-who\">{}</span> <span class=\"tf-count\">{}</span></li>",
                escape(leader.name.as_deref().unwrap_or(w.a_fan)),
                escape(&lang.friends(leader.recruits)),
            )
        })
        .collect();
    section(
        "leaders",
        w.leaders,
        &format!("<ol class=\"tf-leaders\" start=\"{start}\">{rows}</ol>"),
        rows.is_empty(),
        index,
        nav,
        lang,
    )
}

fn backers_section(backers: &[WallEntry], index: u32, nav: &Nav, lang: Lang) -> String {
    let rows: String = backers
        .iter()
        .map(|entry| {
            let at = entry.created_at.to_string();
            let message =
                entry.message.as_deref().map(|m| format!(" <q>{}</q>", escape(m))).unwrap_or_default();
            format!(
                "<li><span class=\"tf-who\">{}</span> <time datetime=\"{at}\">{}</time>{message}</li>",
                escape(&entry.name),
                &at[..10],
            )
        })
        .collect();
    section(
        "backers",
        words(lang).backers,
        &format!("<ul class=\"tf-wall\">{rows}</ul>"),
        rows.is_empty(),
        index,
        nav,
        lang,
    )
}

/// A list's section: its heading, the list (or a line saying the page is empty), and its
/// page links.
fn section(
    anchor: &str,
    heading: &str,
    list: &str,
    empty: bool,
    index: u32,
    nav: &Nav,
    lang: Lang,
) -> String {
    let w = words(lang);
    let page = match (index, lang) {
        (0, _) => String::new(),
        (i, Lang::En) => format!(" · {} {}", w.page, i + 1),
        (i, Lang::ZhCn) => format!(" · {} {} 页", w.page, i + 1),
    };
    let body = if empty { format!("<p>{}</p>", w.nobody) } else { list.to_owned() };
    let mut links = String::new();
    if let Some(href) = &nav.newer {
        links.push_str(&format!("<a href=\"{href}\" rel=\"prev\">{}</a>", w.previous));
    }
    if let Some(href) = &nav.older {
        links.push_str(&format!("<a href=\"{href}\" rel=\"next\">{}</a>", w.next));
    }
    let nav = if links.is_empty() {
        String::new()
    } else {
        format!("<nav class=\"tf-pages\" aria-label=\"{heading}\">{links}</nav>")
    };
    format!(
        "<section class=\"tf tf-list tf-list-{anchor}\" id=\"{anchor}\" aria-labelledby=\"tf-{anchor}-h\">\
         <h2 id=\"tf-{anchor}-h\">{heading}{page}</h2>{body}{nav}</section>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_read_from_one_and_anything_else_is_the_first() {
        assert_eq!(Pages::asked(Some("3"), Some("1")), Pages { backers: 2, leaders: 0 });
        for odd in ["0", "-1", "x", "1001", "99999999999"] {
            assert_eq!(Pages::asked(Some(odd), Some(odd)), Pages::default(), "{odd}");
        }
    }

    #[test]
    fn a_page_link_keeps_the_look_and_the_other_list_s_page() {
        let pages = Pages { backers: 1, leaders: 0 };
        assert_eq!(pages.query("lang=en&ref=ab"), "lang=en&ref=ab&backers=2");
    }

    #[test]
    fn names_and_messages_are_escaped_and_the_ranks_go_on_across_pages() {
        let leader = Leader { name: Some("<b>Li</b>".into()), recruits: 2, amount: 10 };
        let hidden = Leader { name: None, recruits: 1, amount: 5 };
        let nav = Nav { newer: Some("/c/x?lang=en#leaders".into()), older: None };
        let html = leaders_section(&[leader, hidden], 1, &nav, Lang::En);
        assert!(html.contains("<ol class=\"tf-leaders\" start=\"51\">"), "{html}");
        assert!(html.contains("&lt;b&gt;Li&lt;/b&gt;") && html.contains("A fan"), "{html}");
        assert!(html.contains("Page 2") && html.contains("rel=\"prev\"") && !html.contains("rel=\"next\""));
        let entry = WallEntry {
            name: "Wu".into(),
            message: Some("\"</q><script>".into()),
            created_at: domain::Timestamp::from_unix(0),
        };
        let html = backers_section(&[entry], 0, &Nav { newer: None, older: None }, Lang::ZhCn);
        assert!(
            html.contains("<q>&quot;&lt;/q&gt;&lt;script&gt;</q>") && html.contains("1970-01-01"),
            "{html}"
        );
        assert!(html.contains("支持者") && !html.contains("<nav"), "{html}");
    }
}
