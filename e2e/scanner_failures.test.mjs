// The scanner when things go wrong, in a real browser (no camera: codes are typed, as a driver
// does when the camera will not focus):
//   - a mistyped device code is refused in plain words and stays in the field to be corrected;
//   - the network drops after the service recorded a redemption but before its answer arrived:
//     the page keeps the scan and its Idempotency-Key and offers 「もう一度送信」, which gets the
//     stored receipt; the family is charged once;
//   - the answer is lost and the ride is cancelled meanwhile: the retry shows it as cancelled,
//     never as a success.
// Screenshots go to $SCREENSHOTS_DIR when it is set.
//
// Usage: CARGO_BIN=target/debug/carepass node e2e/scanner_failures.test.mjs

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import assert from "node:assert/strict";
import { startService, launch } from "./harness.mjs";

const shots = process.env.SCREENSHOTS_DIR;
if (shots) mkdirSync(shots, { recursive: true });
const service = await startService();
const { base, call } = service;
const DEVICE = "cpd_demo_taxi_company";

let browser;
try {
  const guardian = await service.login("hanako@carepass.example.jp", "demo-guardian-password");
  const child = (await call("GET", "/api/v1/children", guardian)).items[0].id;
  const remaining = async () =>
    (await call("GET", `/api/v1/children/${child}/allowances`, guardian)).find((a) => a.program === "taxi_fuel").remaining;
  const code = async () => (await call("POST", `/api/v1/children/${child}/vouchers`, guardian, { program: "taxi_fuel" })).payload;
  const rides = async () => (await call("GET", "/api/v1/device/redemptions?limit=100", DEVICE)).items;

  browser = await launch();
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    locale: "ja-JP",
    timezoneId: "Asia/Tokyo",
  });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${base}/scanner`);

  // A mistyped device code: refused in a driver's words, and the typed value is kept.
  await page.fill("#credential", "cpd_demo_taxi_compny");
  await page.click("#save");
  await page.waitForSelector("#login-error:has-text('端末コードが正しくありません')");
  assert.equal(await page.inputValue("#credential"), "cpd_demo_taxi_compny");
  assert.doesNotMatch(await page.textContent("#login-error"), /トークン/);
  if (shots) await page.screenshot({ path: join(shots, "scanner-phone-wrong-device-code.png"), fullPage: true });

  // Corrected, the device signs in and shows its own label; the title stays on one line.
  await page.fill("#credential", DEVICE);
  await page.click("#save");
  await page.waitForSelector("#who:has-text('しながわ交通（デモ）・デモ端末')");
  const title = await page.$eval("header h1", (h) => h.getBoundingClientRect().height);
  const line = await page.$eval("header h1", (h) => parseFloat(getComputedStyle(h).lineHeight) || 30);
  assert.ok(title <= line * 1.2, `the title wraps at 390 px (${title}px for a ${line}px line)`);

  const typeAndVerify = async (payload) => {
    await page.fill("#typed", payload);
    await page.click("#use-typed");
    await page.waitForSelector("#verdict.ok");
  };

  // 1. The answer to a redemption is lost on the way back.
  const before = await remaining();
  await typeAndVerify(await code());
  await page.route(
    "**/api/v1/device/vouchers/redeem",
    async (route) => {
      const answer = await route.fetch(); // the service records the redemption …
      assert.equal(answer.status(), 201);
      await route.abort("internetdisconnected"); // … and the phone never hears of it
    },
    { times: 1 }
  );
  await page.fill("#amount", "1500");
  await page.click("#redeem");
  await page.waitForSelector("#receipt:has-text('通信できませんでした')");
  assert.equal(await page.textContent("#verdict"), "送信結果が不明です", "never shown as valid-and-done while unknown");
  assert.equal(await page.textContent("#redeem"), "もう一度送信");
  assert.equal(await page.isEnabled("#redeem"), true, "the retry button is usable");
  assert.equal(await remaining(), before - 1500, "the service did record it");
  if (shots) await page.screenshot({ path: join(shots, "scanner-phone-network-lost.png"), fullPage: true });

  // The driver taps 「もう一度送信」: the stored receipt comes back, nothing is charged again.
  await page.click("#redeem");
  await page.waitForSelector("#verdict:has-text('利用しました')");
  assert.match(await page.textContent("#receipt"), /助成額 1,500円／お客様のお支払い 0円/);
  assert.equal(await remaining(), before - 1500, "charged exactly once");
  assert.equal((await rides()).filter((r) => r.covered_yen === 1500).length, 1);
  // The card shows the balance after the ride.
  const facts = await page.textContent("#facts");
  assert.match(facts, /利用後の残高/);
  assert.doesNotMatch(facts, /助成の上限/, "the ceiling before the ride is not shown after it");
  assert.ok(facts.includes((before - 1500).toLocaleString("ja-JP") + "円"), facts);
  // Today's list names the passenger by initials, with the time and the amount.
  const first = await page.textContent("#today-list li");
  assert.match(first, /^\d{2}:\d{2}　\S\.\S\.　助成 1,500円/);
  if (shots) await page.screenshot({ path: join(shots, "scanner-phone-after-retry.png"), fullPage: true });

  // 2. The answer is lost, and the ride is cancelled before the retry (by another phone of
  // the same company, say): the retry's stored receipt is shown as cancelled.
  await page.click("#next");
  await typeAndVerify(await code());
  await page.route(
    "**/api/v1/device/vouchers/redeem",
    async (route) => {
      await route.fetch();
      await route.abort("internetdisconnected");
    },
    { times: 1 }
  );
  await page.fill("#amount", "2400");
  await page.click("#redeem");
  await page.waitForSelector("#redeem:has-text('もう一度送信')");
  const ride = (await rides()).find((r) => r.covered_yen === 2400 && r.state === "standing");
  assert.ok(ride, "the service recorded the second ride");
  await call("POST", `/api/v1/device/redemptions/${ride.id}/cancel`, DEVICE);
  await page.click("#redeem");
  await page.waitForSelector("#verdict.bad:has-text('取り消された利用です')");
  assert.match(await page.textContent("#receipt"), /成立していません/);
  assert.equal(await remaining(), before - 1500, "the cancelled ride is not charged");
  await page.waitForSelector("#today-list li:has-text('取消済み')");
  if (shots) await page.screenshot({ path: join(shots, "scanner-phone-replay-cancelled.png"), fullPage: true });

  assert.deepEqual(errors, [], "the page threw");
  console.log("e2e scanner failures: wrong device code kept, lost answer retried once, cancelled replay shown as cancelled");
} finally {
  if (browser) await browser.close();
  service.stop();
}
