//! The words the service says to people. Every sentence comes from the catalogues beside this
//! file, `ja.ftl` and `en.ftl` ([Project Fluent](https://projectfluent.org/) syntax, one message
//! per id in both), with named parameters. The parameters are formatted here, for each
//! language, before Fluent sees them: yen with separators (「1,500円」, "¥1,500"), minutes as
//! hours and minutes (「2時間30分」, "2 h 30 min"), dates and ward-local times
//! (「12月10日 10:00」, "10 Dec 10:00"); a translator writes sentences, never number formats.
//!
//! Programs and partners are named by the ward's configuration and records; they arrive as
//! [`Arg::Named`] (both languages) or [`Arg::Text`] (one name for both).

use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};

/// A language the service speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    Ja,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Ja, Lang::En];

    pub fn tag(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }
}

/// A parameter of a message, formatted for each language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// Said as it is in every language (a person's or partner's name, a reason someone typed).
    Text(String),
    /// A name the ward gives in both languages (a program).
    Named { ja: String, en: String },
    /// A plain key for a selector in the catalogue (`[month]`, `[fiscal_year]`).
    Key(&'static str),
    /// Whole yen.
    Yen(i64),
    /// A count, grouped by thousands.
    Count(i64),
    /// A length of time in minutes.
    Minutes(i64),
    /// Care-taxi tickets: 「2枚」, "2 tickets".
    Tickets(i64),
    /// A calendar month: 「2026年11月」, "November 2026".
    Month(i32, u32),
    /// A calendar day.
    Date(NaiveDate),
    /// A ward-local date and time.
    LocalTime(NaiveDateTime),
    /// A request field, said as a word (`field-<name>` in the catalogue: 「終了日時」, "end
    /// time"); the field's own name travels in the problem's `field` member.
    Field(&'static str),
    /// A member or parameter the parsers named: its catalogue word where there is one, else
    /// 「項目」 in Japanese and the name itself in English (it is in the problem's `field`).
    Member(String),
    /// An amount in an allowance's unit: yen, tickets or minutes.
    Quantity(i64, Unit),
}

/// The catalogue id of a request field's word: `certificate.number` → `field-certificate-number`.
pub fn field_id(name: &str) -> String {
    format!("field-{}", name.replace('.', "-"))
}

/// The unit of an allowance, as messages say amounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Yen,
    Ticket,
    Minute,
}

impl Arg {
    fn format(&self, lang: Lang) -> String {
        use crate::units::grouped;
        match (self, lang) {
            (Arg::Text(t), _) => t.clone(),
            (Arg::Named { ja, .. }, Lang::Ja) => ja.clone(),
            (Arg::Named { en, .. }, Lang::En) => en.clone(),
            (Arg::Key(k), _) => (*k).to_owned(),
            (Arg::Yen(n), Lang::Ja) => format!("{}円", grouped(*n)),
            (Arg::Yen(n), Lang::En) => format!("¥{}", grouped(*n)),
            (Arg::Count(n), _) => grouped(*n),
            (Arg::Minutes(m), lang) => minutes(*m, lang),
            (Arg::Tickets(n), Lang::Ja) => format!("{}枚", grouped(*n)),
            (Arg::Tickets(1), Lang::En) => "1 ticket".to_owned(),
            (Arg::Tickets(n), Lang::En) => format!("{} tickets", grouped(*n)),
            (Arg::Month(y, m), Lang::Ja) => format!("{y}年{m}月"),
            (Arg::Month(y, m), Lang::En) => NaiveDate::from_ymd_opt(*y, *m, 1)
                .map(|d| d.format("%B %Y").to_string())
                .unwrap_or_else(|| format!("{y}-{m:02}")),
            (Arg::Date(d), Lang::Ja) => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
            (Arg::Date(d), Lang::En) => d.format("%-d %b %Y").to_string(),
            (Arg::LocalTime(t), Lang::Ja) => t.format("%-m月%-d日 %H:%M").to_string(),
            (Arg::LocalTime(t), Lang::En) => t.format("%-d %b %H:%M").to_string(),
            (Arg::Field(name), lang) => say(&field_id(name), &Args::new(), lang),
            (Arg::Member(name), lang) => {
                let id = field_id(name);
                match (has(&id), lang) {
                    (true, lang) => say(&id, &Args::new(), lang),
                    (false, Lang::Ja) => "項目".to_owned(),
                    (false, Lang::En) => name.clone(),
                }
            }
            (Arg::Quantity(n, Unit::Yen), lang) => Arg::Yen(*n).format(lang),
            (Arg::Quantity(n, Unit::Ticket), lang) => Arg::Tickets(*n).format(lang),
            (Arg::Quantity(n, Unit::Minute), lang) => minutes(*n, lang),
        }
    }
}

