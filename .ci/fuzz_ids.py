"""Collects ids of real demo objects from a running Carepass and prints a schemathesis config
that fixes the path ids to them, so the second fuzzing pass reaches the handlers' logic
(allowances, vouchers, enrollments, redemptions) instead of stopping at 404.

Usage: python3 .ci/fuzz_ids.py http://127.0.0.1:PORT > ids.toml
"""

import datetime
import json
import sys
import urllib.request
import uuid
from zoneinfo import ZoneInfo

BASE = sys.argv[1]
DEVICE = "cpd_demo_taxi_company"


def call(method, path, token=None, body=None, headers=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(BASE + path, data=data, method=method)
    if body is not None:
        req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", "Bearer " + token)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)


def login(email, password):
    return call("POST", "/api/v1/auth/login", body={"email": email, "password": password})[
        "access_token"
    ]


guardian = login("hanako@carepass.example.jp", "demo-guardian-password")
staff = login("staff@carepass.example.jp", "demo-staff-password")
admin = login("admin@carepass.example.jp", "demo-admin-password")

child = call("GET", "/api/v1/children", guardian)["items"][0]["id"]
household = call("GET", "/api/v1/household", guardian)["id"]
enrollments = call("GET", f"/api/v1/children/{child}/enrollments", guardian)["items"]
pending = [e for e in enrollments if e["status"] == "pending"]
enrollment = (pending or enrollments)[0]["id"]
voucher = call("POST", f"/api/v1/children/{child}/vouchers", guardian, {"program": "taxi_fuel"})
redemption = call(
    "POST",
    "/api/v1/device/vouchers/redeem",
    DEVICE,
    {"payload": voucher["payload"], "amount_yen": 1000},
    {"idempotency-key": str(uuid.uuid4())},
)["redemption_id"]
device = call("GET", "/api/v1/device", DEVICE)
account = call("GET", "/api/v1/admin/staff", admin)["items"][0]["id"]
stations = call("GET", "/api/v1/respite-stations", guardian)["items"]
nurse = [s for s in stations if s["kind"] == "nurse_station"][0]["id"]
tomorrow = (datetime.datetime.now(ZoneInfo("Asia/Tokyo")) + datetime.timedelta(days=1)).date()
visit = call(
    "POST",
    f"/api/v1/children/{child}/respite-visits",
    guardian,
    {
        "station_id": nurse,
        "starts_at": f"{tomorrow}T10:00:00",
        "ends_at": f"{tomorrow}T12:00:00",
        "care_needs": ["suction"],
    },
)["id"]

taro = login("taro@carepass.example.jp", "demo-guardian-password")
taro_child = call("GET", "/api/v1/children", taro)["items"][0]["id"]
in_a_week = (datetime.datetime.now(ZoneInfo("Asia/Tokyo")) + datetime.timedelta(days=7)).date()
stay = call(
    "POST",
    f"/api/v1/children/{taro_child}/short-stays",
    taro,
    {
        "desired_from": str(in_a_week),
        "desired_until": str(in_a_week + datetime.timedelta(days=2)),
        "reason": "caregiver_illness",
        "contact": "090-0000-0000",
    },
)["id"]
session = call(
    "POST",
    "/api/v1/staff/play-sessions",
    staff,
    {
        "title": "親子ひろば",
        "starts_at": f"{in_a_week}T10:00:00",
        "ends_at": f"{in_a_week}T12:00:00",
        "capacity_children": 20,
        "capacity_adults": 20,
    },
)["id"]
# Booking needs an approved play-space enrollment: a second child of the same household gets
# one (the demo's own play-space application stays pending for the enrollment operations).
sibling = call(
    "POST",
    "/api/v1/children",
    guardian,
    {
        "family_name": "品川",
        "given_name": "あおい",
        "family_name_kana": "しながわ",
        "given_name_kana": "あおい",
        "birth_date": "2021-04-01",
        "care_needs": ["suction"],
    },
)["id"]
application = call("POST", f"/api/v1/children/{sibling}/enrollments", guardian, {"program": "play_space"})["id"]
call("POST", f"/api/v1/staff/enrollments/{application}/approve", staff, {"valid_from": "2020-01-01"})
booking = call(
    "POST", f"/api/v1/play-sessions/{session}/bookings", guardian, {"child_ids": [sibling], "companions": 1}
)["id"]
notification = call("GET", "/api/v1/notifications", guardian)["items"][0]["id"]
# The demo's correction waiting for a second staff member (staff2 proposed it).
proposal = call("GET", "/api/v1/staff/adjustment-proposals?status=proposed", staff)["items"][0]["id"]
first_of_month = datetime.datetime.now(ZoneInfo("Asia/Tokyo")).date().replace(day=1)
last_month = (first_of_month - datetime.timedelta(days=1)).strftime("%Y-%m")

ids = {
    "child_id": child,
    "household_id": household,
    "enrollment_id": enrollment,
    "redemption_id": redemption,
    "partner_id": device["partner_id"],
    "device_id": device["device_id"],
    "account_id": account,
    "visit_id": visit,
    "stay_id": stay,
    "session_id": session,
    "booking_id": booking,
    "notification_id": notification,
    "proposal_id": proposal,
    "month": last_month,
}
print("[parameters]")
for name, value in ids.items():
    print(f'"path.{name}" = "{value}"')
