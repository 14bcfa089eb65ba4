# Carepass の日本語の文言。パラメータ（{ $… }）は書式済みで渡されます（金額は「1,500円」、
# 時間は「2時間30分」、日付は「2026年12月10日」、日時は「12月10日 10:00」）。
# 英語版 en.ftl と同じ id を持つこと（テストで確認しています）。

## 通知（タイトルは1行、本文は何が起きたかと、必要ならすること）

enrollment-approved-title = { $program }の利用が承認されました
enrollment-approved-body = { $child }さんの{ $program }の申請が承認されました。{ $valid_from }から利用できます。
enrollment-rejected-title = { $program }の申請は承認されませんでした
enrollment-rejected-body = { $child }さんの{ $program }の申請は承認されませんでした。理由：{ $reason }。ご不明な点は区の担当窓口にお問い合わせください。
enrollment-withdrawn-title = { $program }の申請を取り下げました
enrollment-withdrawn-body = { $child }さんの{ $program }の申請を取り下げました。

voucher-redeemed-title = { $program }を利用しました
voucher-redeemed-body = { $partner }で{ $child }さんの{ $program }を利用しました。助成額 { $covered }、お支払い { $family_pays }です。{ $period ->
        [fiscal_year] 今年度
       *[month] 今月
    }の残りは{ $left }です。
voucher-reversed-title = { $program }の利用が取り消されました
voucher-reversed-body = { $by ->
        [partner] 事業者が{ $child }さんの{ $program }の利用（助成額 { $covered }）を取り消しました。助成額は残高に戻りました。
       *[ward] 区が{ $child }さんの{ $program }の利用（助成額 { $covered }）を取り消しました。助成額は残高に戻りました。理由：{ $reason }
    }

settlement-closed-title = { $month }分の精算が確定しました
settlement-closed-body = 区は{ $month }分を締めました。お支払いする助成額は{ $covered }です。明細書をダウンロードしてご確認ください。

respite-requested-title = 訪問の依頼が届きました
respite-requested-body = { $child }さんの在宅レスパイト訪問のご依頼です（{ $start }から{ $length }）。お受けできるかどうか、ご回答ください。
respite-accepted-title = 訪問の予約が確定しました
respite-accepted-body = { $station }が、{ $child }さんの{ $start }からの訪問（{ $length }）をお受けしました。
respite-declined-title = 訪問をお受けできませんでした
respite-declined-body = { $station }は、{ $child }さんの{ $start }からの訪問をお受けできませんでした。理由：{ $reason }。予約していた時間は残りに戻りました。
respite-cancelled-title = 訪問が取り消されました
respite-cancelled-body = { $child }さんの{ $start }からの訪問を、ご家族が取り消しました。
respite-completed-title = 訪問の記録が届きました
respite-completed-body = { $station }が、{ $child }さんの{ $start }からの訪問を{ $length }として記録しました。記録が違っている場合は、{ $dispute_until }までにアプリからお知らせください。
respite-disputed-title = 訪問の記録に異議が出されました
respite-disputed-body = { $child }さんの{ $start }からの訪問の記録について、ご家族から異議が出されました。区が確認します。
respite-dispute-decided-title = 訪問の記録について区が判断しました
respite-dispute-decided-body = { $child }さんの{ $start }からの訪問の記録について、{ $outcome ->
        [family] ご家族のお申し出どおりとし、確認中だった時間を残りに戻しました。
       *[record] 事業所の記録どおりとしました。
    }

short-stay-approved-title = 医療ショートステイが決まりました
short-stay-approved-body = { $child }さんの医療ショートステイは、{ $institution }で{ $from }から{ $until }までに決まりました。
short-stay-rejected-title = 医療ショートステイの申請は承認されませんでした
short-stay-rejected-body = { $child }さんの医療ショートステイの申請は承認されませんでした。理由：{ $reason }。ご不明な点は区の担当窓口にお問い合わせください。
short-stay-cancelled-title = 医療ショートステイが取り消されました
short-stay-cancelled-body = { $child }さんの{ $from }から{ $until }までの医療ショートステイ（{ $institution }）は取り消されました。理由：{ $reason }。
short-stay-assigned-title = 医療ショートステイの受け入れが決まりました
short-stay-assigned-body = { $child }さんの医療ショートステイ（{ $from }から{ $until }まで）を、貴院でお受けいただくことになりました。
short-stay-admitted-title = 医療ショートステイに入所しました
short-stay-admitted-body = { $child }さんが{ $institution }に入所しました。
short-stay-discharged-title = 医療ショートステイから退所しました
short-stay-discharged-body = { $child }さんが{ $institution }から退所しました。

