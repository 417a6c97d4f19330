//! The carriers a parcel's tracking link is known for: the ones Chinese creators and their
//! backers abroad use. A carrier is named by its short id (`sf`) or a name people write
//! (`SF Express`, `顺丰`); anything else is kept as written, without a link.
//!
//! SF Express, UPS, FedEx, DHL and USPS link to their own tracking pages. The other Chinese
//! carriers' own sites take the number only through a form, so their link is Kuaidi100's
//! tracking page, the one most Chinese shoppers use.

/// `(id, display name, Chinese name, other names people write)`.
const CARRIERS: &[(&str, &str, &str, &[&str])] = &[
    ("sf", "SF Express", "顺丰速运", &["sf express", "sfexpress", "shunfeng", "顺丰"]),
    ("ems", "EMS / China Post", "EMS / 中国邮政", &["china post", "chinapost", "中国邮政", "邮政", "ems"]),
    ("jd", "JD Logistics", "京东物流", &["jd logistics", "jingdong", "京东"]),
    ("yto", "YTO Express", "圆通速递", &["yto express", "yuantong", "圆通"]),
    ("zto", "ZTO Express", "中通快递", &["zto express", "zhongtong", "中通"]),
    ("sto", "STO Express", "申通快递", &["sto express", "shentong", "申通"]),
    ("yunda", "Yunda Express", "韵达快递", &["yunda express", "韵达"]),
    ("ups", "UPS", "UPS", &[]),
    ("fedex", "FedEx", "联邦快递", &["fed ex", "联邦快递"]),
    ("dhl", "DHL", "DHL", &["dhl express"]),
    ("usps", "USPS", "美国邮政", &["us postal service"]),
];

/// The id of the carrier `name` names, when it is one this server knows.
pub fn id(name: &str) -> Option<&'static str> {
    let name = name.trim().to_lowercase();
    CARRIERS
        .iter()
        .find(|(id, english, _, others)| {
            *id == name || english.to_lowercase() == name || others.contains(&name.as_str())
        })
        .map(|(id, ..)| *id)
}

/// The carrier's name to show: its own for a known carrier, in Chinese when `chinese`;
/// otherwise `name` as written.
pub fn display(name: &str, chinese: bool) -> String {
    match CARRIERS.iter().find(|c| Some(c.0) == id(name)) {
        Some((_, english, zh, _)) => if chinese { zh } else { english }.to_string(),
        None => name.trim().to_owned(),
    }
}

/// The page that tracks `number` with carrier `name`, when the carrier is known. The
/// number is written into the link only when it is letters, digits and dashes.
pub fn tracking_url(name: &str, number: &str) -> Option<String> {
    if number.is_empty()
        || number.len() > 40
        || !number.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return None;
    }
    let kuaidi100 = |com: &str| format!("https://www.kuaidi100.com/chaxun?com={com}&nu={number}");
    Some(match id(name)? {
        "sf" => format!("https://www.sf-express.com/chn/sc/waybill/waybill-detail/{number}"),
        "ems" => kuaidi100("ems"),
        "jd" => kuaidi100("jd"),
        "yto" => kuaidi100("yuantong"),
        "zto" => kuaidi100("zhongtong"),
        "sto" => kuaidi100("shentong"),
        "yunda" => kuaidi100("yunda"),
        "ups" => format!("https://www.ups.com/track?tracknum={number}"),
        "fedex" => format!("https://www.fedex.com/fedextrack/?trknbr={number}"),
        "dhl" => format!(
            "https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id={number}"
        ),
        "usps" => format!("https://tools.usps.com/go/TrackConfirmAction?tLabels={number}"),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_carrier_is_known_by_its_id_or_the_names_people_write() {
        assert_eq!(id("SF"), Some("sf"));
        assert_eq!(id(" 顺丰 "), Some("sf"));
        assert_eq!(id("China Post"), Some("ems"));
        assert_eq!(id("Pigeon"), None);
        assert_eq!(display("zto", true), "中通快递");
        assert_eq!(display("Pigeon Post", false), "Pigeon Post");
    }

    #[test]
    fn every_known_carrier_has_an_https_tracking_link_and_odd_numbers_get_none() {
        for (id, ..) in CARRIERS {
            let url = tracking_url(id, "SF1234567890").unwrap_or_default();
            assert!(url.starts_with("https://") && url.contains("SF1234567890"), "{id}: {url}");
        }
        assert_eq!(tracking_url("pigeon", "123"), None);
        assert_eq!(tracking_url("sf", "12 34"), None);
        assert_eq!(tracking_url("sf", "1\"><script>"), None);
    }
}
