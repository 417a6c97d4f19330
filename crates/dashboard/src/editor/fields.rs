//! A draft's fields by name: the form's names are `domain`'s error paths
//! (`tiers[0].options[1].values[2].min_batch`), read here in both directions. Lists grow to
//! reach a named index only within `domain`'s bounds, so a hostile form cannot make a draft
//! large.

use super::draft::CampaignDraft;
use domain::Campaign;

impl CampaignDraft {
    /// A draft from a form's fields; names it does not know (the CSRF token, the action)
    /// are ignored.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> CampaignDraft {
        let mut draft = CampaignDraft::default();
        for (name, value) in pairs {
            draft.set(name, value);
        }
        draft
    }

    /// Every field as the form sends it: `(name, value)`, the inverse of [`Self::from_pairs`].
    pub fn pairs(&self) -> Vec<(String, String)> {
        let mut pairs: Vec<(String, String)> = [
            "id",
            "title",
            "summary",
            "story",
            "currency",
            "goal",
            "max_pledge",
            "starts_at",
            "ends_at",
            "funding",
            "payments",
            "manual_payment.instructions",
            "manual_payment.expires_after_hours",
            "manual_payment.qr",
            "unmade",
            "survey.opens",
            "survey.lock_at",
        ]
        .iter()
        .map(|f| (f.to_string(), self.get(f).unwrap_or_default().to_owned()))
        .collect();
        let mut add = |name: String, value: &str| pairs.push((name, value.to_owned()));
        for (i, t) in self.tiers.iter().enumerate() {
            for (f, v) in [
                ("id", &t.id),
                ("title", &t.title),
                ("price", &t.price),
                ("limit", &t.limit),
                ("per_backer", &t.per_backer),
                ("available_from", &t.available_from),
                ("available_until", &t.available_until),
                ("ships", &t.ships),
                ("shipping", &t.shipping),
            ] {
                add(format!("tiers[{i}].{f}"), v);
            }
            for (j, g) in t.options.iter().enumerate() {
                add(format!("tiers[{i}].options[{j}].name"), &g.name);
                for (k, v) in g.values.iter().enumerate() {
                    add(format!("tiers[{i}].options[{j}].values[{k}].value"), &v.value);
                    add(format!("tiers[{i}].options[{j}].values[{k}].min_batch"), &v.min_batch);
                }
            }
        }
        for (i, g) in self.stretch_goals.iter().enumerate() {
            add(format!("stretch_goals[{i}].amount"), &g.amount);
            add(format!("stretch_goals[{i}].label"), &g.label);
        }
        for i in 0..self.survey.questions.len() {
            for f in super::survey::QuestionDraft::FIELDS {
                add(format!("survey.questions[{i}].{f}"), self.survey.get(i, f).map_or("", |v| v));
            }
        }
        pairs
    }

    /// Sets the field named `name` (a `domain` path); false when there is no such field.
    /// Lists grow to reach an index within `domain`'s bounds, never beyond.
    pub fn set(&mut self, name: &str, value: &str) -> bool {
        let Some(slot) = self.field(name) else { return false };
        *slot = value.to_owned();
        true
    }

    /// The text of the field named `name`, if the draft has it.
    pub fn get(&self, name: &str) -> Option<&str> {
        let text: &String = match Path::parse(name)? {
            Path::Top(f) => match f {
                "id" => &self.id,
                "title" => &self.title,
                "summary" => &self.summary,
                "story" => &self.story,
                "currency" => &self.currency,
                "goal" => &self.goal,
                "max_pledge" => &self.max_pledge,
                "starts_at" => &self.starts_at,
                "ends_at" => &self.ends_at,
                "funding" => &self.funding,
                "payments" => &self.payments,
                "manual_payment.instructions" => &self.manual_instructions,
                "manual_payment.expires_after_hours" => &self.manual_hours,
                "manual_payment.qr" => &self.manual_qr,
                "unmade" => &self.unmade,
                "survey.opens" => &self.survey.opens,
                "survey.lock_at" => &self.survey.lock_at,
                _ => return None,
            },
            Path::Question(i, f) => self.survey.get(i, f)?,
            Path::Tier(i, f) => {
                let t = self.tiers.get(i)?;
                match f {
                    "id" => &t.id,
                    "title" => &t.title,
                    "price" => &t.price,
                    "limit" => &t.limit,
                    "per_backer" => &t.per_backer,
                    "available_from" => &t.available_from,
                    "available_until" => &t.available_until,
                    "ships" => &t.ships,
                    "shipping" => &t.shipping,
                    _ => return None,
                }
            }
            Path::Group(i, j) => &self.tiers.get(i)?.options.get(j)?.name,
            Path::Value(i, j, k, f) => {
                let v = self.tiers.get(i)?.options.get(j)?.values.get(k)?;
                if f == "value" { &v.value } else { &v.min_batch }
            }
            Path::Stretch(i, f) => {
                let g = self.stretch_goals.get(i)?;
                if f == "amount" { &g.amount } else { &g.label }
            }
        };
        Some(text.as_str())
    }

    fn field(&mut self, name: &str) -> Option<&mut String> {
        fn at<T: Default>(list: &mut Vec<T>, i: usize, max: usize) -> Option<&mut T> {
            if i >= max {
                return None;
            }
            if list.len() <= i {
                list.resize_with(i + 1, T::default);
            }
            list.get_mut(i)
        }
        Some(match Path::parse(name)? {
            Path::Top(f) => match f {
                "id" => &mut self.id,
                "title" => &mut self.title,
                "summary" => &mut self.summary,
                "story" => &mut self.story,
                "currency" => &mut self.currency,
                "goal" => &mut self.goal,
                "max_pledge" => &mut self.max_pledge,
                "starts_at" => &mut self.starts_at,
                "ends_at" => &mut self.ends_at,
                "funding" => &mut self.funding,
                "payments" => &mut self.payments,
                "manual_payment.instructions" => &mut self.manual_instructions,
                "manual_payment.expires_after_hours" => &mut self.manual_hours,
                "manual_payment.qr" => &mut self.manual_qr,
                "unmade" => &mut self.unmade,
                "survey.opens" => &mut self.survey.opens,
                "survey.lock_at" => &mut self.survey.lock_at,
                _ => return None,
            },
            Path::Question(i, f) => self.survey.field(i, f)?,
            Path::Tier(i, f) => {
                let t = at(&mut self.tiers, i, Campaign::MAX_TIERS)?;
                match f {
                    "id" => &mut t.id,
                    "title" => &mut t.title,
                    "price" => &mut t.price,
                    "limit" => &mut t.limit,
                    "per_backer" => &mut t.per_backer,
                    "available_from" => &mut t.available_from,
                    "available_until" => &mut t.available_until,
                    "ships" => &mut t.ships,
                    "shipping" => &mut t.shipping,
                    _ => return None,
                }
            }
            Path::Group(i, j) => {
                let t = at(&mut self.tiers, i, Campaign::MAX_TIERS)?;
                &mut at(&mut t.options, j, Campaign::MAX_OPTION_GROUPS)?.name
            }
            Path::Value(i, j, k, f) => {
                let t = at(&mut self.tiers, i, Campaign::MAX_TIERS)?;
                let g = at(&mut t.options, j, Campaign::MAX_OPTION_GROUPS)?;
                let v = at(&mut g.values, k, Campaign::MAX_OPTION_VALUES)?;
                if f == "value" { &mut v.value } else { &mut v.min_batch }
            }
            Path::Stretch(i, f) => {
                let g = at(&mut self.stretch_goals, i, Campaign::MAX_STRETCH_GOALS)?;
                if f == "amount" { &mut g.amount } else { &mut g.label }
            }
        })
    }
}

