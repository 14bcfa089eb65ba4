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
short-stay-cancelled-title = Medical short stay cancelled
short-stay-cancelled-body = { $child }'s medical short stay at { $institution } from { $from } to { $until } has been cancelled. Reason: { $reason }.
short-stay-assigned-title = A short stay is assigned to you
short-stay-assigned-body = You will receive { $child } for a medical short stay from { $from } to { $until }.
short-stay-admitted-title = Admitted for the short stay
short-stay-admitted-body = { $child } was admitted to { $institution }.
short-stay-discharged-title = Home from the short stay
short-stay-discharged-body = { $child } went home from { $institution }.

play-booking-promoted-title = Play-space booking confirmed
play-booking-promoted-body = A place freed up: your booking for "{ $title }" (from { $start }) is confirmed.
play-session-changed-title = Play session changed
play-session-changed-body = The session you booked, "{ $title }", has changed: it now runs from { $start } to { $end }. If that no longer suits you, cancel the booking in the app.
play-session-cancelled-title = Play session cancelled
play-session-cancelled-body = The session you booked, "{ $title }" (from { $start }), has been cancelled. Reason: { $reason }. Your booking is cancelled.

## Problem details (the `detail` of problem+json). Fields are said with the words below.

problem-invalid-field = { $field }: { $reason }
problem-invalid-field-said = { $field }: { $reason }
problem-too-many-children = A household can register at most { $max_children } children.
problem-enrollment-not-pending = This application is already { $status }.
problem-renewal-not-open = The approval is still valid. Applications for { $fiscal_year } open on { $opens_on }.
problem-enrollment-not-approved = Only an approved enrollment has a certificate; this one is { $status }.
problem-program-not-offered = The ward does not run this program.
problem-not-eligible-care-needs = This program is for people who need one of: { $conditions }. The person's record has none of them.
problem-not-eligible-age = This program is for ages { $age_range }; the person is { $age }.
problem-certificate-missing = This program needs the { $certificate }, and none is on record. Please ask the ward's office.
problem-certificate-expired = The { $certificate } expired on { $valid_until }. Please give the ward's office the renewed certificate.
problem-insufficient-balance = Only { $remaining } remain { $period ->
        [fiscal_year] this fiscal year
       *[month] this month
    }; { $requested } were asked for.
problem-allowance-exhausted = Nothing is left { $period ->
        [fiscal_year] this fiscal year
       *[month] this month
    }.
problem-adjustment-over-limit = A single correction may be at most { $max }, even with two approvers.
problem-second-approver-required = One person may correct at most { $limit } on this account alone; propose a correction for a second staff member to approve.
problem-proposal-not-pending = This proposal is already { $status }.
problem-partner-kind-mismatch = This { $kind ->
        [ticket_allowance] ticket
        [play_space] entry code
       *[yen_allowance] voucher
    } ({ $program }) cannot be used at a { $place }.
problem-amount-over-limit = One redemption may claim at most { $max_yen }; check the amount.
problem-fee-over-limit = The { $field } may be at most { $max_yen }; check the amounts.
problem-respite-hours-exceeded = { $remaining } remain this fiscal year; this visit needs { $requested }.
problem-visit-state-conflict = A { $status } visit cannot be { $action }.
problem-visit-outside-booking = A station can record a visit from { $earliest_start } to { $latest_end }; outside that, ward staff record it as an exception.
problem-dispute-window-closed = This visit could be disputed until { $dispute_until }; please call the ward.
problem-short-stay-state-conflict = A { $status } request cannot be { $action }.
problem-admission-outside-dates = The admission can be recorded from { $earliest } to { $latest }, the confirmed dates.
problem-month-not-ended = The month can be closed from { $closable_from }.
problem-play-not-enrolled = A child in this booking has no approved play-space enrollment for the session's date; apply first.

## Fields (each request field as a word; the field's own name is in the problem's `field`)

field-address = address
field-admitted_at = admission time
field-amount = amount
field-amount_yen = amount
field-birth_date = date of birth
field-booking_closes_at = booking deadline
field-booking_opens_at = booking opening
field-capacity_adults = places for adults
field-capacity_children = places for children
field-care_needs = care needs
field-certificate = certificate
field-certificate-number = certificate number
field-certificate-valid_until = certificate's last valid day
field-child_ids = children
field-companions = companions
field-confirmed_from = confirmed first day
field-confirmed_until = confirmed last day
field-contact = contact
field-desired_from = first day wished
field-desired_until = last day wished
field-discharged_at = discharge time
field-display_name = display name
field-email = email address
field-ended_at = end time
field-ends_at = end time
field-family_name = family name
field-family_name_kana = family name in kana
field-fees = fees
field-fees-reservation_fee_yen = reservation fee
field-fees-pickup_fee_yen = pick-up fee
field-fees-basic_assistance_fee_yen = basic assistance fee
field-given_name = given name
field-given_name_kana = given name in kana
field-household_id = household
field-institution_id = institution
field-invitation_code = invitation code
field-label = label
field-name = name
field-notes = notes
field-password = password
field-phone = phone
field-reason = reason
field-reason_detail = details
field-started_at = start time
field-starts_at = start time
field-station_id = station
field-title = title
field-town = town
field-valid_from = first valid day
field-valid_until = last valid day

