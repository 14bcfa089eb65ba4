//! What a notification says to a person: a title and a body in Japanese and English, from the
//! message catalogue (`src/messages/*.ftl`, ids `<type>-title` and `<type>-body`, e.g.
//! `voucher-redeemed-title`), filled with the names of the partner, institution and child and
//! the amounts. The push gateway shows them as they are.
//!
//! Each area says what its event is about in a [`Words`]; a station or an institution is told
//! a child's initials only (need-to-know), a family its child's name.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::EventKind;
use crate::messages::{self, Arg, Args, Lang};

/// A program as the ward names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramName {
    pub ja: String,
    pub en: String,
}

impl ProgramName {
    /// The program's names in the settings given (empty when the ward has no such program).
    pub fn of(rules: &crate::config::ProgramRules, program: crate::config::Program) -> ProgramName {
        let terms = rules.terms_of(program);
        ProgramName {
            ja: terms.map(|t| t.name_ja).unwrap_or_default().to_owned(),
            en: terms.map(|t| t.name_en).unwrap_or_default().to_owned(),
        }
    }

    fn arg(&self) -> Arg {
        Arg::Named {
            ja: self.ja.clone(),
            en: self.en.clone(),
        }
    }
}

/// A period's balance: yen or tickets left this month, or minutes this fiscal year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Left {
    Yen(i64),
    Tickets(i64),
    Minutes(i64),
}

/// Who undid a redemption.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UndoneBy {
    /// The partner, the same day (取消).
    Partner,
    /// Ward staff, with a reason.
    Ward,
}

/// The facts a notification is worded from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Words {
    /// An application decided (to the family).
    Decision {
        child: String,
        program: ProgramName,
        valid_from: Option<NaiveDate>,
        reason: Option<String>,
    },
    /// A code redeemed (to the family).
    Redeemed {
        child: String,
        program: ProgramName,
        partner: String,
        covered_yen: i64,
        family_pays_yen: i64,
        left: Left,
        /// Whether the balance is the month's or the fiscal year's.
        fiscal_year: bool,
    },
    /// A redemption undone (to the family).
    Reversed {
        child: String,
        program: ProgramName,
        covered_yen: i64,
        by: UndoneBy,
        reason: Option<String>,
    },
    /// A month closed for payment (to the partner).
    Closed {
        year: i32,
        month: u32,
        covered_yen: i64,
    },
    /// A respite visit moved (to the family: the child's name; to the station: initials).
    Visit {
        child: String,
        station: String,
        start: NaiveDateTime,
        minutes: i64,
        reason: Option<String>,
        dispute_until: Option<NaiveDateTime>,
        /// For a decided dispute: whether the family was right.
        family_right: Option<bool>,
    },
    /// A short stay moved (to the family: the child's name; to the institution: initials).
    Stay {
        child: String,
        institution: Option<String>,
        from: Option<NaiveDate>,
        until: Option<NaiveDate>,
        reason: Option<String>,
    },
    /// A waiting play-space booking confirmed (to the family).
    Promoted { title: String, start: NaiveDateTime },
    /// A play session the family booked was changed or called off (the reason when called off).
    Session {
        title: String,
        start: NaiveDateTime,
        end: NaiveDateTime,
        reason: Option<String>,
    },
}