play-booking-promoted-title = ひろばの予約が確定しました
play-booking-promoted-body = キャンセル待ちだった「{ $title }」（{ $start }から）の予約が確定しました。
play-session-changed-title = ひろばの開催内容が変わりました
play-session-changed-body = ご予約の「{ $title }」の内容が変わりました。新しい日時は{ $start }から{ $end }までです。ご都合が合わない場合は、アプリから予約を取り消してください。
play-session-cancelled-title = ひろばが中止になりました
play-session-cancelled-body = ご予約の「{ $title }」（{ $start }から）は中止になりました。理由：{ $reason }。ご予約は取り消されました。

## 問題の詳細（problem+json の detail）。項目名は下の「項目」の言葉で言います。

problem-invalid-field = { $field }：{ $reason }
problem-invalid-field-said = { $reason }
problem-too-many-children = 1世帯に登録できる児童は{ $max_children }人までです。
problem-enrollment-not-pending = この申請は既に{ $status }です。
problem-renewal-not-open = 現在の承認はまだ有効です。{ $fiscal_year }の更新申請は{ $opens_on }から受け付けます。
problem-enrollment-not-approved = 受給者証を登録できるのは承認済みの登録だけです（この登録は{ $status }）。
problem-program-not-offered = この事業は現在実施していません。
problem-not-eligible-care-needs = この事業の対象は、{ $conditions }のいずれかが必要な方です。対象者の記録にはいずれも登録されていません。
problem-not-eligible-age = この事業の対象年齢は{ $age_range }です（現在{ $age }歳）。
problem-certificate-missing = この事業には{ $certificate }が必要ですが、登録されていません。担当窓口にお問い合わせください。
problem-certificate-expired = { $certificate }の有効期限（{ $valid_until }）が過ぎています。更新した受給者証を担当窓口に届け出てください。
problem-insufficient-balance = { $period ->
        [fiscal_year] 今年度
       *[month] 今月
    }の残りは{ $remaining }です（{ $requested }が必要です）。
problem-allowance-exhausted = { $period ->
        [fiscal_year] 今年度
       *[month] 今月
    }の残りはありません。
problem-adjustment-over-limit = 1回の補正は、2人で承認する場合でも{ $max }までです。
problem-second-approver-required = 1人で行える補正はこの残高につき{ $limit }までです。補正を申請し、別の職員の承認を受けてください。
problem-proposal-not-pending = この補正申請は既に{ $status }です。
problem-partner-kind-mismatch = この{ $kind ->
        [ticket_allowance] 利用補助券
        [play_space] 入場コード
       *[yen_allowance] 助成券
    }（{ $program }）は{ $place }ではお使いいただけません。
problem-amount-over-limit = 1回の利用で入力できるのは{ $max_yen }までです。金額をご確認ください。
problem-fee-over-limit = { $field }は{ $max_yen }までです。金額をご確認ください。
problem-respite-hours-exceeded = 今年度の残りは{ $remaining }です。この訪問には{ $requested }が必要です。
problem-visit-state-conflict = { $status }の訪問は{ $action }。
problem-visit-outside-booking = 事業所が記録できるのは{ $earliest_start }から{ $latest_end }までの時間です。それ以外は区の職員が例外として記録します。
problem-dispute-window-closed = この訪問に異議を申し立てられるのは{ $dispute_until }までです。区にお問い合わせください。
problem-short-stay-state-conflict = { $status }の申請は{ $action }。
problem-admission-outside-dates = 入所を記録できるのは、決定した日程の{ $earliest }から{ $latest }までです。
problem-month-not-ended = この月を締められるのは{ $closable_from }以降です。
problem-play-not-enrolled = この予約の児童には、開催日に有効なひろばの利用登録（承認済み）がありません。先に利用申請をしてください。

## 項目（リクエストの各項目を言葉で。項目名そのものは problem の field に入ります）

