//! Staff lists name the child beside each item (a clerk reads names, not ids): one read of the
//! page's children, and one item type per list, each the area's item flattened with the names.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

use crate::households::{self, Child};

/// The names of a page's children.
pub struct ChildNames(HashMap<Uuid, Child>);

impl ChildNames {
    /// Reads the children of the items (one query).
    pub async fn of<T>(
        conn: &impl ConnectionTrait,
        items: &[T],
        child_of: impl Fn(&T) -> Uuid,
    ) -> Result<ChildNames, DbErr> {
        let ids: Vec<Uuid> = items.iter().map(child_of).collect();
        Ok(ChildNames(households::children_by_ids(conn, &ids).await?))
    }

    /// 「品川 さくら」 and 「しながわ さくら」 (empty for an id of no child).
    pub fn of_child(&self, id: Uuid) -> (String, String) {
        self.0
            .get(&id)
            .map(|c| (c.full_name(), c.kana_name()))
            .unwrap_or_default()
    }
}

/// Declares a staff list item: the area's item flattened, with the child's names.
macro_rules! named_item {
    ($(#[$doc:meta])* $name:ident, $field:ident: $inner:ty) => {
        $(#[$doc])*
        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        pub struct $name {
            #[serde(flatten)]
            pub $field: $inner,
            /// 「品川 さくら」.
            pub child_name: String,
            /// 「しながわ さくら」.
            pub child_name_kana: String,
        }

        impl $name {
            /// The page's items with their children's names.
            pub async fn page(
                conn: &impl sea_orm::ConnectionTrait,
                rows: Vec<$inner>,
            ) -> Result<Vec<$name>, sea_orm::DbErr> {
                let names =
                    $crate::http::child_names::ChildNames::of(conn, &rows, |r| r.child_id).await?;
                Ok(rows
                    .into_iter()
                    .map(|$field| {
                        let (child_name, child_name_kana) = names.of_child($field.child_id);
                        $name {
                            $field,
                            child_name,
                            child_name_kana,
                        }
                    })
                    .collect())
            }
        }
    };
}
pub(crate) use named_item;