impl Words {
    fn args(&self) -> Args {
        let text = |s: &str| Arg::Text(s.to_owned());
        let reason = |r: &Option<String>| text(r.as_deref().unwrap_or(""));
        match self {
            Words::Decision {
                child,
                program,
                valid_from,
                reason: r,
            } => Args::new()
                .with("child", text(child))
                .with("program", program.arg())
                .maybe("valid_from", valid_from.map(Arg::Date))
                .with("reason", reason(r)),
            Words::Redeemed {
                child,
                program,
                partner,
                covered_yen,
                family_pays_yen,
                left,
                fiscal_year,
            } => Args::new()
                .with("child", text(child))
                .with("program", program.arg())
                .with("partner", text(partner))
                .with("covered", Arg::Yen(*covered_yen))
                .with("family_pays", Arg::Yen(*family_pays_yen))
                .with(
                    "left",
                    match left {
                        Left::Yen(n) => Arg::Yen(*n),
                        Left::Tickets(n) => Arg::Tickets(*n),
                        Left::Minutes(n) => Arg::Minutes(*n),
                    },
                )
                .with(
                    "period",
                    Arg::Key(if *fiscal_year { "fiscal_year" } else { "month" }),
                ),
            Words::Reversed {
                child,
                program,
                covered_yen,
                by,
                reason: r,
            } => Args::new()
                .with("child", text(child))
                .with("program", program.arg())
                .with("covered", Arg::Yen(*covered_yen))
                .with(
                    "by",
                    Arg::Key(match by {
                        UndoneBy::Partner => "partner",
                        UndoneBy::Ward => "ward",
                    }),
                )
                .with("reason", reason(r)),
            Words::Closed {
                year,
                month,
                covered_yen,
            } => Args::new()
                .with("month", Arg::Month(*year, *month))
                .with("covered", Arg::Yen(*covered_yen)),
            Words::Visit {
                child,
                station,
                start,
                minutes,
                reason: r,
                dispute_until,
                family_right,
            } => Args::new()
                .with("child", text(child))
                .with("station", text(station))
                .with("start", Arg::LocalTime(*start))
                .with("length", Arg::Minutes(*minutes))
                .with("reason", reason(r))
                .maybe("dispute_until", dispute_until.map(Arg::LocalTime))
                .with(
                    "outcome",
                    Arg::Key(match family_right {
                        Some(true) => "family",
                        _ => "record",
                    }),
                ),
            Words::Stay {
                child,
                institution,
                from,
                until,
                reason: r,
            } => Args::new()
                .with("child", text(child))
                .maybe("institution", institution.as_deref().map(text))
                .maybe("from", from.map(Arg::Date))
                .maybe("until", until.map(Arg::Date))
                .with("reason", reason(r)),
            Words::Promoted { title, start } => Args::new()
                .with("title", text(title))
                .with("start", Arg::LocalTime(*start)),
            Words::Session {
                title,
                start,
                end,
                reason: r,
            } => Args::new()
                .with("title", text(title))
                .with("start", Arg::LocalTime(*start))
                .with("end", Arg::LocalTime(*end))
                .with("reason", reason(r)),
        }
    }
}

/// A title and a body in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = NotificationWords)]
pub struct Said {
    /// One line, for the lock screen.
    pub title: String,
    /// A sentence or two: what happened and, where there is one, what to do.
    pub body: String,
}

/// What a notification says, in both languages; the gateway picks the device's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = NotificationText, example = json!({
    "ja": { "title": "福祉タクシー券を利用しました", "body": "しながわ交通で品川 さくらさんの福祉タクシー・自動車燃料費助成を利用しました。助成額 3,200円、お支払い 0円です。今月の残りは16,800円です。" },
    "en": { "title": "Taxi and fuel subsidy used", "body": "Shinagawa Kotsu redeemed 品川 さくら's taxi and fuel subsidy: ¥3,200 covered, ¥0 paid by the family. ¥16,800 left this month." }
}))]
pub struct NotificationText {
    pub ja: Said,
    pub en: Said,
}

/// The message id of a kind's title or body: `voucher.redeemed` → `voucher-redeemed-title`.
pub fn message_id(kind: EventKind, part: &str) -> String {
    format!("{}-{part}", kind.as_str().replace(['.', '_'], "-"))
}

/// Words a notification of `kind` in both languages; faults are logged by the catalogue.
pub fn word(kind: EventKind, words: &Words) -> NotificationText {
    let args = words.args();
    let said = |lang| Said {
        title: messages::say(&message_id(kind, "title"), &args, lang),
        body: messages::say(&message_id(kind, "body"), &args, lang),
    };
    NotificationText {
        ja: said(Lang::Ja),
        en: said(Lang::En),
    }
}