## Requests the parsers refused (the member's own name is in the problem's `field`)

problem-unknown-member = This operation does not take the member { $member }. It takes: { $allowed }.
problem-unknown-parameter = This operation does not take the query parameter { $member }. It takes: { $allowed }.
problem-missing-member = The { $member } is required.
problem-unknown-value = { $member } cannot be { $value }; it takes one of: { $allowed }.
problem-wrong-type = The { $member } must be { $expected }.
problem-bad-form = The { $member } does not have the expected form; the spec gives its format.
problem-not-an-object = The body must be a JSON object.
problem-bad-address = The address could not be read.
problem-bad-address-part = A part of the address does not have the expected form.
problem-bad-address-key = The { $member } in the address must be { $expected }.

## Query and header mistakes

problem-database-unreachable = The database cannot be reached; please try again shortly.
problem-not-a-voucher-program = The program must be one of this ward's voucher programs: { $allowed }.
problem-month-or-fiscal-year = Give either month or fiscal_year.
problem-filter-too-long = The filter is too long.
problem-child-search-text = Type at most 100 characters, without control characters such as line breaks.
problem-child-search-words = Type the child's name or its reading, in up to { $count } words.
problem-capacity-below-bookings = { $booked_children } children and { $booked_adults } adults ({ $booked_ventilator } children on ventilators) are already booked; the capacity cannot be less.
problem-unknown-audit-action = The audit log records no action of that name; check the name of the action.
problem-period-format = The period must look like 2026-11 (a month) or FY2026 (a fiscal year).
problem-month-format = The month must look like 2026-11.
problem-fiscal-year-format = The fiscal year must look like FY2024.
problem-idempotency-key-format = The Idempotency-Key must be 1 to 100 visible ASCII characters.
problem-body-unreadable = The body could not be read.
problem-invalid-json = The body is not valid JSON (near line { $line }, column { $column }).
problem-duplicate-member = The key { $member } appears more than once; send it once.
problem-page-size = The limit must be between 1 and { $count }.
problem-offset-too-large = The offset is too large.
problem-not-a-program = The program must be one of this ward's programs: { $allowed }.

## Ids in the address

field-child_id = child id
field-visit_id = visit id
field-stay_id = stay id
field-booking_id = booking id
field-session_id = session id
field-partner_id = partner id
field-device_id = device id
field-redemption_id = redemption id
field-enrollment_id = enrollment id
field-proposal_id = proposal id
field-notification_id = notification id
field-account_id = account id
field-voucher_id = voucher id

## Audit log sentences ($actor carries the role: "Yamada Taro (staff)"; $child is the child's name; $object the object's own name)

audit-account-created = An account for { $object } was created from an invitation
audit-account-disabled = { $actor } disabled the account of { $object }
audit-auth-refresh-token-reused = A sign-in was used twice, so every session of this account was signed out
audit-invitation-created = { $actor } invited { $object }
audit-household-created = { $actor } registered the household "{ $object }"
audit-household-contact-recorded = { $actor } recorded the household's address and phone
audit-child-created = { $actor } registered { $child }
audit-person-disclosed = { $child }'s name, address and phone were shown to { $actor }
audit-partner-created = { $actor } registered the partner "{ $object }"
audit-device-registered = { $actor } added the device "{ $object }"
audit-device-revoked = { $actor } stopped the device "{ $object }"
audit-enrollment-applied = { $actor } applied for { $program } for { $child }
audit-enrollment-approved = { $actor } approved { $child }'s application for { $program }
audit-enrollment-rejected = { $actor } rejected { $child }'s application for { $program }
audit-enrollment-withdrawn = { $actor } withdrew { $child }'s application for { $program }
audit-enrollment-certificate-recorded = { $actor } recorded { $child }'s certificate for { $program }
audit-voucher-issued = { $actor } issued a QR code for { $child }'s { $program }
audit-voucher-redeemed = { $child }'s { $program } was used at { $actor }
audit-redemption-reversed = { $actor } reversed a use of { $child }'s { $program }
audit-voucher-key-rotated = { $actor } replaced the key that signs QR codes
audit-allowance-adjusted = { $actor } corrected { $child }'s { $program } balance
audit-allowance-adjustment-proposed = { $actor } proposed a correction of { $child }'s { $program } balance (awaiting a second member of staff)
audit-allowance-adjustment-approved = { $actor } approved a correction of { $child }'s { $program } balance
audit-allowance-adjustment-rejected = { $actor } rejected a correction of { $child }'s { $program } balance
audit-settlement-closed = { $actor } closed the settlement for { $object }
audit-respite-requested = { $actor } requested a respite visit for { $child }
audit-respite-accepted = { $actor } accepted a visit to { $child }
audit-respite-declined = { $actor } declined a visit to { $child }
audit-respite-cancelled = { $actor } cancelled a visit to { $child }
audit-respite-completed = { $actor } recorded a visit to { $child }
audit-respite-disputed = { $actor } disputed the record of a visit to { $child }
audit-respite-dispute-decided = { $actor } decided a dispute about a visit to { $child }
audit-short-stay-submitted = { $actor } requested a medical short stay for { $child }
audit-short-stay-approved = { $actor } approved { $child }'s short stay
audit-short-stay-rejected = { $actor } rejected { $child }'s short stay request
audit-short-stay-withdrawn = { $actor } withdrew { $child }'s short stay request
audit-short-stay-cancelled = { $actor } cancelled { $child }'s short stay
audit-short-stay-admitted = { $actor } recorded { $child }'s admission
audit-short-stay-discharged = { $actor } recorded { $child }'s discharge
audit-play-session-published = { $actor } published the play session "{ $object }"
audit-play-session-changed = { $actor } changed the play session "{ $object }"
audit-play-session-cancelled = { $actor } cancelled the play session "{ $object }"
audit-play-booking-created = { $actor } booked the play space for { $child }
audit-play-booking-cancelled = { $actor } cancelled { $child }'s play space booking
audit-play-booking-checked-in = { $child } checked in to the play space at { $actor }
audit-demo-seeded = Demo data was loaded