field-address = 住所
field-admitted_at = 入所日時
field-amount = 数量
field-amount_yen = 利用額
field-birth_date = 生年月日
field-booking_closes_at = 予約の締切
field-booking_opens_at = 予約の受付開始
field-capacity_adults = 大人の定員
field-capacity_children = 子どもの定員
field-care_needs = 医療的ケア
field-certificate = 受給者証
field-certificate-number = 受給者証番号
field-certificate-valid_until = 受給者証の有効期限
field-child_ids = 児童
field-companions = 付き添いの人数
field-confirmed_from = 決定した開始日
field-confirmed_until = 決定した終了日
field-contact = 連絡先
field-desired_from = 希望する開始日
field-desired_until = 希望する終了日
field-discharged_at = 退所日時
field-display_name = 表示名
field-email = メールアドレス
field-ended_at = 終了時刻
field-ends_at = 終了日時
field-family_name = 姓
field-family_name_kana = 姓のふりがな
field-fees = 料金
field-fees-reservation_fee_yen = 予約料
field-fees-pickup_fee_yen = 迎車料
field-fees-basic_assistance_fee_yen = 基本介助料
field-given_name = 名
field-given_name_kana = 名のふりがな
field-household_id = 世帯
field-institution_id = 受け入れ医療機関
field-invitation_code = 招待コード
field-label = 端末名
field-name = 名称
field-notes = 連絡事項
field-password = パスワード
field-phone = 電話番号
field-reason = 理由
field-reason_detail = 理由の詳細
field-started_at = 開始時刻
field-starts_at = 開始日時
field-station_id = 訪問看護ステーション
field-title = 名称
field-town = 町名
field-valid_from = 有効期間の開始日
field-valid_until = 有効期間の終了日

## 読み取れなかったリクエスト（項目名・値そのものは problem の field に入ります）

problem-unknown-member = この操作では使えない項目が含まれています。
problem-unknown-parameter = この操作では使えない条件が指定されています。
problem-missing-member = { $member }を指定してください。
problem-unknown-value = { $member }に指定できない値です。
problem-wrong-type = { $member }は{ $expected }で指定してください。
problem-bad-form = { $member }の形式が正しくありません。仕様書の形式で指定してください。
problem-not-an-object = 送る内容は、項目をまとめた形（オブジェクト）にしてください。
problem-bad-address = アドレスを読み取れませんでした。
problem-bad-address-part = アドレスの一部が正しい形式ではありません。
problem-bad-address-key = アドレスの{ $member }は{ $expected }で指定してください。

## 条件・ヘッダーの誤り（例の値はそのまま送る形です）

problem-database-unreachable = データベースに接続できません。しばらくしてからもう一度お試しください。
problem-not-a-voucher-program = 事業には、この区の助成券・利用補助券の事業（{ $allowed }）のいずれかを指定してください。
problem-month-or-fiscal-year = 月か年度のどちらか一方を指定してください。
problem-filter-too-long = 絞り込みの条件が長すぎます。
problem-child-search-text = 検索する名前は100文字以内で入力してください（改行などの制御文字は使えません）。
problem-child-search-words = 児童の名前かふりがなを、{ $count }語までで入力してください。
problem-capacity-below-bookings = すでに児童{ $booked_children }人、同伴者{ $booked_adults }人（うち人工呼吸器の児童{ $booked_ventilator }人）の予約があります。定員はこれより少なくできません。
problem-unknown-audit-action = 指定された操作は監査ログに記録される操作ではありません。操作の名前を確かめてください。
problem-period-format = 期間は、月なら「2026-11」、年度なら「FY2026」の形で指定してください。
problem-month-format = 月は「2026-11」の形で指定してください。
problem-fiscal-year-format = 年度は「FY2024」の形で指定してください。
problem-idempotency-key-format = 再送用のキーは、1〜100文字の半角英数字と記号で指定してください。
problem-body-unreadable = 送られた内容を読み取れません。
problem-invalid-json = 送られた内容を読み取れません（{ $line }行目 { $column }文字目付近の形式が正しくありません）。
problem-duplicate-member = { $member }が2回以上指定されています。1回だけ指定してください。
problem-page-size = 表示件数は1から{ $count }件までで指定してください。
problem-offset-too-large = 開始位置が大きすぎます。
problem-not-a-program = 事業には、この区の事業（{ $allowed }）のいずれかを指定してください。

## アドレスの識別番号

field-child_id = 児童の識別番号
field-visit_id = 訪問の識別番号
field-stay_id = ショートステイの識別番号
field-booking_id = 予約の識別番号
field-session_id = 開催回の識別番号
field-partner_id = 事業者の識別番号
field-device_id = 端末の識別番号
field-redemption_id = 利用の識別番号
field-enrollment_id = 申請の識別番号
field-proposal_id = 補正申請の識別番号
field-notification_id = お知らせの識別番号
field-account_id = アカウントの識別番号
field-voucher_id = 券の識別番号

