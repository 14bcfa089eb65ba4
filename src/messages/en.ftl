# Carepass's English words. Parameters ({ $… }) arrive formatted ("¥1,500", "2 h 30 min",
# "10 Dec 2026", "10 Dec 10:00"). Keep the same ids as ja.ftl (a test checks).

## Notifications (the title is one line; the body says what happened and, if anything, what to do)

enrollment-approved-title = { $program }: approved
enrollment-approved-body = The application for { $child }'s { $program } was approved. It can be used from { $valid_from }.
enrollment-rejected-title = { $program }: not approved
enrollment-rejected-body = The application for { $child }'s { $program } was not approved. Reason: { $reason }. Please ask the ward's office if anything is unclear.
enrollment-withdrawn-title = { $program }: application withdrawn
enrollment-withdrawn-body = The application for { $child }'s { $program } was withdrawn.

voucher-redeemed-title = { $program } used
voucher-redeemed-body = { $partner } redeemed { $child }'s { $program }: { $covered } covered, { $family_pays } paid by the family. { $left } left this { $period ->
        [fiscal_year] fiscal year
       *[month] month
    }.
voucher-reversed-title = { $program }: a use was cancelled
voucher-reversed-body = { $by ->
        [partner] The partner cancelled a use of { $child }'s { $program } ({ $covered } covered); the amount is back in the balance.
       *[ward] The ward cancelled a use of { $child }'s { $program } ({ $covered } covered); the amount is back in the balance. Reason: { $reason }
    }

settlement-closed-title = { $month }: settlement final
settlement-closed-body = The ward closed { $month }. It pays you { $covered } for the month; please download the statement to check it.

respite-requested-title = A visit is requested
respite-requested-body = A respite visit for { $child } is requested ({ $length } from { $start }). Please answer whether you can come.
respite-accepted-title = The visit is booked
respite-accepted-body = { $station } will visit { $child } from { $start } ({ $length }).
respite-declined-title = The visit was declined
respite-declined-body = { $station } cannot visit { $child } from { $start }. Reason: { $reason }. The booked time is back in your balance.
respite-cancelled-title = A visit was called off
respite-cancelled-body = The family called off the visit to { $child } from { $start }.
respite-completed-title = The visit was recorded
respite-completed-body = { $station } recorded the visit to { $child } from { $start } as { $length }. If the record is wrong, tell us in the app by { $dispute_until }.
respite-disputed-title = A visit's record is disputed
respite-disputed-body = The family disputes the record of the visit to { $child } from { $start }. The ward will look into it.
respite-dispute-decided-title = The ward decided on a visit's record
respite-dispute-decided-body = On the visit to { $child } from { $start }: { $outcome ->
        [family] the family was right, and the time in question is back in the balance.
       *[record] the station's record stands.
    }

short-stay-approved-title = Short stay arranged
short-stay-approved-body = { $child }'s medical short stay is arranged at { $institution } from { $from } to { $until }.
short-stay-rejected-title = Short stay not approved
short-stay-rejected-body = The request for { $child }'s medical short stay was not approved. Reason: { $reason }. Please ask the ward's office if anything is unclear.
short-stay-assigned-title = A short stay is assigned to you
short-stay-assigned-body = You will receive { $child } for a medical short stay from { $from } to { $until }.
short-stay-admitted-title = Admitted for the short stay
short-stay-admitted-body = { $child } was admitted to { $institution }.
short-stay-discharged-title = Home from the short stay
short-stay-discharged-body = { $child } went home from { $institution }.

play-booking-promoted-title = Play-space booking confirmed
play-booking-promoted-body = A place freed up: your booking for "{ $title }" (from { $start }) is confirmed.
