//! Finding a child by name for staff: every word typed must appear in the child's name or its
//! reading, kana matched whether the family wrote it in hiragana or katakana.

use sea_orm::{
    Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::Child;
use crate::entity::child;

/// Most words a search may hold.
pub const MAX_WORDS: usize = 4;

/// The words of a search, split at ASCII and full-width spaces; `None` when there is none.
pub fn words(query: &str) -> Option<Vec<String>> {
    let words: Vec<String> = query
        .split(|c: char| c.is_whitespace() || c == '\u{3000}')
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    (!words.is_empty()).then_some(words)
}

/// Hiragana for katakana (ァ..ヶ), everything else as it is.
fn hiragana(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{30A1}'..='\u{30F6}' => u32::from(c)
                .checked_sub(0x60)
                .and_then(char::from_u32)
                .unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// Katakana for hiragana (ぁ..ゖ), everything else as it is.
fn katakana(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{3041}'..='\u{3096}' => u32::from(c)
                .checked_add(0x60)
                .and_then(char::from_u32)
                .unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// `%word%` with LIKE's own characters taken literally.
fn pattern(word: &str) -> String {
    let escaped = word
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Children whose names hold every word, by reading.
pub async fn find_children(
    conn: &impl ConnectionTrait,
    words: &[String],
    limit: u64,
    offset: u64,
) -> Result<Vec<Child>, DbErr> {
    use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
    let mut all = Condition::all();
    for word in words {
        let mut any = Condition::any();
        for form in [word.clone(), hiragana(word), katakana(word)] {
            for column in [
                child::Column::FamilyName,
                child::Column::GivenName,
                child::Column::FamilyNameKana,
                child::Column::GivenNameKana,
            ] {
                any = any.add(Expr::col(column).like(LikeExpr::new(pattern(&form)).escape('\\')));
            }
        }
        all = all.add(any);
    }
    Ok(child::Entity::find()
        .filter(all)
        .order_by_asc(child::Column::FamilyNameKana)
        .order_by_asc(child::Column::GivenNameKana)
        .order_by_asc(child::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(conn)
        .await?
        .into_iter()
        .map(Child::from)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kana_is_matched_in_either_script_and_like_characters_are_literal() {
        assert_eq!(hiragana("シナガワ"), "しながわ");
        assert_eq!(katakana("さくら"), "サクラ");
        assert_eq!(pattern("50%_"), "%50\\%\\_%");
        assert_eq!(words("品川　さくら  ").unwrap(), vec!["品川", "さくら"]);
        assert!(words(" 　").is_none());
    }
}