/// 「2時間30分」 / "2 h 30 min"; 「45分」 / "45 min"; 「3時間」 / "3 h".
fn minutes(m: i64, lang: Lang) -> String {
    let (h, m) = (m / 60, m % 60);
    match (lang, h, m) {
        (Lang::Ja, 0, m) => format!("{m}分"),
        (Lang::Ja, h, 0) => format!("{}時間", crate::units::grouped(h)),
        (Lang::Ja, h, m) => format!("{}時間{m}分", crate::units::grouped(h)),
        (Lang::En, 0, m) => format!("{m} min"),
        (Lang::En, h, 0) => format!("{} h", crate::units::grouped(h)),
        (Lang::En, h, m) => format!("{} h {m} min", crate::units::grouped(h)),
    }
}

/// The named parameters of one message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Args(Vec<(&'static str, Arg)>);

impl Args {
    pub fn new() -> Args {
        Args::default()
    }

    pub fn with(mut self, name: &'static str, value: Arg) -> Args {
        self.0.push((name, value));
        self
    }

    /// Adds the parameter only when there is a value.
    pub fn maybe(self, name: &'static str, value: Option<Arg>) -> Args {
        match value {
            Some(v) => self.with(name, v),
            None => self,
        }
    }
}

struct Catalogue {
    ja: FluentBundle<FluentResource>,
    en: FluentBundle<FluentResource>,
}

fn bundle(lang: Lang, source: &str) -> FluentBundle<FluentResource> {
    let id: unic_langid::LanguageIdentifier = lang.tag().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // Parameters are already formatted text; no bidi isolation marks around them.
    bundle.set_use_isolating(false);
    // A syntax error leaves the rest of the catalogue usable; the tests refuse it.
    let resource = FluentResource::try_new(source.to_owned()).unwrap_or_else(|(r, _)| r);
    let _ = bundle.add_resource(resource);
    bundle
}

const JA: &str = include_str!("ja.ftl");
const EN: &str = include_str!("en.ftl");

static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(|| Catalogue {
    ja: bundle(Lang::Ja, JA),
    en: bundle(Lang::En, EN),
});

/// A message rendered, with what went wrong on the way (an unknown id, a missing parameter);
/// the tests require `errors` to be empty for every message the service can say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub text: String,
    pub errors: Vec<String>,
}

/// Whether the catalogue has message `id` (in Japanese; the tests hold both to the same ids).
pub fn has(id: &str) -> bool {
    CATALOGUE.ja.has_message(id)
}

/// Renders message `id` in `lang`.
pub fn render(id: &str, args: &Args, lang: Lang) -> Rendered {
    let bundle = match lang {
        Lang::Ja => &CATALOGUE.ja,
        Lang::En => &CATALOGUE.en,
    };
    let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
        return Rendered {
            text: id.to_owned(),
            errors: vec![format!("no message {id} in {}", lang.tag())],
        };
    };
    let mut fluent = FluentArgs::new();
    for (name, value) in &args.0 {
        fluent.set(*name, value.format(lang));
    }
    let mut errors = Vec::new();
    let text = bundle
        .format_pattern(pattern, Some(&fluent), &mut errors)
        .into_owned();
    Rendered {
        text,
        errors: errors.iter().map(|e| format!("{id}: {e}")).collect(),
    }
}

