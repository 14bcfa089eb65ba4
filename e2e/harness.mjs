// Shared by the browser tests: the real binary on a fresh SQLite file with the demo data, an
// API helper, and Debian's headless Chromium.

import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

export async function startService() {
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
  const child = spawn(bin, ["serve", "--demo", "--bind", `127.0.0.1:${port}`], {
    cwd: work,
    env: { ...process.env, DATABASE_URL: `sqlite://${join(work, "e2e.sqlite")}`, RUST_LOG: "warn" },
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