/// Where a form field's name points.
#[derive(Debug, PartialEq)]
enum Path<'a> {
    Top(&'a str),
    Tier(usize, &'a str),
    Group(usize, usize),
    Value(usize, usize, usize, &'a str),
    Stretch(usize, &'a str),
    Question(usize, &'a str),
}

impl<'a> Path<'a> {
    fn parse(name: &'a str) -> Option<Path<'a>> {
        /// `list[3].rest` → (3, rest)
        fn index<'a>(text: &'a str, list: &str) -> Option<(usize, &'a str)> {
            let rest = text.strip_prefix(list)?.strip_prefix('[')?;
            let (digits, rest) = rest.split_once("].")?;
            if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            Some((digits.parse().ok()?, rest))
        }
        if let Some((i, rest)) = index(name, "tiers") {
            if let Some((j, rest)) = index(rest, "options") {
                if rest == "name" {
                    return Some(Path::Group(i, j));
                }
                let (k, field) = index(rest, "values")?;
                return matches!(field, "value" | "min_batch").then_some(Path::Value(i, j, k, field));
            }
            return Some(Path::Tier(i, rest));
        }
        if let Some((i, field)) = index(name, "stretch_goals") {
            return matches!(field, "amount" | "label").then_some(Path::Stretch(i, field));
        }
        if let Some((i, field)) = index(name, "survey.questions") {
            return Some(Path::Question(i, field));
        }
        let manual = matches!(
            name,
            "manual_payment.instructions"
                | "manual_payment.expires_after_hours"
                | "manual_payment.qr"
                | "survey.opens"
                | "survey.lock_at"
        );
        (manual || !name.contains(['[', '.'])).then_some(Path::Top(name))
    }
}
