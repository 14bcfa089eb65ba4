// End to end, in a real browser: the real binary serves the demo data; a guardian's voucher
// QR (the service's own PNG) is fed to headless Chromium as its camera; the taxi company's
// phone page scans it, redeems a fare, and the family's balance goes down by it. Screenshots
// of the scanner at phone and desktop widths go to $SCREENSHOTS_DIR when it is set.
//
// Usage: CARGO_BIN=target/debug/carepass node e2e/scanner.test.mjs

import { execFileSync } from "node:child_process";
import { writeFileSync, mkdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { startService, launch } from "./harness.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const shots = process.env.SCREENSHOTS_DIR;
const service = await startService();
const { base, work, call } = service;

let browser;
try {
  const login = await call("POST", "/api/v1/auth/login", null, {
    email: "hanako@carepass.example.jp",
    password: "demo-guardian-password",
  });
  const guardian = login.access_token;
  const child = (await call("GET", "/api/v1/children", guardian)).items[0].id;
  const remaining = async () =>
    (await call("GET", `/api/v1/children/${child}/allowances`, guardian)).find((a) => a.program === "taxi_fuel").remaining;
  const before = await remaining();
  const voucher = await call("POST", `/api/v1/children/${child}/vouchers`, guardian, { program: "taxi_fuel" });

  // The camera: a video of the service's own QR image.
  const png = join(work, "code.png");
  const video = join(work, "camera.y4m");
  writeFileSync(png, Buffer.from(voucher.qr_png_base64, "base64"));
  execFileSync("python3", [join(here, "png_to_y4m.py"), png, video]);

  browser = await launch([
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    `--use-file-for-fake-video-capture=${video}`,
  ]);
  const context = await browser.newContext({
    viewport: { width: 360, height: 780 },
    deviceScaleFactor: 2,
    locale: "ja-JP",
    timezoneId: "Asia/Tokyo",
    permissions: ["camera"],
  });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${base}/scanner`);

  // First visit: the phone is registered with its device credential.
  await page.fill("#credential", "cpd_demo_taxi_company");
  await page.click("#save");
  await page.waitForSelector("#who:has-text('しながわ交通')");

  // The camera sees the code; the verdict is shown in large type.
  await page.waitForSelector("#verdict.ok", { timeout: 30000 });
  assert.equal(await page.textContent("#verdict"), "有効です");
  const facts = await page.textContent("#facts");
  assert.match(facts, /今月の残高/);
  if (shots) {
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: join(shots, "scanner-phone-verified.png"), fullPage: true });
  }

  // The driver types the fare and redeems; the receipt says who pays what.
  await page.fill("#amount", "3200");
  await page.click("#redeem");
  await page.waitForSelector("#receipt:has-text('助成額')");
  assert.match(await page.textContent("#receipt"), /助成額 3,200円／お客様のお支払い 0円/);
  await page.waitForSelector("#today-list li");
  assert.match(await page.textContent("#today-list"), /助成 3,200円/);
  if (shots) await page.screenshot({ path: join(shots, "scanner-phone-redeemed.png"), fullPage: true });

  // The family's balance went down by exactly the fare.
  assert.equal(await remaining(), before - 3200);

  // The same page on a desktop-width tablet, already registered.
  if (shots) {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.screenshot({ path: join(shots, "scanner-desktop.png"), fullPage: true });
  }
  assert.deepEqual(errors, [], "the page threw");
  console.log(`e2e scanner: scanned, verified and redeemed 3,200 JPY; balance ${before} -> ${before - 3200}`);
} finally {
  if (browser) await browser.close();
  service.stop();
}