## 監査ログの文（$actor は「山田 太郎（職員）」のように役割つき、$child は児童の氏名、$object は対象の名前）

audit-account-created = { $object }さんのアカウントが招待から作成されました
audit-account-disabled = { $actor }が{ $object }さんのアカウントを利用停止にしました
audit-auth-refresh-token-reused = 同じログイン情報が二度使われたため、このアカウントのログインをすべて終了しました
audit-invitation-created = { $actor }が{ $object }さんを招待しました
audit-household-created = { $actor }が世帯「{ $object }」を登録しました
audit-household-contact-recorded = { $actor }が世帯の住所と連絡先を記録しました
audit-child-created = { $actor }が{ $child }さんを登録しました
audit-person-disclosed = { $actor }に{ $child }さんの氏名・住所・連絡先を表示しました
audit-partner-created = { $actor }が事業者「{ $object }」を登録しました
audit-device-registered = { $actor }が端末「{ $object }」を追加しました
audit-device-revoked = { $actor }が端末「{ $object }」を停止しました
audit-enrollment-applied = { $actor }が{ $child }さんの{ $program }の利用を申請しました
audit-enrollment-approved = { $actor }が{ $child }さんの{ $program }の利用申請を承認しました
audit-enrollment-rejected = { $actor }が{ $child }さんの{ $program }の利用申請を却下しました
audit-enrollment-withdrawn = { $actor }が{ $child }さんの{ $program }の申請を取り下げました
audit-enrollment-certificate-recorded = { $actor }が{ $child }さんの{ $program }の受給者証を記録しました
audit-voucher-issued = { $actor }が{ $child }さんの{ $program }のQRコードを発行しました
audit-voucher-redeemed = { $actor }で{ $child }さんの{ $program }が利用されました
audit-redemption-reversed = { $actor }が{ $child }さんの{ $program }の利用を取り消しました
audit-voucher-key-rotated = { $actor }がQRコードの署名鍵を新しくしました
audit-allowance-adjusted = { $actor }が{ $child }さんの{ $program }の残高を訂正しました
audit-allowance-adjustment-proposed = { $actor }が{ $child }さんの{ $program }の残高の訂正を申請しました（別の職員の承認待ち）
audit-allowance-adjustment-approved = { $actor }が{ $child }さんの{ $program }の残高の訂正を承認しました
audit-allowance-adjustment-rejected = { $actor }が{ $child }さんの{ $program }の残高の訂正を却下しました
audit-settlement-closed = { $actor }が{ $object }分の精算を締めました
audit-respite-requested = { $actor }が{ $child }さんの在宅レスパイト訪問を依頼しました
audit-respite-accepted = { $actor }が{ $child }さんの訪問の依頼を受けました
audit-respite-declined = { $actor }が{ $child }さんの訪問の依頼を断りました
audit-respite-cancelled = { $actor }が{ $child }さんの訪問を取り消しました
audit-respite-completed = { $actor }が{ $child }さんの訪問を記録しました
audit-respite-disputed = { $actor }が{ $child }さんの訪問の記録に異議を申し立てました
audit-respite-dispute-decided = { $actor }が{ $child }さんの訪問の記録への異議について判断しました
audit-short-stay-submitted = { $actor }が{ $child }さんの医療的ショートステイを申請しました
audit-short-stay-approved = { $actor }が{ $child }さんのショートステイを承認しました
audit-short-stay-rejected = { $actor }が{ $child }さんのショートステイの申請を却下しました
audit-short-stay-withdrawn = { $actor }が{ $child }さんのショートステイの申請を取り下げました
audit-short-stay-cancelled = { $actor }が{ $child }さんのショートステイを取り消しました
audit-short-stay-admitted = { $actor }が{ $child }さんの入所を記録しました
audit-short-stay-discharged = { $actor }が{ $child }さんの退所を記録しました
audit-play-session-published = { $actor }がひろばの開催回「{ $object }」を登録しました
audit-play-session-changed = { $actor }がひろばの開催回「{ $object }」を変更しました
audit-play-session-cancelled = { $actor }がひろばの開催回「{ $object }」を中止しました
audit-play-booking-created = { $actor }が{ $child }さんのひろばの予約をしました
audit-play-booking-cancelled = { $actor }が{ $child }さんのひろばの予約を取り消しました
audit-play-booking-checked-in = { $actor }で{ $child }さんがひろばに入場しました
audit-demo-seeded = デモ用のデータを登録しました

