// End to end, in a real browser: a staff member signs in to the console and approves the
// demo family's pending play-space application; the API then reports it approved. The other
// family's renewal for next year waits in its own list and is approved from the year's first
// day. Then the
// same staff member approves the correction the other demo staff member proposed (four eyes),
// upholds the demo family's disputed respite record, and sees last month closed (締め).
// Screenshots at phone and desktop widths go to $SCREENSHOTS_DIR when it is set.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import assert from "node:assert/strict";
import { startService, launch, consolePage } from "./harness.mjs";

const shots = process.env.SCREENSHOTS_DIR;
const service = await startService();
let browser;
try {
  const staff = await service.login("staff@carepass.example.jp", "demo-staff-password");
  const pending = (await service.call("GET", "/api/v1/staff/enrollments?status=pending&renewal=false", staff)).items;
  assert.equal(pending.length, 1, "the demo has one pending first application");
  const application = pending[0];
  const renewals = (await service.call("GET", "/api/v1/staff/enrollments?status=pending&renewal=true", staff)).items;
  assert.equal(renewals.length, 1, "the demo has one pending renewal");
  const renewal = renewals[0];

  browser = await launch();
  const { page, errors } = await consolePage(browser, service.base, "staff@carepass.example.jp", "demo-staff-password");
  await page.click("#sign-in");
  const row = page.locator(`tr[data-id="${application.id}"]`);
  await row.waitFor();
  // A clerk reads the child's name and kana, not an id (the id is in the tooltip).
  const rowText = await row.textContent();
  assert.ok(application.child_name && rowText.includes(application.child_name), rowText);
  assert.ok(rowText.includes(application.child_name_kana), rowText);
  assert.ok(!rowText.includes(application.child_id), rowText);
  if (shots) {
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: join(shots, "console-desktop-queue.png"), fullPage: true });
    await page.setViewportSize({ width: 360, height: 780 });
    await page.screenshot({ path: join(shots, "console-phone-queue.png"), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 860 });
  }
  // Rejecting needs a reason: an empty one is refused in the page and nothing changes.
  page.once("dialog", (d) => d.accept(""));
  await row.locator("button", { hasText: "却下" }).click();
  await page.waitForSelector("#message:has-text('理由が必要')");
  await row.locator("button", { hasText: "承認" }).click();
  await row.waitFor({ state: "detached" });
  const decided = await service.call("GET", `/api/v1/staff/enrollments/${application.id}`, staff);
  assert.equal(decided.status, "approved");

  // The renewal sits in its own list and is approved from next year's first day.
  const renewalRow = page.locator(`#renewal-rows tr[data-id="${renewal.id}"]`);
  await renewalRow.waitFor();
  assert.equal(await page.locator(`#enrollment-rows tr[data-id="${renewal.id}"]`).count(), 0);
  if (shots) await page.screenshot({ path: join(shots, "console-desktop-renewals.png"), fullPage: true });
  await renewalRow.locator("button", { hasText: "承認" }).click();
  await renewalRow.waitFor({ state: "detached" });
  const renewed = await service.call("GET", `/api/v1/staff/enrollments/${renewal.id}`, staff);
  assert.equal(renewed.status, "approved");
  assert.equal(renewed.valid_from, renewal.renewal_from);

  // The audit log tab shows the approval.
  await page.click("[data-tab=audit]");
  await page.fill("#a-object", application.id);
  await page.click("#load-audit");
  await page.waitForSelector("#audit-rows td:has-text('の利用申請を承認しました')");
  if (shots) await page.screenshot({ path: join(shots, "console-desktop-audit.png"), fullPage: true });

  // Four eyes: the correction staff2 proposed is approved here by another person.
  const proposals = (await service.call("GET", "/api/v1/staff/adjustment-proposals?status=proposed", staff)).items;
  assert.equal(proposals.length, 1, "the demo has one correction waiting");
  const disputes = (await service.call("GET", "/api/v1/staff/respite-visits?status=disputed", staff)).items;
  assert.equal(disputes.length, 1, "the demo has one disputed visit");
  await page.click("[data-tab=corrections]");
  await page.waitForSelector("#proposal-rows button:has-text('承認する')");
  await page.waitForSelector("#dispute-rows button:has-text('記録どおり')");
  if (shots) {
    await page.screenshot({ path: join(shots, "console-desktop-corrections.png"), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(shots, "console-phone-corrections.png"), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 860 });
  }
  await page.click("#proposal-rows button:has-text('承認する')");
  await page.waitForSelector("#proposal-rows button", { state: "detached" });
  const approved = (await service.call("GET", "/api/v1/staff/adjustment-proposals?status=approved", staff)).items;
  assert.ok(approved.some((p) => p.id === proposals[0].id), "the proposal is approved");

  // A dispute decision needs a reason; with one, the record is upheld.
  await page.click("#dispute-rows button:has-text('記録どおり')");
  await page.waitForSelector("#message:has-text('理由')");
  await page.fill("#d-reason", "入退室記録で到着時刻を確認しました");
  await page.click("#dispute-rows button:has-text('記録どおり')");
  await page.waitForSelector("#dispute-rows button", { state: "detached" });
  const visit = (await service.call("GET", "/api/v1/staff/respite-visits?status=completed", staff)).items
    .find((v) => v.id === disputes[0].id);
  assert.equal(visit.dispute_outcome, "upheld");

  // Last month is closed: its statements are final.
  await page.click("[data-tab=reports]");
  const last = await page.evaluate(() => {
    const d = new Date(new Date().toLocaleString("en-US", { timeZone: "Asia/Tokyo" }));
    d.setDate(1);
    d.setMonth(d.getMonth() - 1);
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}`;
  });
  await page.fill("#r-month", last);
  await page.click("#load-settlements");
  await page.waitForSelector("#closing:has-text('締め済み')");
  assert.equal(await page.isHidden("#close-month"), true, "a closed month cannot be closed again");
  if (shots) {
    await page.screenshot({ path: join(shots, "console-desktop-settlement.png"), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(shots, "console-phone-settlement.png"), fullPage: true });
  }
  // Partners by kind in words; a staff member sees no administrator's controls.
  await page.click("nav button[data-tab='partners']");
  await page.waitForSelector("#partner-list li");
  const partners = await page.textContent("#partner-list");
  assert.ok(partners.includes("タクシー事業者") && !partners.includes("taxi_company"), partners);
  assert.equal(await page.locator("#partner-list button").count(), 0, "staff see no device controls");
  assert.equal(await page.isVisible("#admin-only"), false, "staff see no partner registration");
  if (shots) await page.screenshot({ path: join(shots, "console-desktop-partners-staff.png"), fullPage: true });
  assert.deepEqual(errors, [], "the page threw");
  console.log(`e2e console: staff approved application ${application.id} in the browser`);
} finally {
  if (browser) await browser.close();
  service.stop();
}
