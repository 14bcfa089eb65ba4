// The pages a developer or a support call opens: the API reference at /docs (Redoc, served
// from the service's own copy) renders the operations and a problem's schema under the strict
// CSP, loads nothing from another origin and fits a phone; a problem's `type` opens a page
// saying what to do. Screenshots go to $SCREENSHOTS_DIR when it is set.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import assert from "node:assert/strict";
import { startService, launch } from "./harness.mjs";

const shots = process.env.SCREENSHOTS_DIR;
const service = await startService();
let browser;
try {
  browser = await launch();
  for (const [name, width, height] of [["phone", 390, 844], ["desktop", 1280, 900]]) {
    const context = await browser.newContext({ viewport: { width, height }, locale: "ja-JP" });
    const page = await context.newPage();
    const errors = [];
    const foreign = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("request", (r) => {
      if (!r.url().startsWith(service.base) && !r.url().startsWith("blob:") && !r.url().startsWith("data:")) {
        foreign.push(r.url());
      }
    });
    await page.goto(`${service.base}/docs`);
    await page.locator("h2", { hasText: "Redeem a scanned code" }).first().waitFor({ timeout: 20000 });
    // The problem schema names its codes for a generated client.
    assert.ok((await page.content()).includes("voucher_already_redeemed"), "the codes are listed");
    assert.deepEqual(errors, [], "no script errors");
    // Redoc's own footer logo points at its CDN; the CSP keeps it from loading.
    assert.deepEqual(foreign.filter((u) => !u.includes("cdn.redoc.ly")), [], "nothing from another origin");
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no sideways scrolling at ${width}px (${overflow}px)`);
    if (shots) {
      mkdirSync(shots, { recursive: true });
      await page.screenshot({ path: join(shots, `docs-${name}.png`) });
    }
    // A problem's type is a page a person can open, in their language.
    const r = await fetch(`${service.base}/api/v1/children`, { headers: { "accept-language": "ja" } });
    const problem = await r.json();
    await page.goto(new URL(problem.type, service.base).href);
    assert.match(await page.locator("h1").innerText(), /認証が必要です/);
    assert.ok(await page.getByText("どうすればよいか").isVisible());
    const pageOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(pageOverflow <= 0, `the problem page fits ${width}px`);
    if (shots) await page.screenshot({ path: join(shots, `problem-page-${name}.png`) });
    await context.close();
  }
  console.log("docs: rendered, no foreign assets, fits a phone; problem pages open");
} finally {
  await browser?.close();
  service.stop();
}
