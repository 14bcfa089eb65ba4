// End to end, in a real browser: a staff member signs in to the console and approves the
// demo family's pending play-space application; the API then reports it approved.
// Screenshots at phone and desktop widths go to $SCREENSHOTS_DIR when it is set.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import assert from "node:assert/strict";
import { startService, launch } from "./harness.mjs";

const shots = process.env.SCREENSHOTS_DIR;
const service = await startService();
let browser;
try {
  const staff = await service.login("staff@carepass.example.jp", "demo-staff-password");
  const pending = (await service.call("GET", "/api/v1/staff/enrollments?status=pending", staff)).items;
  assert.equal(pending.length, 1, "the demo has one pending application");
  const application = pending[0];

  browser = await launch();
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: "ja-JP", timezoneId: "Asia/Tokyo" });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${service.base}/console`);
  await page.fill("#email", "staff@carepass.example.jp");
  await page.fill("#password", "demo-staff-password");
  await page.click("#sign-in");
  const row = page.locator(`tr[data-id="${application.id}"]`);
  await row.waitFor();
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

  // The audit log tab shows the approval.
  await page.click("[data-tab=audit]");
  await page.fill("#a-object", application.id);
  await page.click("#load-audit");
  await page.waitForSelector("#audit-rows td:has-text('enrollment.approved')");
  if (shots) await page.screenshot({ path: join(shots, "console-desktop-audit.png"), fullPage: true });
  assert.deepEqual(errors, [], "the page threw");
  console.log(`e2e console: staff approved application ${application.id} in the browser`);
} finally {
  if (browser) await browser.close();
  service.stop();
}
