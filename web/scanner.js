// The partner scanner: a phone or tablet browser scans a family's voucher QR code, checks it,
// takes the amount and redeems it, through the same API the partner apps use. The device
// credential is kept in this browser's localStorage; a revoked device is signed out at once.
(function () {
  "use strict";
  const KEY = "carepass.device";
  const $ = (id) => document.getElementById(id);
  const yen = (n) => n.toLocaleString("ja-JP") + "円";
  // A driver reads these, not an engineer: the words say what to do next.
  const REVOKED = "この端末の登録は取り消されています。区の担当窓口にお問い合わせください。";
  const UNKNOWN_DEVICE = "端末コードが正しくありません。区から受け取った端末コードをもう一度確かめてください。";
  const OFFLINE = "通信できませんでした。電波の良い所で、もう一度お試しください。";
  let credential = localStorage.getItem(KEY);
  let device = null;
  let current = null; // { payload, verified, key, body }: one scan, kept until it is settled
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
      forget(data.code === "device_revoked" ? REVOKED : UNKNOWN_DEVICE);
      throw new Error("unauthorized");
    }
    return { ok: r.ok, status: r.status, data, headers: r.headers };
  }

  function show(section) {
    for (const id of ["login", "scan", "result"]) $(id).hidden = id !== section;
    $("today").hidden = section === "login";
  }

  // Signs the device out; the code typed on the form stays, so a mistyped letter can be fixed.
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
    const r = await api("GET", "/api/v1/device").catch((e) => {
      if (e.message !== "unauthorized") {
        // Offline at start: the code stays in the field, one tap sends it again.
        $("credential").value = credential;
        $("login-error").textContent = OFFLINE;
        show("login");
      }
      return null;
    });
    if (!r || !r.ok) return;
    device = r.data;
    $("credential").value = "";
    $("login-error").textContent = "";
    $("who").textContent = device.partner_name + "・" + device.label;
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
    lockCharge(false);
    $("redeem").textContent = "利用する";
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
    $("charge").hidden = true;
    let r;
    try {
      r = await api("POST", "/api/v1/device/vouchers/verify", { payload });
    } catch (e) {
      if (e.message === "unauthorized") return;
      $("verdict").textContent = "確認できませんでした";
      $("verdict").className = "verdict bad";
      fact("理由", OFFLINE);
      return;
    }
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
    current.balance = fact(balanceName(v.program, v.unit), left(v.unit, v.remaining));
    if (v.max_covered_yen != null) current.ceiling = fact("助成の上限", yen(v.max_covered_yen));
    $("charge").hidden = false;
    (tickets ? $("fee-reservation") : $("amount")).focus();
  }

  function balanceName(program, unit) {
    const when = periods[program] === "fiscal_year" ? "今年度" : "今月";
    return when + (unit === "yen" ? "の残高" : "の残り");
  }

  const left = (unit, n) => (unit === "yen" ? yen(n) : n + "枚");

  // Adds a line to the card and returns its [name, value] elements.
  function fact(name, value) {
    const dt = document.createElement("dt");
    dt.textContent = name;
    const dd = document.createElement("dd");
    dd.textContent = value;
    $("facts").append(dt, dd);
    return [dt, dd];
  }

  // The charge form is locked while a redemption is on its way or waiting to be sent again:
  // a retry must send exactly what the first attempt sent, under the same key.
  function lockCharge(locked) {
    for (const el of $("charge").querySelectorAll("input")) el.readOnly = locked;
  }

  async function redeem(event) {
    event.preventDefault();
    if (!current) return;
    // The first attempt fixes the body and the key; 「もう一度送信」 sends both again, so a
    // redemption whose answer was lost is answered from the service's record, never charged twice.
    if (!current.body) {
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
      current.body = body;
      current.key = crypto.randomUUID();
    }
    const scan = current;
    lockCharge(true);
    $("redeem").disabled = true;
    $("receipt").textContent = "送信しています…";
    let r;
    try {
      r = await api("POST", "/api/v1/device/vouchers/redeem", scan.body, { "idempotency-key": scan.key });
    } catch (e) {
      if (e.message === "unauthorized") return;
      $("redeem").disabled = false;
      $("redeem").textContent = "もう一度送信";
      $("verdict").textContent = "送信結果が不明です";
      $("verdict").className = "verdict unsure";
      $("receipt").textContent =
        "通信できませんでした。利用が記録されたかどうか、まだ分かりません。「もう一度送信」を押してください（二重に請求されることはありません）。";
      return;
    }
    $("redeem").disabled = false;
    $("redeem").textContent = "利用する";
    $("verdict").textContent = "有効です";
    $("verdict").className = "verdict ok";
    if (!r.ok) {
      // The service refused it and recorded nothing: the driver may correct the amount and
      // try again, as a new request.
      scan.body = null;
      lockCharge(false);
      $("receipt").textContent = r.data.detail || r.data.title || "利用できませんでした";
      return;
    }
    $("charge").hidden = true;
    lockCharge(false);
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
    // The card now shows what is left after this ride, not what was left before it.
    const [name, value] = scan.balance;
    name.textContent = "利用後の残高";
    value.textContent = left(r.data.unit, r.data.remaining);
    if (scan.ceiling) scan.ceiling.forEach((el) => el.remove()); // a ceiling before the ride
    $("receipt").textContent = "助成額 " + yen(r.data.covered_yen) + "／お客様のお支払い " + yen(r.data.family_pays_yen);
    current = null;
    await refreshToday();
  }

  const STATE_WORDS = { cancelled: "（取消済み）", reversed: "（区が取消）" };

  // Today's rides: the time, the passenger's initials and the amount, so the right one is
  // cancelled.
  async function refreshToday() {
    const r = await api("GET", "/api/v1/device/redemptions?limit=100").catch(() => null);
    if (!r || !r.ok) return;
    const list = $("today-list");
    list.innerHTML = "";
    for (const item of r.data.items || []) {
      const li = document.createElement("li");
      const time = new Date(item.redeemed_at).toLocaleTimeString("ja-JP", { hour: "2-digit", minute: "2-digit" });
      const line = time + "　" + item.child_initials + "　助成 " + yen(item.covered_yen);
      li.textContent = line + (STATE_WORDS[item.state] || "");
      if (item.state === "standing") {
        const b = document.createElement("button");
        b.className = "danger";
        b.textContent = "取消";
        b.setAttribute("aria-label", line + " の利用を取り消す");
        b.onclick = async () => {
          if (!confirm(line + " の利用を取り消しますか？")) return;
          const c = await api("POST", "/api/v1/device/redemptions/" + item.id + "/cancel").catch(() => null);
          if (!c) alert(OFFLINE);
          else if (!c.ok) alert(c.data.detail || c.data.title || "取り消せませんでした");
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
    $("login-error").textContent = "確認しています…";
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
  $("next").onclick = () => {
    if (current && current.body && !confirm("送信結果が分かっていない利用があります。このまま次の読み取りへ進みますか？")) return;
    startScanning();
  };
  $("forget").onclick = () => forget();
  signIn();
})();