static FAULTS: AtomicUsize = AtomicUsize::new(0);
static FAULT_LOG: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// Renders message `id` in `lang`; a fault in the catalogue (an unknown id or field word, a
/// missing parameter) is logged and counted, and the words that could be formed are still said.
pub fn say(id: &str, args: &Args, lang: Lang) -> String {
    let r = render(id, args, lang);
    for e in &r.errors {
        FAULTS.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut log) = FAULT_LOG.lock()
            && log.len() < 100
        {
            log.push(e.clone());
        }
        tracing::warn!(error = %e, "message catalogue");
    }
    r.text
}

/// The catalogue faults this process has met, the first hundred (the tests require none).
pub fn faults() -> Vec<String> {
    if FAULTS.load(Ordering::Relaxed) == 0 {
        return Vec::new();
    }
    FAULT_LOG.lock().map(|l| l.clone()).unwrap_or_default()
}

/// ASCII words in a Japanese sentence: what a person reading Japanese should never meet
/// (codes and ids travel in their own fields). Digits, punctuation and [`TYPED_AS_IS`] pass.
pub fn ascii_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| w.len() >= 2 && !TYPED_AS_IS.contains(w))
        .map(str::to_owned)
        .collect()
}

/// Letters Japanese writes as they are: in an example of a value's form (「FY2026」), and the
/// QR of 「QRコード」, the word everyone in Japan uses for the code.
const TYPED_AS_IS: &[&str] = &["FY", "QR"];

/// Every message id in a catalogue source, for the tests.
pub fn ids(lang: Lang) -> Vec<String> {
    let source = match lang {
        Lang::Ja => JA,
        Lang::En => EN,
    };
    let resource = FluentResource::try_new(source.to_owned()).unwrap_or_else(|(r, _)| r);
    resource
        .entries()
        .filter_map(|e| match e {
            fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
            _ => None,
        })
        .collect()
}

