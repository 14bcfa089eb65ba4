// End to end, in a real browser: a clerk's day in the console. She finds a child by reading,
// opens the child's page (balances, applications, visits, the trail told as sentences), records
// the household's contact, opens a correction from the page, lists respite visits by station,
// reads a play session's door list, moves the session an hour and then calls it off (the family
// is told each time), and cancels an approved short stay (family and hospital told). Keyboard
// only where a clerk would use it. Screenshots at desktop and tablet widths go to
// $SCREENSHOTS_DIR when it is set.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import assert from "node:assert/strict";
import { startService, launch, consolePage } from "./harness.mjs";

const shots = process.env.SCREENSHOTS_DIR;
const service = await startService();
let browser;
const shoot = async (page, name) => {
  if (!shots) return;
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
};
try {
  const staff = await service.login("staff@carepass.example.jp", "demo-staff-password");
  const hanako = await service.login("hanako@carepass.example.jp", "demo-guardian-password");
  const taro = await service.login("taro@carepass.example.jp", "demo-guardian-password");
  const [sakura] = (await service.call("GET", "/api/v1/children", hanako)).items;
  const [hikaru] = (await service.call("GET", "/api/v1/children", taro)).items;

  // The play space: Sakura's application approved, a session in three days, booked.
  const [pending] = (await service.call("GET", "/api/v1/staff/enrollments?status=pending&renewal=false", staff)).items;
  await service.call("POST", `/api/v1/staff/enrollments/${pending.id}/approve`, staff, { valid_from: "2020-04-01" });
  const tokyoDay = (offset) => new Date(Date.now() + offset * 86400000).toLocaleDateString("sv-SE", { timeZone: "Asia/Tokyo" });
  const session = await service.call("POST", "/api/v1/staff/play-sessions", staff, {
    title: "親子ひろば（午前）",
    starts_at: `${tokyoDay(3)}T10:00:00`,
    ends_at: `${tokyoDay(3)}T12:00:00`,
    capacity_children: 8,
    capacity_adults: 8,
  });
  await service.call("POST", `/api/v1/play-sessions/${session.id}/bookings`, hanako, { child_ids: [sakura.id], companions: 1 });

  // A short stay for Hikaru, approved at the demo hospital.
  const stay = await service.call("POST", `/api/v1/children/${hikaru.id}/short-stays`, taro, {
    desired_from: tokyoDay(20),
    desired_until: tokyoDay(22),
    reason: "caregiver_rest",
    reason_detail: "介護者の休息のため",
    care_needs: ["tube_feeding"],
    contact: "090-0000-1234",
  });
  const [hospital] = (await service.call("GET", "/api/v1/staff/partners?kind=medical_institution", staff)).items;
  await service.call("POST", `/api/v1/staff/short-stays/${stay.id}/approve`, staff, {
    institution_id: hospital.id,
    confirmed_from: tokyoDay(20),
    confirmed_until: tokyoDay(22),
  });

  // Hikaru's family applies for the taxi/fuel subsidy, which needs a certificate at approval.
  const application = await service.call("POST", `/api/v1/children/${hikaru.id}/enrollments`, taro, { program: "taxi_fuel" });

  browser = await launch();
  const { page, errors } = await consolePage(browser, service.base, "staff@carepass.example.jp", "demo-staff-password");
  await page.press("#password", "Enter");
  await page.waitForSelector("#tabs:not([hidden])");

  // The queue asks for the certificate where the program needs one.
  const queued = page.locator(`#enrollment-rows tr[data-id="${application.id}"]`);
  await queued.waitFor();
  await queued.locator("button", { hasText: "承認" }).click();
  await page.waitForSelector("#message:has-text('受給者証の番号と有効期限')");
  await queued.locator("input[aria-label$='の番号']").fill("1310900123");
  await queued.locator("input[type=date]").fill(tokyoDay(400));
  await shoot(page, "console-desktop-certificate");
  await queued.locator("button", { hasText: "承認" }).click();
  await queued.waitFor({ state: "detached" });
  const decided = await service.call("GET", `/api/v1/staff/enrollments/${application.id}`, staff);
  assert.equal(decided.status, "approved");
  assert.equal(decided.certificate_number, "1310900123");

  // Find the child by reading in katakana, with the keyboard.
  await page.click("[data-tab=children]");
  await page.fill("#k-query", "シナガワ");
  await page.press("#k-query", "Enter");
  const result = page.locator("#k-results button", { hasText: "品川 さくら" });
  await result.waitFor();
  await result.focus();
  await page.keyboard.press("Enter");
  await page.waitForSelector("#cp-name:has-text('品川 さくら（しながわ さくら）')");
  const allowances = await page.textContent("#cp-allowances");
  assert.ok(allowances.includes("福祉タクシー・自動車燃料費助成") && allowances.includes("円"), allowances);
  const enrollments = await page.textContent("#cp-enrollments");
  assert.ok(enrollments.includes("承認済み") && !enrollments.includes("approved"), enrollments);
  const trail = await page.textContent("#cp-trail");
  assert.ok(trail.includes("が品川 さくらさんのインクルーシブひろばベルの利用申請を承認しました"), trail);
  assert.ok(!/[0-9a-f]{8}-[0-9a-f]{4}-/.test(trail), "the trail shows no ids");
  await shoot(page, "console-desktop-child");
  await page.setViewportSize({ width: 820, height: 1180 });
  await shoot(page, "console-tablet-child");
  await page.setViewportSize({ width: 1280, height: 860 });

  // The household's contact, recorded from the page.
  await page.click("#cp-contact-form summary");
  await page.fill("#h-phone", "０３−００００−９９９９");
  await page.click("#h-save");
  await page.waitForSelector("#cp-household dd:has-text('03-0000-9999')");

  // A use this month, reversed from the child's page with a reason: the balance comes back.
  const before = (await service.call("GET", `/api/v1/children/${sakura.id}/allowances`, hanako)).find((x) => x.program === "taxi_fuel");
  await page.locator("#cp-allowances tr", { hasText: "福祉タクシー" }).locator("button", { hasText: "履歴" }).click();
  const use = page.locator("#cp-redemptions tr", { has: page.locator("button", { hasText: "取り消す" }) }).first();
  await use.waitFor();
  const useId = await use.getAttribute("data-id");
  const history = (await service.call("GET", `/api/v1/staff/children/${sakura.id}/allowances/taxi_fuel/history`, staff)).redemptions;
  const covered = history.find((r) => r.id === useId).covered_yen;
  await page.fill("#cp-reverse-reason", "二重に読み取ったため");
  page.once("dialog", (d) => d.accept());
  await use.locator("button", { hasText: "取り消す" }).click();
  await page.waitForSelector(`#cp-redemptions tr[data-id="${useId}"] td:has-text('取消済み')`);
  const after = (await service.call("GET", `/api/v1/children/${sakura.id}/allowances`, hanako)).find((x) => x.program === "taxi_fuel");
  assert.equal(after.remaining, before.remaining + covered, "the reversed amount is back");
  // The ledger beside it says so in words.
  await page.waitForSelector("#cp-ledger td:has-text('利用の取消')");
  const ledger = await page.textContent("#cp-ledger");
  assert.ok(ledger.includes("交付") && ledger.includes(`+${covered.toLocaleString("ja-JP")}円`), ledger);
  await shoot(page, "console-desktop-child-history");

  // A correction opened from the child's page knows the child.
  await page.click("#cp-correct");
  assert.equal(await page.inputValue("#c-child"), "品川 さくら");

  // Respite visits by station, in words.
  await page.click("[data-tab=respite]");
  await page.waitForSelector("#rv-station option:nth-child(2)", { state: "attached" });
  await page.selectOption("#rv-station", { index: 1 });
  await page.selectOption("#rv-status", "disputed");
  await page.click("#rv-load");
  await page.waitForSelector("#rv-rows td:has-text('異議あり')");
  const visits = await page.textContent("#rv-rows");
  assert.ok(visits.includes("品川 さくら") && visits.includes("訪問看護ステーションしながわ"), visits);
  await shoot(page, "console-desktop-respite");

  // The play session: its door list, then an hour later, then called off.
  await page.click("[data-tab=play]");
  const sessionRow = page.locator(`#session-rows tr[data-id="${session.id}"]`);
  await sessionRow.locator("button", { hasText: "参加者" }).click();
  await page.waitForSelector("#door-rows td:has-text('品川 さくら（しながわ さくら）')");
  const door = await page.textContent("#door-rows");
  assert.ok(door.includes("人工呼吸器") && door.includes("確定"), door);
  await shoot(page, "console-desktop-door-list");
  await sessionRow.locator("button", { hasText: "変更" }).click();
  assert.equal(await page.inputValue("#s-start"), `${tokyoDay(3)}T10:00`);
  await page.fill("#s-start", `${tokyoDay(3)}T11:00`);
  await page.fill("#s-end", `${tokyoDay(3)}T13:00`);
  await page.click("#publish");
  await page.waitForSelector(`#session-rows tr[data-id="${session.id}"] td:has-text('11:00')`);
  let inbox = (await service.call("GET", "/api/v1/notifications", hanako)).items;
  assert.equal(inbox[0].type, "play_session.changed");
  page.once("dialog", (d) => d.accept("会場の設備点検のため"));
  await sessionRow.locator("button", { hasText: "中止" }).click();
  await page.waitForSelector(`#session-rows tr.cancelled[data-id="${session.id}"]`);
  inbox = (await service.call("GET", "/api/v1/notifications", hanako)).items;
  assert.equal(inbox[0].type, "play_session.cancelled");
  assert.ok(inbox[0].text.ja.body.includes("会場の設備点検のため"), inbox[0].text.ja.body);
  await shoot(page, "console-desktop-play-cancelled");

  // The approved stay, cancelled with a reason the family and the hospital read.
  await page.click("[data-tab=stays]");
  const stayRow = page.locator(`#approved-stay-rows tr[data-id="${stay.id}"]`);
  await stayRow.waitFor();
  assert.ok((await stayRow.textContent()).includes("大井 ひかる"));
  await shoot(page, "console-desktop-stays");
  page.once("dialog", (d) => d.accept("ご家族から不要との連絡があったため"));
  await stayRow.locator("button", { hasText: "取り消す" }).click();
  await stayRow.waitFor({ state: "detached" });
  const cancelled = await service.call("GET", `/api/v1/staff/short-stays/${stay.id}`, staff);
  assert.equal(cancelled.status, "cancelled");
  inbox = (await service.call("GET", "/api/v1/notifications", taro)).items;
  assert.equal(inbox[0].type, "short_stay.cancelled");

  // The audit log reads as sentences; the action is chosen by its name in Japanese.
  await page.click("[data-tab=audit]");
  await page.selectOption("#a-action", "short_stay.cancelled");
  await page.click("#load-audit");
  await page.waitForSelector("#audit-rows td:has-text('が大井 ひかるさんのショートステイを取り消しました')");
  await shoot(page, "console-desktop-audit-sentences");

  assert.deepEqual(errors, [], "the page threw");
  console.log("e2e console day: child page, contact, respite by station, door list, session moved and cancelled, stay cancelled");
} finally {
  if (browser) await browser.close();
  service.stop();
}
