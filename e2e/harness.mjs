// Shared by the browser tests: the real binary on a fresh SQLite file with the demo data, an
// API helper, and Debian's headless Chromium.

import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import { createHmac } from "node:crypto";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

// `strict`: the demo data is seeded by `carepass seed-demo` and the service started without
// `--demo`, so production defaults hold (staff must set up two-step sign-in).
export async function startService({ strict = false } = {}) {
  const bin = process.env.CARGO_BIN;
  assert.ok(bin, "set CARGO_BIN to the carepass binary");
  const port = await new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
  const base = `http://127.0.0.1:${port}`;
  const work = mkdtempSync(join(tmpdir(), "carepass-e2e-"));
  const env = { ...process.env, DATABASE_URL: `sqlite://${join(work, "e2e.sqlite")}`, RUST_LOG: "warn" };
  if (strict) {
    const seeded = spawnSync(bin, ["seed-demo"], { cwd: work, env, stdio: ["ignore", "ignore", "inherit"] });
    assert.equal(seeded.status, 0, "seed-demo failed");
  }
  const args = strict ? ["serve"] : ["serve", "--demo"];
  const child = spawn(bin, [...args, "--bind", `127.0.0.1:${port}`], {
    cwd: work,
    env,
    stdio: ["ignore", "ignore", "inherit"],
  });
  for (let i = 0; ; i++) {
    const ok = await fetch(`${base}/readyz`).then((r) => r.ok).catch(() => false);
    if (ok) break;
    assert.ok(i < 300, "the service did not start");
    await new Promise((r) => setTimeout(r, 100));
  }
  const call = async (method, path, token, body) => {
    const r = await fetch(base + path, {
      method,
      headers: { authorization: token ? `Bearer ${token}` : "", "content-type": "application/json" },
      body: body ? JSON.stringify(body) : undefined,
    });
    const data = await r.json();
    assert.ok(r.ok, `${method} ${path}: ${r.status} ${JSON.stringify(data)}`);
    return data;
  };
  const login = async (email, password) => (await call("POST", "/api/v1/auth/login", null, { email, password })).access_token;
  return { base, work, call, login, stop: () => child.kill("SIGTERM") };
}

export async function launch(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      ...extraArgs,
    ],
  });
}

// The code an authenticator app shows for a base32 secret now (RFC 6238: SHA-1, 6 digits, 30 s).
export function totp(secretBase32, at = Date.now()) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of secretBase32.replace(/=+$/, "")) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const mac = createHmac("sha1", key).update(counter).digest();
  const o = mac[mac.length - 1] & 15;
  const n = (mac.readUInt32BE(o) & 0x7fffffff) % 1_000_000;
  return String(n).padStart(6, "0");
}

// A console page at desktop width in Japanese and Tokyo time, collecting the page's errors, with
// the staff member's email and password typed in (the caller waits for what follows).
export async function consolePage(browser, base, email, password) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: "ja-JP", timezoneId: "Asia/Tokyo" });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${base}/console`);
  await page.fill("#email", email);
  await page.fill("#password", password);
  return { page, errors };
}
