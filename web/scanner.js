// The partner scanner: a phone or tablet browser scans a family's voucher QR code, checks it,
// takes the amount and redeems it, through the same API the partner apps use. The device
// credential is kept in this browser's localStorage; a revoked device is signed out at once.
(function () {
  "use strict";
  const KEY = "carepass.device";
  const $ = (id) => document.getElementById(id);
  const yen = (n) => n.toLocaleString("ja-JP") + "円";
  let credential = localStorage.getItem(KEY);
  let device = null;
  let current = null; // { payload, verified }
  let scanning = false;
  let stream = null;
  let names = {}; // program id → its name, as the ward configures it (GET /api/v1/ward)
  let periods = {}; // program id → "month" or "fiscal_year"

  async function api(method, path, body, headers) {
    const r = await fetch(path, {
      method,
      headers: Object.assign(
        { authorization: "Bearer " + credential, "accept-language": "ja" },
        body ? { "content-type": "application/json" } : {},
        headers || {}
      ),
      body: body ? JSON.stringify(body) : undefined,
    });
    const data = await r.json().catch(() => ({}));
    if (r.status === 401) {
      forget(data.title || "端末の登録が無効になりました");
      throw new Error("unauthorized");
    }
    return { ok: r.ok, status: r.status, data, headers: r.headers };
  }

  function show(section) {
    for (const id of ["login", "scan", "result"]) $(id).hidden = id !== section;
    $("today").hidden = section === "login";
  }

  function forget(message) {
    localStorage.removeItem(KEY);
    credential = null;
    device = null;
    stopCamera();
    $("who").textContent = "";
    $("login-error").textContent = message || "";
    show("login");
  }

  async function signIn() {
    if (!credential) return forget();
    const r = await api("GET", "/api/v1/device").catch(() => null);
    if (!r || !r.ok) return;
    device = r.data;
    $("who").textContent = device.partner_name;
    const ward = await fetch("/api/v1/ward").then((w) => (w.ok ? w.json() : null)).catch(() => null);
    names = {};
    periods = {};
    for (const p of (ward && ward.programs) || []) {
      names[p.program] = p.name_ja;
      periods[p.program] = p.period;
    }
    await refreshToday();
    startScanning();
  }

  async function startScanning() {
    current = null;
    $("typed").value = "";
    show("scan");
    scanning = true;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      $("camera-status").textContent = "このブラウザではカメラを使えません。コードの入力か写真をご利用ください。";
      return;
    }
    try {
      if (!stream) {
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
        $("camera").srcObject = stream;
        await $("camera").play();
      }
      $("camera-status").textContent = "読み取り中…";
      requestAnimationFrame(tick);
    } catch (e) {
      $("camera-status").textContent = "カメラを起動できませんでした。コードの入力か写真をご利用ください。";
    }
  }

  function stopCamera() {
    scanning = false;
    if (stream) stream.getTracks().forEach((t) => t.stop());
    stream = null;
  }

  const canvas = document.createElement("canvas");
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  let last = 0;

  function decode(source, width, height) {
    canvas.width = width;
    canvas.height = height;
    ctx.drawImage(source, 0, 0, width, height);
    const image = ctx.getImageData(0, 0, width, height);
    const found = jsQR(image.data, width, height, { inversionAttempts: "attemptBoth" });
    return found && /^CP\d\./.test(found.data) ? found.data : null;
  }

  function tick(time) {
    if (!scanning) return;
    const video = $("camera");
    if (time - last > 150 && video.readyState >= 2 && video.videoWidth) {
      last = time;
      const code = decode(video, video.videoWidth, video.videoHeight);
      if (code) {
        scanning = false;
        return check(code);
      }
    }
    requestAnimationFrame(tick);
  }

  async function check(payload) {
    scanning = false;
    show("result");
    $("receipt").textContent = "";
    $("facts").innerHTML = "";
    $("verdict").textContent = "確認しています…";
    $("verdict").className = "verdict";
    const r = await api("POST", "/api/v1/device/vouchers/verify", { payload });
    if (!r.ok) {
      $("verdict").textContent = "利用できません";
      $("verdict").className = "verdict bad";
      fact("理由", r.data.title || "不明なエラー");
      $("charge").hidden = true;
      return;
    }
    current = { payload, verified: r.data };
    $("verdict").textContent = "有効です";
    $("verdict").className = "verdict ok";
    const v = r.data;
    fact("事業", names[v.program] || v.program);
    // A ticket takes the fee components; a yen allowance the amount.
    const tickets = v.unit === "ticket";
    $("amount-fields").hidden = tickets;
    $("fee-fields").hidden = !tickets;
    fact("対象者", v.child_initials);
    const when = periods[v.program] === "fiscal_year" ? "今年度" : "今月";
    if (v.unit === "yen") fact(when + "の残高", yen(v.remaining));
    else fact(when + "の残り", v.remaining + "枚");
    if (v.max_covered_yen != null) fact("助成の上限", yen(v.max_covered_yen));
    $("charge").hidden = false;
    (tickets ? $("fee-reservation") : $("amount")).focus();
  }

  function fact(name, value) {
    const dt = document.createElement("dt");
    dt.textContent = name;
    const dd = document.createElement("dd");
    dd.textContent = value;
    $("facts").append(dt, dd);
  }

  async function redeem(event) {
    event.preventDefault();
    if (!current) return;
    const body = { payload: current.payload };
    if (current.verified.unit === "ticket") {
      body.fees = {
        reservation_fee_yen: Number($("fee-reservation").value || 0),
        pickup_fee_yen: Number($("fee-pickup").value || 0),
        basic_assistance_fee_yen: Number($("fee-assistance").value || 0),
      };
    } else {
      body.amount_yen = Number($("amount").value);
      if (!(body.amount_yen > 0)) {
        $("receipt").textContent = "料金を入力してください";
        return;
      }
    }
    $("redeem").disabled = true;
    // One key per attempt: a retry after a lost answer gets the same result, never a second charge.
    current.key = current.key || crypto.randomUUID();
    const r = await api("POST", "/api/v1/device/vouchers/redeem", body, { "idempotency-key": current.key });
    $("redeem").disabled = false;
    if (!r.ok) {
      $("receipt").textContent = r.data.title || "利用できませんでした";
      return;
    }
    $("charge").hidden = true;
    // A retry of a redemption that was undone since gets its first receipt back; the state
    // header says it no longer stands, so it is never shown as a success.
    const state = r.headers.get("redemption-state") || "standing";
    if (state !== "standing") {
      $("verdict").textContent = state === "cancelled" ? "取り消された利用です" : "区が取り消した利用です";
      $("verdict").className = "verdict bad";
      $("receipt").textContent = "この利用は成立していません。必要ならもう一度読み取ってください";
      current = null;
      await refreshToday();
      return;
    }
    $("verdict").textContent = "利用しました";
    $("receipt").textContent = "助成額 " + yen(r.data.covered_yen) + "／お客様のお支払い " + yen(r.data.family_pays_yen);
    current = null;
    await refreshToday();
  }

  async function refreshToday() {
    const r = await api("GET", "/api/v1/device/redemptions?limit=100");
    const list = $("today-list");
    list.innerHTML = "";
    for (const item of r.data.items || []) {
      const li = document.createElement("li");
      const time = new Date(item.redeemed_at).toLocaleTimeString("ja-JP", { hour: "2-digit", minute: "2-digit" });
      li.textContent = time + "　助成 " + yen(item.covered_yen) + (item.reversed_at ? "（取消済み）" : "");
      if (!item.reversed_at) {
        const b = document.createElement("button");
        b.className = "danger";
        b.textContent = "取消";
        b.onclick = async () => {
          if (!confirm("この利用を取り消しますか？")) return;
          const c = await api("POST", "/api/v1/device/redemptions/" + item.id + "/cancel");
          if (!c.ok) alert(c.data.title || "取り消せませんでした");
          await refreshToday();
        };
        li.append(b);
      }
      list.append(li);
    }
  }

  $("save").onclick = () => {
    const v = $("credential").value.trim();
    if (!v.startsWith("cpd_")) {
      $("login-error").textContent = "端末コードは cpd_ で始まります";
      return;
    }
    localStorage.setItem(KEY, v);
    credential = v;
    $("credential").value = "";
    $("login-error").textContent = "";
    signIn();
  };
  $("use-typed").onclick = () => {
    const v = $("typed").value.trim();
    if (v) check(v);
  };
  $("photo").onchange = async () => {
    const file = $("photo").files[0];
    if (!file) return;
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, 1600 / Math.max(bitmap.width, bitmap.height));
    const code = decode(bitmap, Math.round(bitmap.width * scale), Math.round(bitmap.height * scale));
    if (code) check(code);
    else $("camera-status").textContent = "写真からQRコードを読み取れませんでした";
  };
  $("charge").onsubmit = redeem;
  $("next").onclick = startScanning;
  $("forget").onclick = () => forget();
  signIn();
})();