/// The variables a message uses (in its value, selectors and variants), for the tests.
pub fn variables(lang: Lang, id: &str) -> Vec<String> {
    use fluent_syntax::ast::{Entry, Expression, InlineExpression, Pattern, PatternElement};
    fn inline(e: &InlineExpression<&str>, out: &mut Vec<String>) {
        match e {
            InlineExpression::VariableReference { id } => out.push(id.name.to_owned()),
            InlineExpression::Placeable { expression } => expression_vars(expression, out),
            _ => {}
        }
    }
    fn expression_vars(e: &Expression<&str>, out: &mut Vec<String>) {
        match e {
            Expression::Inline(i) => inline(i, out),
            Expression::Select { selector, variants } => {
                inline(selector, out);
                for v in variants {
                    pattern(&v.value, out);
                }
            }
        }
    }
    fn pattern(p: &Pattern<&str>, out: &mut Vec<String>) {
        for e in &p.elements {
            if let PatternElement::Placeable { expression } = e {
                expression_vars(expression, out);
            }
        }
    }
    let source = match lang {
        Lang::Ja => JA,
        Lang::En => EN,
    };
    let resource = FluentResource::try_new(source.to_owned()).unwrap_or_else(|(r, _)| r);
    let mut out = Vec::new();
    for e in resource.entries() {
        if let Entry::Message(m) = e
            && m.id.name == id
            && let Some(p) = &m.value
        {
            pattern(p, &mut out);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// A sample value for a parameter, chosen by its name: the catalogue names each parameter by
/// what it is, so every message can be rendered in the tests. `None` for a name that says
/// nothing (the test refuses it).
pub fn sample(name: &str) -> Option<Arg> {
    let day = NaiveDate::from_ymd_opt(2026, 12, 10)?;
    let at = day.and_hms_opt(10, 0, 0)?;
    Some(match name {
        "child" | "partner" | "station" | "institution" | "title" | "name" | "actor" | "object" => {
            Arg::Text("しながわ".into())
        }
        "reason" => Arg::Text("受給者証の写しが添付されていません".into()),
        "program" | "ticket" | "status" | "action" | "fiscal_year" | "conditions" | "age_range"
        | "certificate" | "place" => Arg::Named {
            ja: "福祉タクシー".into(),
            en: "taxi".into(),
        },
        "field" => Arg::Field("amount_yen"),
        "member" => Arg::Member("payload".into()),
        "value" | "allowed" | "expected" => Arg::Named {
            ja: "整数".into(),
            en: "a whole number".into(),
        },
        "period" | "by" | "outcome" | "kind" => Arg::Key("month"),
        "month" => Arg::Month(2026, 11),
        "count" | "age" | "max_children" | "max_length" | "line" | "column" => Arg::Count(12),
        "length" => Arg::Minutes(150),
        "start" | "end" | "earliest_start" | "latest_end" | "dispute_until" | "closable_from" => {
            Arg::LocalTime(at)
        }
        "from" | "until" | "valid_from" | "valid_until" | "opens_on" | "earliest" | "latest"
        | "first_day" => Arg::Date(day),
        n if n.ends_with("_yen") || n == "covered" || n == "family_pays" => Arg::Yen(12_345),
        "left" | "remaining" | "requested" | "max" | "limit" => Arg::Quantity(45, Unit::Yen),
        n if n.ends_with("_minutes") => Arg::Minutes(90),
        n if n.starts_with("booked_") => Arg::Count(3),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_renders_with_sample_values_and_its_japanese_has_no_english_words() {
        let mut faults = Vec::new();
        for id in ids(Lang::Ja) {
            let mut args = Args::new();
            for v in variables(Lang::Ja, &id)
                .into_iter()
                .chain(variables(Lang::En, &id))
            {
                match sample(&v) {
                    Some(a) => args = args.with(Box::leak(v.into_boxed_str()), a),
                    None => faults.push(format!("{id}: no sample for ${v}; name it by what it is")),
                }
            }
            for lang in Lang::ALL {
                let r = render(&id, &args, lang);
                faults.extend(r.errors);
                if r.text.trim().is_empty() {
                    faults.push(format!("{id} ({}) is empty", lang.tag()));
                }
                if lang == Lang::Ja && !ascii_words(&r.text).is_empty() {
                    faults.push(format!("English in {id}: {}", r.text));
                }
            }
        }
        assert!(faults.is_empty(), "{faults:#?}");
    }

    #[test]
    fn both_catalogues_parse_and_hold_the_same_messages() {
        for (lang, source) in [(Lang::Ja, JA), (Lang::En, EN)] {
            if let Err((_, errors)) = FluentResource::try_new(source.to_owned()) {
                panic!("{} catalogue: {errors:?}", lang.tag());
            }
        }
        let (mut ja, mut en) = (ids(Lang::Ja), ids(Lang::En));
        ja.sort();
        en.sort();
        assert_eq!(ja, en, "the catalogues differ");
    }

    #[test]
    fn numbers_dates_and_times_are_said_as_each_language_writes_them() {
        let t = NaiveDate::from_ymd_opt(2026, 12, 10)
            .unwrap()
            .and_hms_opt(9, 5, 0)
            .unwrap();
        let said = |a: Arg| (a.format(Lang::Ja), a.format(Lang::En));
        assert_eq!(
            said(Arg::Yen(45_000)),
            ("45,000円".into(), "¥45,000".into())
        );
        assert_eq!(
            said(Arg::Minutes(150)),
            ("2時間30分".into(), "2 h 30 min".into())
        );
        assert_eq!(said(Arg::Minutes(45)), ("45分".into(), "45 min".into()));
        assert_eq!(
            said(Arg::Minutes(17_280)),
            ("288時間".into(), "288 h".into())
        );
        assert_eq!(
            said(Arg::Date(t.date())),
            ("2026年12月10日".into(), "10 Dec 2026".into())
        );
        assert_eq!(
            said(Arg::LocalTime(t)),
            ("12月10日 09:05".into(), "10 Dec 09:05".into())
        );
    }

    #[test]
    fn an_unknown_message_or_a_missing_parameter_is_an_error_not_a_silence() {
        assert!(
            !render("no-such-message", &Args::new(), Lang::Ja)
                .errors
                .is_empty()
        );
        assert!(ascii_words("利用しました（ID 12）").contains(&"ID".to_owned()));
        assert!(ascii_words("1,500円を2026年12月10日に").is_empty());
    }
}