## Reasons a field is refused ($reason of problem-invalid-field)

reason-must-be-1-to-20-letters = must be 1 to 20 letters, digits or hyphens, as printed on the certificate
reason-must-not-be-before-valid-from = must not be before valid_from
reason-is-in-the-future-record-a = is in the future: record a visit after it ends
reason-is-not-a-valid-local-time = is not a valid local time
reason-must-be-at-least-a-minute = must be at least a minute after the start
reason-claims-as-many-minutes-as-were = claims as many minutes as were recorded: there is nothing to dispute
reason-must-be-in-the-future = must be in the future
reason-is-not-a-contracted-respite-station = is not a contracted respite station
reason-is-not-a-valid-email-address = is not a valid email address
reason-is-easy-to-guess-a-common = is easy to guess (a common word or name, a keyboard pattern, repeated characters, or your own name or email); use a longer phrase of unrelated words
reason-guardians-are-invited-into-a-household = guardians are invited into a household, staff into none
reason-must-be-at-least-1-yen = must be at least 1 yen
reason-must-not-be-negative = must not be negative
reason-must-not-all-be-zero = must not all be zero
reason-tickets-take-the-three-fee-components = tickets take the three fee components, not amount_yen
reason-this-program-s-codes-take-amount = this program's codes take amount_yen, not fees
reason-must-not-be-zero = must not be zero
reason-must-be-a-japanese-phone-number = must be a Japanese phone number of 10 or 11 digits starting with 0
reason-lists-the-same-care-need-more = lists the same care need more than once
reason-must-be-written-in-kana = must be written in kana
reason-must-be-a-past-date-after = must be a past date after 1900
reason-lists-a-child-who-is-not = lists a child who is not in your household
reason-must-be-after-the-start-within = must be after the start, within 12 hours
reason-must-be-in-the-future-2 = must be in the future
reason-must-be-between-0-and-1000 = must be between 0 and 1000
reason-must-be-at-least-1 = must be at least 1
reason-must-be-after-bookings-open-and = must be after bookings open and not after the start
reason-lists-1-to-10-different-children = lists 1 to 10 different children
reason-must-be-between-0-and-10 = must be between 0 and 10
reason-must-not-be-before-the-first = must not be before the first day
reason-must-be-today-or-later = must be today or later
reason-is-in-the-future-record-it = is in the future: record it once it has happened
reason-is-before-the-admission = is before the admission
reason-is-not-a-contracted-medical-institution = is not a contracted medical institution
reason-text-empty = must not be empty
reason-text-too-long = must be at most { $max_length } characters
reason-text-control-character = must not contain control characters
reason-text-format = has an invalid format
reason-renewal-starts-later = a renewal is for next fiscal year: start it on { $first_day } or later
reason-certificate-needed = approving this program needs the { $certificate }: its number and last valid day
reason-certificate-expired = the { $certificate } has already expired
reason-visit-too-long = a visit lasts at most { $length }
reason-too-far-ahead-time = can be at most { $count } days ahead
reason-too-far-ahead-day = can be at most { $count } days ahead
reason-stay-too-long = a stay lasts at most { $count } days
reason-staff-password-too-short = must be at least { $count } characters for staff and admins
reason-password-too-short = must be at least { $count } characters
reason-password-too-long = must be at most { $max_length } characters
reason-both-times-or-neither = give both times, or neither if the visit did not take place
reason-amount-or-fees = send either amount_yen (taxi, fuel) or fees (care taxi)
reason-beyond-the-ledger = must be a size the ledger can hold
