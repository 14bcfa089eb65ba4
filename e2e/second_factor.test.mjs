// End to end, in a real browser, with production defaults (no --demo): a staff member signs in
// to the console, is asked to set up two-step sign-in, scans (reads) the QR code's key, confirms
// with the app's code, sees the recovery codes, and then uses the console. Signing in again
// asks for the code; a recovery code gets in. Screenshots at phone and desktop widths go to
// $SCREENSHOTS_DIR when it is set.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import assert from "node:assert/strict";
import { startService, launch, totp, consolePage } from "./harness.mjs";

const shots = process.env.SCREENSHOTS_DIR;
const service = await startService({ strict: true });
let browser;
try {
  browser = await launch();
  const { page, errors } = await consolePage(browser, service.base, "staff@carepass.example.jp", "demo-staff-password");
  await page.click("#sign-in");
  await page.waitForSelector("#setup:not([hidden])");
  assert.ok(await page.locator("#tabs").isHidden(), "no staff functions before the setup");
  await page.click("#setup-start");
  await page.waitForSelector("#setup-scan:not([hidden])");
  // The QR code is an image that loaded.
  const width = await page.locator("#setup-qr").evaluate((img) => img.naturalWidth);
  assert.ok(width > 0, "the QR code image loaded");
  if (shots) {
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: join(shots, "console-desktop-second-factor.png"), fullPage: true });
    await page.setViewportSize({ width: 360, height: 780 });
    await page.screenshot({ path: join(shots, "console-phone-second-factor.png"), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 860 });
  }
  // A wrong code is refused in words; the right one sets it up.
  await page.fill("#setup-code", "000000");
  await page.click("#setup-confirm");
  await page.waitForSelector("#message:has-text('ワンタイムコード')");
  const secret = (await page.locator("#setup-secret").textContent()).trim();
  await page.fill("#setup-code", totp(secret));
  await page.click("#setup-confirm");
  await page.waitForSelector("#setup-done:not([hidden])");
  const codes = await page.locator("#recovery-codes li").allTextContents();
  assert.equal(codes.length, 10);
  if (shots) {
    await page.screenshot({ path: join(shots, "console-desktop-recovery-codes.png"), fullPage: true });
    await page.setViewportSize({ width: 360, height: 780 });
    await page.screenshot({ path: join(shots, "console-phone-recovery-codes.png"), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 860 });
  }
  await page.click("#setup-finish");
  await page.waitForSelector("#tabs:not([hidden])");
  await page.waitForSelector("#enrollment-rows tr");

  // Signing in again: the password alone is not enough; a recovery code gets in.
  await page.click("#logout");
  await page.fill("#email", "staff@carepass.example.jp");
  await page.fill("#password", "demo-staff-password");
  await page.click("#sign-in");
  await page.waitForSelector("#otp-field:not([hidden])");
  await page.waitForSelector("#message:has-text('ワンタイムコード')");
  if (shots) await page.screenshot({ path: join(shots, "console-desktop-login-code.png"), fullPage: true });
  await page.fill("#password", "demo-staff-password");
  await page.fill("#otp", codes[0]);
  await page.click("#sign-in");
  await page.waitForSelector("#tabs:not([hidden])");
  assert.deepEqual(errors, []);
  console.log("second factor: set up in the console, recovery code used to sign in");
} finally {
  if (browser) await browser.close();
  service.stop();
}