## 項目ごとの理由（problem-invalid-field の $reason）

reason-must-be-1-to-20-letters = 受給者証番号は、受給者証に記載のとおり半角英数字とハイフン（20文字以内）で入力してください
reason-must-not-be-before-valid-from = 有効期間の終了日は開始日以降にしてください
reason-is-in-the-future-record-a = 終了時刻が未来です。訪問の終了後に記録してください
reason-is-not-a-valid-local-time = 存在しない日時です
reason-must-be-at-least-a-minute = 終了は開始より後にしてください
reason-claims-as-many-minutes-as-were = 記録と同じかそれ以上の時間です。異議を申し立てる時間がありません
reason-must-be-in-the-future = 開始は現在より後の日時にしてください
reason-is-not-a-contracted-respite-station = 契約している訪問看護ステーション等ではありません
reason-is-not-a-valid-email-address = メールアドレスの形式が正しくありません
reason-is-easy-to-guess-a-common = 推測されやすいパスワードです（よくある単語や名前、キーボードの並び、同じ文字の繰り返し、ご自身の名前やメールアドレスなど）。関係のない単語をいくつか組み合わせてください
reason-guardians-are-invited-into-a-household = 保護者は世帯に招待し、職員は世帯なしで招待します
reason-must-be-at-least-1-yen = 1円以上で入力してください
reason-must-not-be-negative = 0円以上で入力してください
reason-must-not-all-be-zero = 料金がすべて0円です
reason-tickets-take-the-three-fee-components = この利用券は利用額ではなく、予約料・迎車料・基本介助料の3つで入力してください
reason-this-program-s-codes-take-amount = この助成券は、3つの料金ではなく利用額で入力してください
reason-must-not-be-zero = 0以外の値を入力してください
reason-must-be-a-japanese-phone-number = 電話番号は0で始まる10桁か11桁の番号で入力してください
reason-lists-the-same-care-need-more = 同じ医療的ケアが重複しています
reason-must-be-written-in-kana = ふりがな（ひらがな・カタカナ）で入力してください
reason-must-be-a-past-date-after = 1900年以降の過去の日付を入力してください
reason-lists-a-child-who-is-not = 世帯に登録されていない児童が含まれています
reason-must-be-after-the-start-within = 終了は開始より後（12時間以内）にしてください
reason-must-be-in-the-future-2 = 開始は未来の日時にしてください
reason-must-be-between-0-and-1000 = 0から1000の間で指定してください
reason-must-be-at-least-1 = 1以上にしてください
reason-must-be-after-bookings-open-and = 受付終了は受付開始より後、開始時刻以前にしてください
reason-lists-1-to-10-different-children = 児童を1人以上10人以内で重複なく指定してください
reason-must-be-between-0-and-10 = 同伴者は0人から10人です
reason-must-not-be-before-the-first = 終了日は開始日以降にしてください
reason-must-be-today-or-later = 開始日は今日以降にしてください
reason-is-in-the-future-record-it = 未来の日時です。実際の日時を入力してください
reason-is-before-the-admission = 退所日時が入所日時より前です
reason-is-not-a-contracted-medical-institution = 契約している医療機関ではありません
reason-text-empty = 空にはできません
reason-text-too-long = { $max_length }文字以内で入力してください
reason-text-control-character = 制御文字は使えません
reason-text-format = 形式が正しくありません
reason-renewal-starts-later = 来年度の更新申請です。有効期間の開始日は{ $first_day }以降にしてください
reason-certificate-needed = この事業の承認には{ $certificate }の番号と有効期限が必要です
reason-certificate-expired = { $certificate }の有効期限が過ぎています
reason-visit-too-long = 1回の訪問は{ $length }以内です
reason-too-far-ahead-time = { $count }日先までの日時にしてください
reason-too-far-ahead-day = { $count }日先までの日付にしてください
reason-stay-too-long = 1回の利用は{ $count }日以内です
reason-staff-password-too-short = 職員・管理者のパスワードは{ $count }文字以上にしてください
reason-password-too-short = { $count }文字以上にしてください
reason-password-too-long = { $max_length }文字以内にしてください
reason-both-times-or-neither = 開始と終了の両方を入力してください（訪問がなかった場合はどちらも空欄）
reason-amount-or-fees = 利用額（タクシー・燃料）か、3つの料金（介護タクシー）のどちらか一方を送ってください
reason-beyond-the-ledger = 数量が扱える範囲を超えています
