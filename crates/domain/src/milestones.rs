//! A campaign's production timeline: the steps from funded to delivered, each planned,
//! active or done, some with the day they are due. The creator replaces the whole list at
//! once; backers see it on the share page, the thank-you view and every receipt
//! ("Samples ✓ → Production (due 15 March) → Shipping").

use crate::invalid::{FieldError, FieldErrors};
use crate::text::clean;
use serde::{Deserialize, Serialize};

/// One step of the timeline.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Milestone {
    /// Lowercase letters, digits and dashes (`samples`).
    pub id: String,
    pub title: String,
    /// The day it is due, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
    pub state: MilestoneState,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MilestoneState {
    Planned,
    Active,
    Done,
}

impl MilestoneState {
    pub fn parse(text: &str) -> Option<MilestoneState> {
        match text {
            "planned" => Some(MilestoneState::Planned),
            "active" => Some(MilestoneState::Active),
            "done" => Some(MilestoneState::Done),
            _ => None,
        }
    }
}

/// The most steps a timeline has.
pub const MAX: usize = 20;

/// The timeline `list` describes, trimmed, or every problem with it (keyed `[0].title`).
pub fn check(list: Vec<Milestone>) -> Result<Vec<Milestone>, FieldErrors> {
    let mut errors = FieldErrors::new();
    if list.len() > MAX {
        errors.add("milestones", FieldError::TooMany { max: MAX as u32 });
    }
    let mut checked: Vec<Milestone> = Vec::with_capacity(list.len());
    for (i, step) in list.into_iter().enumerate() {
        let at = |field: &str| format!("[{i}].{field}");
        let id = step.id.trim().to_owned();
        if crate::campaign::TierId::parse(&id).is_none() {
            errors.add(at("id"), FieldError::InvalidSlug);
        } else if checked.iter().any(|m| m.id == id) {
            errors.add(at("id"), FieldError::Duplicate);
        }
        let title = errors.check(&at("title"), clean(&step.title, 80, true, false)).unwrap_or_default();
        let due = step.due.map(|d| d.trim().to_owned()).filter(|d| !d.is_empty());
        if due.as_deref().is_some_and(|d| !is_date(d)) {
            errors.add(at("due"), FieldError::InvalidDate);
        }
        checked.push(Milestone { id, title, due, state: step.state });
    }
    if errors.is_empty() { Ok(checked) } else { Err(errors) }
}

/// Whether `text` is a calendar day, `YYYY-MM-DD`, between 2000 and 2199.
pub fn is_date(text: &str) -> bool {
    date(text).is_some()
}

/// The year, month and day of `text` (`YYYY-MM-DD`), when it is a calendar day.
pub fn date(text: &str) -> Option<(u32, u32, u32)> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = &text[range];
        part.bytes().all(|b| b.is_ascii_digit()).then(|| part.parse().ok())?
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    ((2000..2200).contains(&year) && (1..=days).contains(&day)).then_some((year, month, day))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(id: &str, title: &str, due: Option<&str>) -> Milestone {
        Milestone {
            id: id.into(),
            title: title.into(),
            due: due.map(str::to_owned),
            state: MilestoneState::Planned,
        }
    }

    #[test]
    fn a_timeline_is_trimmed_and_each_bad_step_is_named() {
        let good =
            check(vec![step(" samples ", " Samples ", Some("2027-02-28")), step("ship", "Shipping", None)]);
        assert_eq!(good.unwrap()[0], step("samples", "Samples", Some("2027-02-28")));
        let errors = check(vec![
            step("Samples!", "", Some("2027-02-29")),
            step("ship", "Shipping", Some("15 March")),
            step("ship", "Again", Some("")),
        ])
        .unwrap_err();
        assert_eq!(errors.get("[0].id"), Some(&FieldError::InvalidSlug));
        assert_eq!(errors.get("[0].title"), Some(&FieldError::Required));
        assert_eq!(errors.get("[0].due"), Some(&FieldError::InvalidDate));
        assert_eq!(errors.get("[1].due"), Some(&FieldError::InvalidDate));
        assert_eq!(errors.get("[2].id"), Some(&FieldError::Duplicate));
        assert_eq!(errors.get("[2].due"), None, "a blank day is no day");
        let long = (0..21).map(|i| step(&format!("s{i}"), "Step", None)).collect();
        assert_eq!(check(long).unwrap_err().get("milestones"), Some(&FieldError::TooMany { max: 20 }));
    }

    #[test]
    fn only_calendar_days_are_dates() {
        assert_eq!(date("2028-02-29"), Some((2028, 2, 29)));
        for bad in [
            "2027-02-29",
            "2100-02-29",
            "2027-13-01",
            "2027-00-10",
            "2027-1-10",
            "1999-12-31",
            "2027-04-31",
            "２０２７-01-01",
            "+027-01-01",
        ] {
            assert_eq!(date(bad), None, "{bad}");
        }
    }
}
