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
short-stay-assigned-title = 医療ショートステイの受け入れが決まりました
short-stay-assigned-body = { $child }さんの医療ショートステイ（{ $from }から{ $until }まで）を、貴院でお受けいただくことになりました。
short-stay-admitted-title = 医療ショートステイに入所しました
short-stay-admitted-body = { $child }さんが{ $institution }に入所しました。
short-stay-discharged-title = 医療ショートステイから退所しました
short-stay-discharged-body = { $child }さんが{ $institution }から退所しました。

play-booking-promoted-title = ひろばの予約が確定しました
play-booking-promoted-body = キャンセル待ちだった「{ $title }」（{ $start }から）の予約が確定しました。
