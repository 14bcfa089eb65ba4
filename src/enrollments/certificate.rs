//! Staff record a renewed certificate (受給者証) on an approved enrollment, so that a family
//! whose certificate was renewed can go on using the program without applying again.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use uuid::Uuid;

use super::{Certificate, Enrollment, EnrollmentError, Status, find};
use crate::audit::{self, Action, Actor, Change, snapshot};
use crate::db;
use crate::entity::enrollment;

/// Replaces the certificate on an approved enrollment; audited with before and after.
pub async fn record_certificate(
    db: &crate::db::Db,
    actor: &Actor,
    now: DateTime<Utc>,
    id: Uuid,
    certificate: Certificate,
) -> Result<Enrollment, EnrollmentError> {
    let certificate = certificate.validate()?;
    db::write(db, |tx| {
        let (actor, certificate) = (actor.clone(), certificate.clone());
        Box::pin(async move {
            let before = find(tx, id).await?.ok_or(EnrollmentError::NotFound)?;
            let changed = enrollment::Entity::update_many()
                .col_expr(
                    enrollment::Column::CertificateNumber,
                    Expr::value(certificate.number.clone()),
                )
                .col_expr(
                    enrollment::Column::CertificateValidUntil,
                    Expr::value(certificate.valid_until),
                )
                .filter(enrollment::Column::Id.eq(id))
                .filter(enrollment::Column::Status.eq(Status::Approved.as_str()))
                .exec(tx)
                .await?
                .rows_affected;
            if changed != 1 {
                return Err(EnrollmentError::NotApproved {
                    current: before.status,
                });
            }
            let after = find(tx, id).await?.ok_or(EnrollmentError::NotFound)?;
            audit::record(
                tx,
                &actor,
                now,
                Change {
                    action: Action::EnrollmentCertificateRecorded,
                    children: vec![after.child_id],
                    object_type: "enrollment",
                    object_id: Some(id),
                    before: snapshot(&before),
                    after: snapshot(&after),
                },
            )
            .await?;
            Ok(after)
        })
    })
    .await
}