/// Sample facts for each kind, for the catalogue's tests: every kind must be worded without a
/// fault, and its Japanese without English words.
pub fn sample(kind: EventKind) -> Words {
    use EventKind as K;
    let day = NaiveDate::from_ymd_opt(2026, 12, 10).unwrap_or_default();
    let at = day.and_hms_opt(10, 0, 0).unwrap_or_default();
    let program = ProgramName {
        ja: "福祉タクシー・自動車燃料費助成".into(),
        en: "taxi and fuel subsidy".into(),
    };
    // A family is told its child's name; a station or an institution the initials.
    let (family, partner) = ("品川 さくら", "し.さ.");
    let visit = |child: &str, reason: Option<&str>, family_right| Words::Visit {
        child: child.into(),
        station: "しながわ訪問看護ステーション".into(),
        start: at,
        minutes: 150,
        reason: reason.map(Into::into),
        dispute_until: Some(at + chrono::Duration::days(14)),
        family_right,
    };
    let stay = |child: &str, institution: Option<&str>, reason: Option<&str>| Words::Stay {
        child: child.into(),
        institution: institution.map(Into::into),
        from: Some(day),
        until: Some(day + chrono::Duration::days(2)),
        reason: reason.map(Into::into),
    };
    match kind {
        K::EnrollmentApproved | K::EnrollmentWithdrawn => Words::Decision {
            child: "品川 さくら".into(),
            program,
            valid_from: Some(day),
            reason: None,
        },
        K::EnrollmentRejected => Words::Decision {
            child: "品川 さくら".into(),
            program,
            valid_from: None,
            reason: Some("受給者証の写しが添付されていません".into()),
        },
        K::VoucherRedeemed => Words::Redeemed {
            child: "品川 さくら".into(),
            program,
            partner: "しながわ交通".into(),
            covered_yen: 3200,
            family_pays_yen: 0,
            left: Left::Yen(16_800),
            fiscal_year: false,
        },
        K::VoucherReversed => Words::Reversed {
            child: "品川 さくら".into(),
            program,
            covered_yen: 3200,
            by: UndoneBy::Ward,
            reason: Some("二重請求のため".into()),
        },
        K::SettlementClosed => Words::Closed {
            year: 2026,
            month: 11,
            covered_yen: 1_234_500,
        },
        K::RespiteRequested | K::RespiteCancelled | K::RespiteDisputed => {
            visit(partner, None, None)
        }
        K::RespiteDeclined => visit(family, Some("その時間は伺えません"), None),
        K::RespiteDisputeDecided => visit(family, None, Some(true)),
        K::RespiteAccepted | K::RespiteCompleted => visit(family, None, None),
        K::ShortStayApproved | K::ShortStayAdmitted | K::ShortStayDischarged => {
            stay(family, Some("品川医療センター"), None)
        }
        K::ShortStayAssigned => stay(partner, Some("品川医療センター"), None),
        K::ShortStayRejected => stay(family, None, Some("その期間は受け入れ先がありません")),
        K::ShortStayCancelled => stay(
            family,
            Some("品川医療センター"),
            Some("ご家族から不要との連絡があったため"),
        ),
        K::PlayBookingPromoted => Words::Promoted {
            title: "午前のひろば".into(),
            start: at,
        },
        K::PlaySessionChanged => Words::Session {
            title: "午前のひろば".into(),
            start: at,
            end: at + chrono::Duration::hours(2),
            reason: None,
        },
        K::PlaySessionCancelled => Words::Session {
            title: "午前のひろば".into(),
            start: at,
            end: at + chrono::Duration::hours(2),
            reason: Some("会場の設備点検のため".into()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::{ascii_words, render};

    #[test]
    fn every_kind_of_notification_is_worded_in_both_languages_without_fault_or_english_in_japanese()
    {
        for kind in EventKind::ALL {
            let args = sample(*kind).args();
            for part in ["title", "body"] {
                let id = message_id(*kind, part);
                for lang in Lang::ALL {
                    let r = render(&id, &args, lang);
                    assert!(r.errors.is_empty(), "{id} ({}): {:?}", lang.tag(), r.errors);
                    assert!(!r.text.trim().is_empty(), "{id} ({}) is empty", lang.tag());
                    if lang == Lang::Ja {
                        assert!(
                            ascii_words(&r.text).is_empty(),
                            "English in {id}: {}",
                            r.text
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn a_family_is_told_the_partner_the_amounts_and_what_is_left() {
        let said = word(
            EventKind::VoucherRedeemed,
            &sample(EventKind::VoucherRedeemed),
        );
        assert_eq!(
            said.ja.title,
            "福祉タクシー・自動車燃料費助成を利用しました"
        );
        assert!(said.ja.body.contains("しながわ交通"), "{}", said.ja.body);
        assert!(said.ja.body.contains("3,200円"), "{}", said.ja.body);
        assert!(
            said.ja.body.contains("今月の残りは16,800円"),
            "{}",
            said.ja.body
        );
        assert!(
            said.en.body.contains("¥16,800 left this month"),
            "{}",
            said.en.body
        );
    }
}
