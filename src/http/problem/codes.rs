//! Every problem code the service answers with, and its title in English and Japanese: one
//! list, so a code cannot be emitted without a title (the match in [`Code::title`] is generated
//! from it and therefore exhaustive).

macro_rules! problem_codes {
    ($($variant:ident = $code:literal: $en:literal, $ja:literal;)*) => {
        /// A stable, machine-readable problem code; the app switches on it, never on the text.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $($variant,)*
        }

        impl Code {
            /// Every code, in the order of the list.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as it appears in `code` and in the problem's `type`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $code,)*
                }
            }

            /// The code named by `s`, if there is one.
            pub fn parse(s: &str) -> Option<Code> {
                match s {
                    $($code => Some(Code::$variant),)*
                    _ => None,
                }
            }

            /// The problem type's short summary: (English, Japanese).
            pub fn title(self) -> (&'static str, &'static str) {
                match self {
                    $(Code::$variant => ($en, $ja),)*
                }
            }
        }
    };
}

problem_codes! {
    InvalidJson = "invalid_json": "The request body is not well-formed JSON", "送られた内容を読み取れません（形式が正しくありません）";
    InvalidBody = "invalid_body": "A member of the request body is missing, unknown or of the wrong type", "リクエスト本文の項目が足りないか、不明な項目があるか、形式が違います";
    DuplicateJsonKey = "duplicate_json_key": "The request body names the same key twice", "リクエスト本文に同じ項目が2回以上あります";
    UnsupportedMediaType = "unsupported_media_type": "The request body must be application/json", "送られた内容の種類に対応していません";
    InvalidQuery = "invalid_query": "A query parameter is invalid", "クエリパラメータが正しくありません";
    InvalidPath = "invalid_path": "A path parameter is invalid", "パスのパラメータが正しくありません";
    InvalidField = "invalid_field": "A field of the request is invalid", "リクエストの項目が正しくありません";
    PayloadTooLarge = "payload_too_large": "The request body is too large", "リクエスト本文が大きすぎます";
    Unauthenticated = "unauthenticated": "Authentication is required", "認証が必要です";
    InvalidToken = "invalid_token": "The token is invalid or has expired", "トークンが無効か、有効期限が切れています";
    InvalidCredentials = "invalid_credentials": "The email address or password is wrong", "メールアドレスまたはパスワードが違います";
    AccountDisabled = "account_disabled": "This account is disabled", "このアカウントは利用停止中です";
    RefreshTokenInvalid = "refresh_token_invalid": "The refresh token is invalid or has expired", "リフレッシュトークンが無効か、有効期限が切れています";
    RefreshTokenReused = "refresh_token_reused": "The refresh token was already used; all sessions of this login were signed out", "使用済みのリフレッシュトークンです。このログインのセッションはすべて無効になりました";
    RateLimited = "rate_limited": "Too many requests from this account or device; wait a moment and try again", "短時間に操作が多すぎます。少し待ってから再度お試しください";
    TooManyAttempts = "too_many_attempts": "Too many failed attempts; try again later", "失敗が続いたため、しばらくしてから再度お試しください";
    SecondFactorRequired = "second_factor_required": "Enter the one-time code from your authenticator app (or a recovery code)", "認証アプリに表示される6桁のワンタイムコード（またはリカバリーコード）を入力してください";
    InvalidOneTimeCode = "invalid_one_time_code": "The one-time code or recovery code is wrong, expired or already used", "ワンタイムコードまたはリカバリーコードが違うか、期限切れか、使用済みです";
    SecondFactorEnrollmentRequired = "second_factor_enrollment_required": "Set up two-step sign-in before using staff functions", "職員の機能を使う前に、2段階認証を設定してください";
    SecondFactorAlreadyEnrolled = "second_factor_already_enrolled": "Two-step sign-in is already set up for this account", "このアカウントの2段階認証は設定済みです";
    SecondFactorNotStarted = "second_factor_not_started": "Start setting up two-step sign-in first", "先に2段階認証の設定を開始してください";
    InvitationInvalid = "invitation_invalid": "The invitation code is invalid, expired or already used", "招待コードが無効、期限切れ、または使用済みです";
    EmailTaken = "email_taken": "This email address is already registered", "このメールアドレスは既に登録されています";
    ForbiddenRole = "forbidden_role": "Your role may not perform this operation", "この操作を行う権限がありません";
    DeviceRevoked = "device_revoked": "This device has been revoked", "この端末は無効化されています";
    NotFound = "not_found": "The resource does not exist", "リソースが見つかりません";
    HouseholdNotFound = "household_not_found": "The household does not exist", "世帯が見つかりません";
    ChildNotFound = "child_not_found": "The person does not exist", "対象者が見つかりません";
    TooManyChildren = "too_many_children": "The household has reached the limit of registered children", "世帯の登録児童数の上限に達しています";
    EnrollmentNotFound = "enrollment_not_found": "The application does not exist", "申請が見つかりません";
    PartnerNotFound = "partner_not_found": "The partner does not exist", "事業者が見つかりません";
    DeviceNotFound = "device_not_found": "The device does not exist", "端末が見つかりません";
    MethodNotAllowed = "method_not_allowed": "This method is not allowed on this resource", "このリソースではこのメソッドは使えません";
    EnrollmentNotPending = "enrollment_not_pending": "The application has already been decided", "この申請は既に処理済みです";
    EnrollmentNotApproved = "enrollment_not_approved": "The enrollment is not approved", "この登録は承認されていません";
    ProgramNotOffered = "program_not_offered": "The ward does not run this program", "この事業は実施していません";
    NotEligible = "not_eligible": "The person does not meet a condition of this program", "この事業の対象となる条件を満たしていません";
    CertificateExpired = "certificate_expired": "The certificate this program requires has expired", "この事業に必要な受給者証の有効期限が過ぎています";
    RenewalNotOpen = "renewal_not_open": "Applications for the next fiscal year are not open yet", "来年度の更新申請の受付はまだ始まっていません";
    EnrollmentAlreadyOpen = "enrollment_already_open": "The person already has an open application or enrollment for this program", "この対象者には、この事業の申請中または承認済みの登録が既にあります";
    PartnerNameTaken = "partner_name_taken": "A partner with this name already exists", "同じ名前の事業者が既に登録されています";
    DeviceAlreadyRevoked = "device_already_revoked": "The device is already revoked", "この端末は既に無効化されています";
    AccountNotFound = "account_not_found": "The account does not exist", "アカウントが見つかりません";
    CannotDisableSelf = "cannot_disable_self": "You cannot disable your own account", "自分自身のアカウントは停止できません";
    AccountAlreadyDisabled = "account_already_disabled": "The account is already disabled", "このアカウントは既に停止されています";
    NotEnrolled = "not_enrolled": "The person is not enrolled in this program on that day", "この対象者は、この日にこの事業の利用登録がありません";
    ProgramHasNoAllowance = "program_has_no_allowance": "This program has no allowance", "この事業には残高がありません";
    InsufficientBalance = "insufficient_balance": "Not enough balance", "残高が足りません";
    ProgramHasNoVouchers = "program_has_no_vouchers": "This program has no vouchers", "この事業では券やコードを発行しません";
    AllowanceExhausted = "allowance_exhausted": "Nothing is left this period", "残りがありません";
    VoucherMalformed = "voucher_malformed": "This is not a valid voucher code (or it was cut short)", "券のコードとして読み取れません（途中で切れている可能性があります）";
    VoucherUnknownKey = "voucher_unknown_key": "The code was signed by a key this service does not know", "このサービスが発行したコードではありません（不明な署名鍵）";
    VoucherSignatureInvalid = "voucher_signature_invalid": "The code has been altered", "コードが改ざんされています";
    VoucherMismatch = "voucher_mismatch": "The code does not match the voucher it names", "コードの内容が発行された券と一致しません";
    VoucherExpired = "voucher_expired": "The code has expired; ask the family to show a new one", "コードの有効期限が切れています。新しいコードを表示してもらってください";
    VoucherCancelled = "voucher_cancelled": "A newer code replaced this one", "新しいコードが発行されたため、このコードは無効です";
    VoucherAlreadyRedeemed = "voucher_already_redeemed": "The code has already been used", "このコードは使用済みです";
    PartnerKindMismatch = "partner_kind_mismatch": "Your organisation cannot redeem this kind of voucher", "この事業者ではこの券を使えません";
    AmountOverLimit = "amount_over_limit": "The amount is above the most one redemption may claim", "1回の利用で入力できる金額を超えています";
    FeeOverLimit = "fee_over_limit": "A fee is above the most one fee may be", "料金が上限を超えています";
    AdjustmentOverLimit = "adjustment_over_limit": "The correction is larger than any single correction may be", "1回の補正の上限を超えています";
    SecondApproverRequired = "second_approver_required": "This needs a second staff member's approval", "別の職員の承認が必要です";
    ProposalNotFound = "proposal_not_found": "The correction proposal does not exist", "補正申請が見つかりません";
    ProposalNotPending = "proposal_not_pending": "The correction proposal has already been decided", "この補正申請は既に処理済みです";
    SameApprover = "same_approver": "The person who proposed a correction cannot approve it", "補正を申請した本人は承認できません";
    ProposalPeriodEnded = "proposal_period_ended": "The period this correction was proposed for has ended", "補正の対象期間が終了しています";
    IdempotencyKeyReused = "idempotency_key_reused": "This Idempotency-Key was already used for a different request", "この再送用のキーは別のリクエストで使われています";
    IdempotencyKeyMissing = "idempotency_key_missing": "An Idempotency-Key header is required", "再送用のキー（ヘッダー）が必要です";
    RedemptionNotFound = "redemption_not_found": "The redemption does not exist", "利用記録が見つかりません";
    RedemptionAlreadyReversed = "redemption_already_reversed": "The redemption has already been cancelled", "この利用は既に取り消されています";
    ReversalWindowClosed = "reversal_window_closed": "A partner can cancel a redemption only on the day it was made", "事業者による取消は利用当日のみ可能です";
    MonthClosed = "month_closed": "The month is closed for payment; ask the ward to reverse it", "この月は締め済みです。取消は区にご依頼ください";
    MonthNotEnded = "month_not_ended": "The month cannot be closed yet", "この月はまだ締められません";
    MonthAlreadyClosed = "month_already_closed": "The month is already closed", "この月は既に締め済みです";
    RespiteHoursExceeded = "respite_hours_exceeded": "Not enough respite hours remain this fiscal year", "今年度のレスパイト利用可能時間が足りません";
    NotificationNotFound = "notification_not_found": "The notification does not exist", "お知らせが見つかりません";
    ShortStayNotFound = "short_stay_not_found": "The short-stay request does not exist", "ショートステイの申請が見つかりません";
    ShortStayStateConflict = "short_stay_state_conflict": "The short-stay request cannot make this move from its current state", "現在の状態ではこの操作はできません";
    AdmissionOutsideDates = "admission_outside_dates": "The admission is not on the confirmed dates", "入所日が決定した日程と合いません";
    PlaySessionNotFound = "play_session_not_found": "The session does not exist", "開催回が見つかりません";
    PlayBookingNotFound = "play_booking_not_found": "The booking does not exist", "予約が見つかりません";
    PlaySessionCancelled = "play_session_cancelled": "The session was cancelled", "この回は中止になりました";
    PlaySessionStarted = "play_session_started": "The session has already started", "この回はすでに始まっています";
    CapacityBelowBookings = "capacity_below_bookings": "The capacity would be less than what is already booked", "定員が予約済みの人数より少なくなります";
    BookingClosed = "booking_closed": "Bookings for this session are not open", "この回の予約受付期間外です";
    SessionFull = "session_full": "The session is full", "この回は満員です";
    AlreadyBooked = "already_booked": "A child already has a booking for this session", "この回には既に予約済みの児童が含まれています";
    CancellationClosed = "cancellation_closed": "The cancellation deadline has passed", "キャンセル期限を過ぎています";
    BookingNotConfirmed = "booking_not_confirmed": "The booking is not confirmed", "予約が確定していません";
    AlreadyCheckedIn = "already_checked_in": "The booking has already been checked in", "既に入場済みです";
    NotDuringSession = "not_during_session": "Entry is possible from an hour before the session until it ends", "入場受付は開始1時間前から終了までです";
    NotABookingCode = "not_a_booking_code": "This is not a valid play-space booking code", "ひろばの予約コードではありません";
    VisitNotFound = "visit_not_found": "The respite visit does not exist", "訪問予約が見つかりません";
    VisitStateConflict = "visit_state_conflict": "The visit cannot make this move from its current state", "現在の状態ではこの操作はできません";
    VisitAlreadyStarted = "visit_already_started": "The visit has already started and can no longer be cancelled", "訪問開始後は取り消せません";
    VisitOverlaps = "visit_overlaps": "The child already has a visit at that time", "この時間には既に別の訪問があります";
    VisitOutsideBooking = "visit_outside_booking": "The recorded times fall outside the booked visit", "記録された時間が予約の時間帯から外れています";
    DisputeWindowClosed = "dispute_window_closed": "The time to dispute this visit has passed", "この訪問への異議申立ての期限を過ぎています";
    AllowanceNotFound = "allowance_not_found": "This program keeps no allowance history", "この事業には残高の履歴がありません";
    Conflict = "conflict": "The request conflicts with the current state", "現在の状態と矛盾するリクエストです";
    RequestTimeout = "request_timeout": "The request took too long", "リクエストの処理に時間がかかりすぎました";
    ServiceBusy = "service_busy": "The service is busy; try again shortly", "混み合っています。しばらくしてから再度お試しください";
    InternalError = "internal_error": "Something went wrong on our side", "サーバー側で問題が発生しました";
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Code;

    #[test]
    fn every_code_has_its_own_name_and_title_in_both_languages() {
        let mut names = std::collections::HashSet::new();
        let mut titles = std::collections::HashSet::new();
        for code in Code::ALL {
            let (en, ja) = code.title();
            assert!(
                !en.is_empty() && !ja.is_empty(),
                "{code} has an empty title"
            );
            assert!(names.insert(code.as_str()), "{code} is listed twice");
            assert!(titles.insert(en), "{code} shares its English title");
            assert!(
                code.as_str()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_'),
                "{code} is not snake_case"
            );
            assert!(
                crate::messages::ascii_words(ja).is_empty(),
                "{code}'s Japanese title has English words: {ja}"
            );
        }
    }
}
