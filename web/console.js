// The staff console: the same API the apps use, with the staff member's bearer token kept in
// this tab's sessionStorage (no cookies, so there is no cross-site request to forge).
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const yen = (n) => n.toLocaleString("ja-JP") + "円";
  const KEY = "carepass.staff";
  const clock = (t) => new Date(t).toLocaleTimeString("ja-JP", { timeZone: "Asia/Tokyo", hour: "2-digit", minute: "2-digit" });
  let session = JSON.parse(sessionStorage.getItem(KEY) || "null");
  const TABS = ["children", "enrollments", "respite", "stays", "play", "partners", "corrections", "reports", "audit", "setup"];
  // Program id → its name, as the ward configures it (GET /api/v1/ward, loaded at start).
  let PROGRAMS = {};
  // Program id → the certificate staff record at approval (受給者証), for the programs that need one.
  let CERTIFICATES = {};
  const UNITS = { yen: "円", ticket: "枚", minute: "分" };
  // Words for the codes the API sends; the code itself stays in a tooltip.
  const PARTNER_KINDS = {
    taxi_company: "タクシー事業者",
    gas_station: "ガソリンスタンド",
    care_taxi_operator: "介護タクシー事業者",
    nurse_station: "訪問看護ステーション",
    home_care_provider: "居宅介護支援事業所",
    medical_institution: "医療機関",
    play_space_operator: "ひろば運営者",
    pharmacy: "薬局",
  };
  const STAY_REASONS = {
    caregiver_illness: "介護者の病気",
    caregiver_hospitalisation: "介護者の入院",
    family_emergency: "冠婚葬祭・家族の事情",
    caregiver_rest: "介護者の休息",
    other: "その他",
  };
  const ENROLLMENT_STATUS = { pending: "審査中", approved: "承認済み", rejected: "却下", withdrawn: "取下げ" };
  const VISIT_STATUS = { requested: "依頼中", accepted: "受諾済み", declined: "お断り", cancelled: "取消", completed: "記録済み", disputed: "異議あり" };
  const STAY_STATUS = { submitted: "審査中", approved: "承認済み", rejected: "却下", withdrawn: "取下げ", admitted: "入所中", discharged: "退所済み", cancelled: "取消" };
  const BOOKING_STATUS = { confirmed: "確定", waiting: "キャンセル待ち", cancelled: "取消" };
  const LEDGER_KINDS = {
    grant: "交付", carry_in: "繰越", hold: "予約による確保", capture: "利用", release: "確保の解除",
    reversal: "利用の取消", lapse: "期限切れ", adjustment: "訂正",
  };
  const CARE_NEEDS = {
    ventilator: "人工呼吸器", tube_feeding: "経管栄養", suction: "吸引", oxygen: "酸素療法",
    tracheostomy: "気管切開", catheterisation: "導尿", wheelchair: "車いす", stretcher: "ストレッチャー",
  };
  // The audit log's actions a clerk looks for, in words (the log itself tells each entry as a sentence).
  const ACTIONS = {
    "enrollment.applied": "利用の申請", "enrollment.approved": "利用申請の承認", "enrollment.rejected": "利用申請の却下",
    "voucher.redeemed": "券・QRコードの利用", "redemption.reversed": "利用の取消（区）", "allowance.adjusted": "残高の訂正",
    "allowance.adjustment_proposed": "残高の訂正の申請", "allowance.adjustment_approved": "残高の訂正の承認",
    "respite.requested": "レスパイト訪問の依頼", "respite.completed": "レスパイト訪問の記録", "respite.dispute_decided": "異議への判断",
    "short_stay.approved": "ショートステイの承認", "short_stay.cancelled": "ショートステイの取消",
    "play_session.changed": "ひろばの開催回の変更", "play_session.cancelled": "ひろばの中止",
    "person.disclosed": "事業者への氏名・住所の表示", "household.contact_recorded": "連絡先の記録",
    "settlement.closed": "月の締め", "device.registered": "端末の追加", "device.revoked": "端末の停止",
  };
  // Only an administrator registers partners and devices; staff do not see those controls.
  let ADMIN = false;
  // The child whose page is open.
  let CHILD = null;

  const TOKYO = { timeZone: "Asia/Tokyo" };
  const day = (iso) => (iso ? new Date(iso.length === 10 ? `${iso}T00:00:00+09:00` : iso).toLocaleDateString("ja-JP", TOKYO) : "—");
  const when = (iso) => new Date(iso).toLocaleString("ja-JP", { ...TOKYO, year: "numeric", month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" });
  // "2026-12-10T10:00" in Tokyo, for a datetime-local field.
  const localInput = (iso) => new Date(iso).toLocaleString("sv-SE", TOKYO).replace(" ", "T").slice(0, 16);
  const needs = (list) => (list || []).map((n) => CARE_NEEDS[n] || n).join("・") || "なし";
  const amount = (n, unit) => (unit === "yen" ? yen(n) : `${n.toLocaleString("ja-JP")}${UNITS[unit] || ""}`);

  // A row of cells in `body`; an empty list gets one row saying so.
  function rows(body, items, fill, empty) {
    body.innerHTML = "";
    for (const item of items) {
      const row = document.createElement("tr");
      fill(row, item);
      body.append(row);
    }
    if (!items.length) {
      const row = document.createElement("tr");
      cell(row, empty).colSpan = body.closest("table").querySelectorAll("th").length;
      body.append(row);
    }
  }

  function facts(dl, pairs) {
    dl.innerHTML = "";
    for (const [k, v] of pairs) {
      const dt = document.createElement("dt");
      dt.textContent = k;
      const dd = document.createElement("dd");
      dd.textContent = v;
      dl.append(dt, dd);
    }
  }

  // A cell with a word for people and the code or id behind it as a tooltip.
  function named(row, text, code) {
    const td = cell(row, text);
    if (code) td.title = code;
    return td;
  }

  async function loadPrograms() {
    const r = await fetch("/api/v1/ward", { headers: { "accept-language": "ja" } });
    if (!r.ok) return;
    const ward = await r.json();
    PROGRAMS = {};
    CERTIFICATES = {};
    const select = $("c-program");
    select.textContent = "";
    for (const p of ward.programs) {
      PROGRAMS[p.program] = p.name_ja;
      if (p.certificate_ja) CERTIFICATES[p.program] = p.certificate_ja;
      if (!p.unit) continue;
      const option = document.createElement("option");
      option.value = p.program;
      option.textContent = `${p.name_ja}（${UNITS[p.unit] || p.unit}）`;
      select.append(option);
    }
  }

  function say(text) {
    $("message").textContent = text || "";
  }

  async function refresh() {
    const r = await fetch("/api/v1/auth/refresh", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ refresh_token: session.refresh_token }),
    });
    if (!r.ok) return false;
    const t = await r.json();
    session = { access_token: t.access_token, refresh_token: t.refresh_token, name: session.name };
    sessionStorage.setItem(KEY, JSON.stringify(session));
    return true;
  }

  async function api(method, path, body, raw) {
    for (let attempt = 0; attempt < 2; attempt++) {
      const r = await fetch(path, {
        method,
        headers: Object.assign(
          { authorization: "Bearer " + session.access_token, "accept-language": "ja" },
          body ? { "content-type": "application/json" } : {}
        ),
        body: body ? JSON.stringify(body) : undefined,
      });
      if (r.status === 401 && attempt === 0 && (await refresh())) continue;
      if (r.status === 401) {
        signOut("ログインし直してください");
        throw new Error("unauthorized");
      }
      if (raw) return r;
      const data = await r.json().catch(() => ({}));
      if (!r.ok) {
        say(data.detail || data.title || "エラーが発生しました");
        throw new Error(data.code || "error");
      }
      say("");
      return data;
    }
  }

  function cell(row, text) {
    const td = document.createElement("td");
    td.textContent = text;
    row.append(td);
    return td;
  }

  function button(label, onclick, kind) {
    const b = document.createElement("button");
    b.textContent = label;
    if (kind) b.className = kind;
    b.onclick = onclick;
    return b;
  }

  function show(tab) {
    for (const t of TABS) $(t).hidden = t !== tab;
    for (const b of document.querySelectorAll("[data-tab]")) {
      if (b.dataset.tab === tab) b.setAttribute("aria-current", "page");
      else b.removeAttribute("aria-current");
    }
    const load = { respite: loadStations, enrollments: loadEnrollments, stays: loadStays, play: loadSessions, partners: loadPartners, corrections: loadCorrections, audit: loadAudit }[tab];
    if (load) load().catch(() => {});
  }

  // A child: found by name or reading, then everything the ward holds for the child.
  async function searchChildren() {
    const q = $("k-query").value.trim();
    if (!q) return say("名前かふりがなを入力してください");
    const list = await api("GET", `/api/v1/staff/children?q=${encodeURIComponent(q)}&limit=50`);
    const ul = $("k-results");
    ul.innerHTML = "";
    for (const c of list.items) {
      const li = document.createElement("li");
      const open = button(`${c.family_name} ${c.given_name}（${c.family_name_kana} ${c.given_name_kana}）`, () => openChild(c.id).catch(() => {}), "link");
      li.append(open, document.createTextNode(`　${day(c.birth_date)}生`));
      ul.append(li);
    }
    if (!list.items.length) {
      const li = document.createElement("li");
      li.textContent = "該当する児童はいません";
      ul.append(li);
    }
  }

  function age(birth) {
    const b = new Date(`${birth}T00:00:00+09:00`);
    const now = new Date();
    let years = now.getFullYear() - b.getFullYear();
    if (now < new Date(now.getFullYear(), b.getMonth(), b.getDate())) years -= 1;
    return years;
  }

  async function openChild(id) {
    const r = await api("GET", `/api/v1/staff/children/${id}`);
    CHILD = r;
    const c = r.child;
    const h = r.household;
    $("cp-name").textContent = `${c.family_name} ${c.given_name}（${c.family_name_kana} ${c.given_name_kana}）`;
    $("cp-name").title = c.id;
    facts($("cp-facts"), [
      ["生年月日", `${day(c.birth_date)}（${age(c.birth_date)}歳）`],
      ["医療的ケア", needs(c.care_needs)],
    ]);
    const contact = h.contact;
    facts($("cp-household"), [
      ["世帯", h.name],
      ["保護者", h.guardians.map((g) => `${g.display_name}（${g.email}）`).join("、") || "未登録"],
      ["住所", contact ? `${contact.town} ${contact.address}` : "未記録"],
      ["電話", contact ? contact.phone : "未記録"],
      ["きょうだい", h.children.filter((s) => s.id !== c.id).map((s) => `${s.family_name} ${s.given_name}`).join("、") || "なし"],
    ]);
    $("h-town").value = contact ? contact.town : "";
    $("h-address").value = contact ? contact.address : "";
    $("h-phone").value = contact ? contact.phone : "";
    rows($("cp-allowances"), r.allowances, (row, a) => {
      named(row, PROGRAMS[a.program] || a.program, a.program);
      cell(row, a.period);
      cell(row, amount(a.granted, a.unit));
      cell(row, a.adjusted ? amount(a.adjusted, a.unit) : "—");
      cell(row, amount(a.used, a.unit));
      cell(row, a.held ? amount(a.held, a.unit) : "—");
      cell(row, amount(a.remaining, a.unit)).style.fontWeight = "700";
      cell(row, "").append(button("履歴", () => loadHistory(a.program).catch(() => {}), "secondary"));
    }, "今日利用できる事業はありません");
    $("cp-history").hidden = true;
    rows($("cp-enrollments"), r.enrollments, (row, e) => {
      cell(row, day(e.created_at));
      named(row, PROGRAMS[e.program] || e.program, e.program);
      named(row, ENROLLMENT_STATUS[e.status] || e.status, e.status);
      cell(row, e.valid_from ? `${day(e.valid_from)}〜${e.valid_until ? day(e.valid_until) : ""}` : "—");
    }, "申請はありません");
    rows($("cp-visits"), r.respite_visits, (row, v) => {
      cell(row, `${when(v.scheduled_start)}〜${clock(v.scheduled_end)}`);
      named(row, VISIT_STATUS[v.status] || v.status, v.status);
      cell(row, `${v.used_minutes ?? v.booked_minutes}分`);
    }, "訪問はありません");
    rows($("cp-stays"), r.short_stays, (row, s) => {
      cell(row, s.confirmed_from ? `${day(s.confirmed_from)}〜${day(s.confirmed_until)}` : `希望 ${day(s.desired_from)}〜${day(s.desired_until)}`);
      named(row, STAY_STATUS[s.status] || s.status, s.status);
      cell(row, s.institution_name || "—");
    }, "ショートステイはありません");
    rows($("cp-bookings"), r.play_bookings, (row, b) => {
      cell(row, day(b.created_at));
      named(row, BOOKING_STATUS[b.status] || b.status, b.status);
      cell(row, `児童${b.children}人・同伴者${b.adults}人`);
    }, "予約はありません");
    rows($("cp-trail"), r.trail, (row, e) => {
      cell(row, when(e.occurred_at));
      named(row, e.sentence, e.action);
    }, "記録はありません");
    $("k-results").innerHTML = "";
    $("child-page").hidden = false;
    $("cp-name").tabIndex = -1;
    $("cp-name").focus();
  }

  // One program's uses this period, each reversible before the month is settled.
  async function loadHistory(program) {
    const h = await api("GET", `/api/v1/staff/children/${CHILD.child.id}/allowances/${program}/history?limit=100`);
    $("cp-history-title").textContent = `${PROGRAMS[program] || program}の利用（${h.period}）`;
    rows($("cp-redemptions"), h.redemptions, (row, r) => {
      row.dataset.id = r.id;
      cell(row, when(r.redeemed_at));
      named(row, r.partner_name || "—", r.partner_id);
      cell(row, r.tickets_used ? `${yen(r.covered_yen)}（${r.tickets_used}枚）` : yen(r.covered_yen));
      cell(row, r.reversed_at ? `取消済み（${r.reversal_reason || ""}）` : "利用");
      const ops = cell(row, "");
      if (r.reversed_at) return;
      ops.append(
        button("取り消す", async () => {
          const reason = $("cp-reverse-reason").value.trim();
          if (!reason) return say("取消には理由が必要です");
          if (!confirm(`${when(r.redeemed_at)}の利用（${yen(r.covered_yen)}）を取り消しますか？`)) return;
          await api("POST", `/api/v1/staff/redemptions/${r.id}/reverse`, { reason });
          $("cp-reverse-reason").value = "";
          await openChild(CHILD.child.id);
          await loadHistory(program);
        }, "danger")
      );
    }, "この期間の利用はありません");
    rows($("cp-ledger"), h.entries, (row, e) => {
      cell(row, when(e.occurred_at));
      named(row, LEDGER_KINDS[e.kind] || e.kind, e.kind);
      cell(row, `${e.amount > 0 ? "+" : ""}${amount(e.amount, h.unit)}`);
      cell(row, e.reason || "");
    }, "この期間の動きはありません");
    $("cp-history").hidden = false;
    $("cp-history-title").tabIndex = -1;
    $("cp-history-title").focus();
  }

  async function saveContact() {
    if (!CHILD) return;
    await api("PUT", `/api/v1/staff/households/${CHILD.household.id}/contact`, {
      town: $("h-town").value,
      address: $("h-address").value,
      phone: $("h-phone").value,
    });
    await openChild(CHILD.child.id);
    say("");
    $("cp-contact-form").open = false;
  }

  function correctChild() {
    if (!CHILD) return;
    $("c-child").value = `${CHILD.child.family_name} ${CHILD.child.given_name}`;
    $("c-child-id").value = CHILD.child.id;
    show("corrections");
    $("c-amount").focus();
  }

  // Respite visits by station and state.
  let STATIONS = null;
  async function loadStations() {
    if (STATIONS) return;
    const list = await api("GET", "/api/v1/staff/partners?kind=nurse_station&limit=100");
    STATIONS = {};
    for (const p of list.items) {
      STATIONS[p.id] = p.name;
      $("rv-station").append(new Option(p.name, p.id));
    }
  }

  async function loadVisits() {
    await loadStations();
    const q = new URLSearchParams({ limit: "100" });
    if ($("rv-station").value) q.set("station_id", $("rv-station").value);
    if ($("rv-status").value) q.set("status", $("rv-status").value);
    const list = await api("GET", `/api/v1/staff/respite-visits?${q}`);
    rows($("rv-rows"), list.items, (row, v) => {
      cell(row, `${when(v.scheduled_start)}〜${clock(v.scheduled_end)}`);
      named(row, v.child_name ? `${v.child_name}（${v.child_name_kana}）` : "—", v.child_id);
      named(row, STATIONS[v.station_id] || "—", v.station_id);
      named(row, VISIT_STATUS[v.status] || v.status, v.status);
      cell(row, `${v.used_minutes ?? v.booked_minutes}分`);
      const ops = cell(row, "");
      if (v.status === "requested" || v.status === "accepted") {
        ops.append(
          button("例外として記録", () => {
            $("x-visit").value = v.id;
            $("x-visit-label").value = `${v.child_name} ${when(v.scheduled_start)}〜${clock(v.scheduled_end)}`;
            show("corrections");
            $("x-start").focus();
          }, "secondary")
        );
      }
    }, "該当する訪問はありません");
  }

  function signOut(message) {
    if (session) {
      fetch("/api/v1/auth/logout", { method: "POST", headers: { authorization: "Bearer " + session.access_token } }).catch(() => {});
    }
    session = null;
    sessionStorage.removeItem(KEY);
    $("tabs").hidden = true;
    $("me").textContent = "";
    for (const t of TABS) $(t).hidden = true;
    $("login").hidden = false;
    say(message);
  }

  async function signIn() {
    const credentials = { email: $("email").value.trim(), password: $("password").value };
    const otp = $("otp").value.trim();
    if (otp) credentials.one_time_code = otp;
    const r = await fetch("/api/v1/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json", "accept-language": "ja" },
      body: JSON.stringify(credentials),
    });
    const data = await r.json().catch(() => ({}));
    if (!r.ok) {
      if (data.code === "second_factor_required" || data.code === "invalid_one_time_code") {
        $("otp-field").hidden = false;
        $("otp").value = "";
        $("otp").focus();
      }
      return say(data.title || "ログインできませんでした");
    }
    if (data.account.role === "guardian") return say("職員のアカウントでログインしてください");
    session = { access_token: data.access_token, refresh_token: data.refresh_token, name: data.account.display_name };
    sessionStorage.setItem(KEY, JSON.stringify(session));
    $("password").value = "";
    $("otp").value = "";
    $("otp-field").hidden = true;
    start();
  }

  async function start() {
    $("login").hidden = true;
    $("me").textContent = session.name || "";
    say("");
    const me = await api("GET", "/api/v1/me").catch(() => null);
    if (!me) return;
    ADMIN = me.role === "admin";
    $("admin-only").hidden = !ADMIN;
    if (me.second_factor_setup_required) {
      $("tabs").hidden = true;
      $("setup-start").hidden = false;
      $("setup-scan").hidden = true;
      $("setup-done").hidden = true;
      show("setup");
      return;
    }
    $("tabs").hidden = false;
    await loadPrograms().catch(() => {});
    show("enrollments");
  }

  async function startSetup() {
    const s = await api("POST", "/api/v1/me/second-factor");
    $("setup-qr").src = "data:image/png;base64," + s.qr_png_base64;
    $("setup-secret").textContent = s.secret;
    $("setup-start").hidden = true;
    $("setup-scan").hidden = false;
    $("setup-code").focus();
  }

  async function confirmSetup() {
    const done = await api("POST", "/api/v1/me/second-factor/confirm", { one_time_code: $("setup-code").value.trim() });
    const list = $("recovery-codes");
    list.innerHTML = "";
    for (const c of done.recovery_codes) {
      const li = document.createElement("li");
      li.textContent = c;
      list.append(li);
    }
    $("setup-scan").hidden = true;
    $("setup-done").hidden = false;
  }

  async function loadEnrollments() {
    if (!$("valid-from").value) $("valid-from").value = new Date().toLocaleDateString("sv-SE", { timeZone: "Asia/Tokyo" });
    await loadQueue("renewal=false", $("enrollment-rows"), () => $("valid-from").value, "承認待ちの申請はありません");
    await loadQueue("renewal=true", $("renewal-rows"), (e) => e.renewal_from, "承認待ちの更新申請はありません");
  }

  // One queue of pending applications; `validFrom` gives the first day of an approval.
  async function loadQueue(filter, body, validFrom, empty) {
    const list = await api("GET", `/api/v1/staff/enrollments?status=pending&${filter}&limit=100`);
    body.innerHTML = "";
    for (const e of list.items) {
      const row = document.createElement("tr");
      row.dataset.id = e.id;
      cell(row, new Date(e.created_at).toLocaleDateString("ja-JP"));
      cell(row, PROGRAMS[e.program] || e.program);
      named(row, e.child_name ? `${e.child_name}（${e.child_name_kana}）` : "—", e.child_id);
      if (e.renewal_from) cell(row, new Date(`${e.renewal_from}T00:00:00+09:00`).toLocaleDateString("ja-JP", { timeZone: "Asia/Tokyo" }));
      const actions = cell(row, "");
      // A program that needs a certificate: its number and last valid day, recorded at approval.
      const certificate = CERTIFICATES[e.program];
      let number, validUntil;
      if (certificate) {
        number = Object.assign(document.createElement("input"), { placeholder: `${certificate}の番号`, autocomplete: "off" });
        number.setAttribute("aria-label", `${certificate}の番号`);
        validUntil = Object.assign(document.createElement("input"), { type: "date" });
        validUntil.setAttribute("aria-label", `${certificate}の有効期限`);
        validUntil.title = `${certificate}の有効期限`;
        actions.append(number, validUntil);
      }
      actions.append(
        button("承認", async () => {
          const body = { valid_from: validFrom(e) };
          if (certificate) {
            if (!number.value.trim() || !validUntil.value) return say(`${certificate}の番号と有効期限を入力してください`);
            body.certificate = { number: number.value.trim(), valid_until: validUntil.value };
          }
          await api("POST", `/api/v1/staff/enrollments/${e.id}/approve`, body);
          await loadEnrollments();
        }),
        button("却下", async () => {
          const reason = prompt("却下の理由（必須）");
          if (!reason || !reason.trim()) return say("却下には理由が必要です");
          await api("POST", `/api/v1/staff/enrollments/${e.id}/reject`, { reason });
          await loadEnrollments();
        }, "danger")
      );
      body.append(row);
    }
    if (!list.items.length) {
      const row = document.createElement("tr");
      cell(row, empty).colSpan = body.closest("table").querySelectorAll("th").length;
      body.append(row);
    }
  }

  async function loadStays() {
    const list = await api("GET", "/api/v1/staff/short-stays?status=submitted&limit=100");
    const partners = await api("GET", "/api/v1/staff/partners?kind=medical_institution&limit=100");
    const body = $("stay-rows");
    body.innerHTML = "";
    for (const s of list.items) {
      const row = document.createElement("tr");
      named(row, s.child_name ? `${s.child_name}（${s.child_name_kana}）` : "—", s.child_id);
      cell(row, `${day(s.desired_from)} 〜 ${day(s.desired_until)}`);
      named(row, STAY_REASONS[s.reason] || s.reason, s.reason);
      cell(row, s.contact);
      const actions = cell(row, "");
      const pick = document.createElement("select");
      for (const p of partners.items) pick.append(new Option(p.name, p.id));
      const from = Object.assign(document.createElement("input"), { type: "date", value: s.desired_from });
      const until = Object.assign(document.createElement("input"), { type: "date", value: s.desired_until });
      actions.append(
        pick,
        from,
        until,
        button("承認", async () => {
          await api("POST", `/api/v1/staff/short-stays/${s.id}/approve`, {
            institution_id: pick.value,
            confirmed_from: from.value,
            confirmed_until: until.value,
          });
          await loadStays();
        }),
        button("却下", async () => {
          const reason = prompt("却下の理由（必須）");
          if (!reason || !reason.trim()) return say("却下には理由が必要です");
          await api("POST", `/api/v1/staff/short-stays/${s.id}/reject`, { reason });
          await loadStays();
        }, "danger")
      );
      body.append(row);
    }
    if (!list.items.length) {
      const row = document.createElement("tr");
      cell(row, "審査待ちの申請はありません").colSpan = 5;
      body.append(row);
    }
    const approved = await api("GET", "/api/v1/staff/short-stays?status=approved&limit=100");
    rows($("approved-stay-rows"), approved.items, (row, s) => {
      row.dataset.id = s.id;
      named(row, s.child_name ? `${s.child_name}（${s.child_name_kana}）` : "—", s.child_id);
      cell(row, `${day(s.confirmed_from)} 〜 ${day(s.confirmed_until)}`);
      cell(row, s.institution_name || "—");
      cell(row, "").append(
        button("取り消す", async () => {
          const reason = prompt("取り消す理由（ご家族と医療機関に通知されます）");
          if (!reason || !reason.trim()) return say("取消には理由が必要です");
          await api("POST", `/api/v1/staff/short-stays/${s.id}/cancel`, { reason });
          await loadStays();
        }, "danger")
      );
    }, "入所前の承認済みのショートステイはありません");
  }

  let SESSIONS = {};
  async function loadSessions() {
    const list = await api("GET", "/api/v1/play-sessions?limit=100");
    SESSIONS = {};
    rows($("session-rows"), list.items, (row, s) => {
      SESSIONS[s.id] = s;
      row.dataset.id = s.id;
      cell(row, `${when(s.starts_at)}〜${clock(s.ends_at)}`);
      if (s.cancelled_at) {
        row.className = "cancelled";
        cell(row, `${s.title}（中止：${s.cancel_reason}）`);
        cell(row, "—");
        cell(row, "");
        return;
      }
      cell(row, s.title);
      cell(row, `児童${s.children_left}人／同伴者${s.adults_left}人`);
      cell(row, "").append(
        button("参加者", () => loadDoor(s).catch(() => {}), "secondary"),
        button("変更", () => editSession(s), "secondary"),
        button("中止", async () => {
          const reason = prompt(`「${s.title}」を中止する理由（予約したご家族に通知されます）`);
          if (!reason || !reason.trim()) return say("中止には理由が必要です");
          await api("POST", `/api/v1/staff/play-sessions/${s.id}/cancel`, { reason });
          $("door").hidden = true;
          await loadSessions();
        }, "danger")
      );
    }, "予定されている開催回はありません");
  }

  async function loadDoor(s) {
    const list = await api("GET", `/api/v1/staff/play-sessions/${s.id}/bookings?limit=100`);
    $("door-title").textContent = `参加者一覧：${s.title}（${when(s.starts_at)}）`;
    rows($("door-rows"), list.items, (row, e) => {
      named(row, BOOKING_STATUS[e.booking.status] || e.booking.status, e.booking.status);
      cell(row, e.children.map((c) => `${c.name}（${c.name_kana}）`).join("、"));
      cell(row, e.children.map((c) => needs(c.care_needs)).join("／"));
      cell(row, `${e.booking.adults}人`);
      cell(row, e.booking.checked_in_at ? clock(e.booking.checked_in_at) : "—");
    }, "予約はありません");
    $("door").hidden = false;
    $("door-title").tabIndex = -1;
    $("door-title").focus();
  }

  function editSession(s) {
    $("s-editing").value = s.id;
    $("s-heading").textContent = `開催回を変更：${s.title}`;
    $("s-title").value = s.title;
    $("s-start").value = localInput(s.starts_at);
    $("s-end").value = localInput(s.ends_at);
    $("s-children").value = s.capacity_children;
    $("s-adults").value = s.capacity_adults;
    $("s-vent").value = s.ventilator_places ?? "";
    $("publish").textContent = "変更を保存";
    $("s-cancel-edit").hidden = false;
    $("s-title").focus();
  }

  function stopEditing() {
    $("s-editing").value = "";
    $("s-heading").textContent = "開催回を登録";
    $("publish").textContent = "登録する";
    $("s-cancel-edit").hidden = true;
  }

  async function publish() {
    const vent = $("s-vent").value;
    const body = {
      title: $("s-title").value,
      starts_at: $("s-start").value + ":00",
      ends_at: $("s-end").value + ":00",
      capacity_children: Number($("s-children").value),
      capacity_adults: Number($("s-adults").value),
      ventilator_places: vent === "" ? null : Number(vent),
    };
    const editing = SESSIONS[$("s-editing").value];
    if (editing) {
      // Bookings stay open as they were; they close at the start unless they closed earlier.
      const start = new Date(`${body.starts_at}+09:00`);
      const closes = new Date(editing.booking_closes_at);
      body.booking_opens_at = localInput(editing.booking_opens_at) + ":00";
      const closedEarlier = editing.booking_closes_at !== editing.starts_at && closes < start;
      body.booking_closes_at = closedEarlier ? localInput(editing.booking_closes_at) + ":00" : body.starts_at;
      await api("PUT", `/api/v1/staff/play-sessions/${editing.id}`, body);
      stopEditing();
    } else {
      await api("POST", "/api/v1/staff/play-sessions", body);
    }
    await loadSessions();
  }

  async function loadPartners() {
    const list = await api("GET", "/api/v1/staff/partners?limit=100");
    const ul = $("partner-list");
    ul.innerHTML = "";
    for (const p of list.items) {
      const li = document.createElement("li");
      const label = document.createElement("span");
      label.textContent = `${p.name}（${PARTNER_KINDS[p.kind] || p.kind}）`;
      label.title = p.kind;
      li.append(label);
      if (!ADMIN) {
        ul.append(li);
        continue;
      }
      li.append(
        button("端末を追加", async () => {
          const label = prompt("端末の名前（例: 車両 12 号）");
          if (!label) return;
          const d = await api("POST", `/api/v1/admin/partners/${p.id}/devices`, { label });
          // Shown once: the service keeps only its hash.
          $("credential").textContent = `端末コード（この画面でのみ表示）: ${d.credential}`;
        }, "secondary")
      );
      const detail = await api("GET", `/api/v1/staff/partners/${p.id}`);
      for (const d of detail.devices || []) {
        if (d.status !== "active") continue;
        li.append(
          button(`「${d.label}」を停止`, async () => {
            if (!confirm(`${d.label} を停止しますか？`)) return;
            await api("POST", `/api/v1/admin/devices/${d.id}/revoke`);
            await loadPartners();
          }, "danger")
        );
      }
      ul.append(li);
    }
  }

  async function createPartner() {
    await api("POST", "/api/v1/admin/partners", { kind: $("p-kind").value, name: $("p-name").value });
    $("p-name").value = "";
    await loadPartners();
  }

  async function correct() {
    const reason = $("c-reason").value.trim();
    if (!$("c-child-id").value) return say("「児童」タブで児童を選び、「この児童の残高を訂正する」から開いてください");
    if (!reason) return say("訂正には理由が必要です");
    const r = await api(
      "POST",
      `/api/v1/staff/children/${$("c-child-id").value}/allowances/${$("c-program").value}/adjustments`,
      { amount: Number($("c-amount").value), reason },
      true
    );
    const data = await r.json().catch(() => ({}));
    if (!r.ok) return say(data.detail || data.title || "訂正できませんでした");
    say("");
    $("c-result").textContent =
      r.status === 202
        ? "1人で行える上限を超えるため、承認待ちになりました。別の職員の承認で反映されます。"
        : `${data.period}: 残り ${data.remaining.toLocaleString("ja-JP")}${UNITS[data.unit] || ""}`;
    await loadProposals();
  }

  async function loadProposals() {
    const list = await api("GET", "/api/v1/staff/adjustment-proposals?status=proposed&limit=100");
    const body = $("proposal-rows");
    body.innerHTML = "";
    for (const p of list.items) {
      const row = document.createElement("tr");
      cell(row, when(p.proposed_at));
      named(row, p.child_name ? `${p.child_name}（${p.child_name_kana}）` : "—", p.child_id);
      cell(row, PROGRAMS[p.program] || p.program);
      cell(row, `${p.amount > 0 ? "+" : ""}${p.amount.toLocaleString("ja-JP")}${UNITS[p.unit] || ""}`);
      cell(row, p.reason);
      const ops = cell(row, "");
      ops.append(
        button("承認する", async () => {
          await api("POST", `/api/v1/staff/adjustment-proposals/${p.id}/approve`);
          await loadProposals();
        }),
        button("却下する", async () => {
          const reason = $("q-reason").value.trim();
          if (!reason) return say("却下には理由が必要です");
          await api("POST", `/api/v1/staff/adjustment-proposals/${p.id}/reject`, { reason });
          await loadProposals();
        }, "secondary")
      );
      body.append(row);
    }
  }


  async function loadDisputes() {
    const list = await api("GET", "/api/v1/staff/respite-visits?status=disputed&limit=100");
    const body = $("dispute-rows");
    body.innerHTML = "";
    for (const v of list.items) {
      const row = document.createElement("tr");
      cell(row, day(v.scheduled_start));
      named(row, v.child_name ? `${v.child_name}（${v.child_name_kana}）` : "—", v.child_id);
      cell(row, `${clock(v.actual_start)}〜${clock(v.actual_end)}（${v.used_minutes}分）`);
      const claim = v.claimed_start ? `${clock(v.claimed_start)}〜${clock(v.claimed_end)}` : "訪問はなかった";
      cell(row, `${claim}：${v.dispute_reason}`);
      cell(row, `${v.disputed_minutes}分`);
      const decide = (outcome) => async () => {
        const reason = $("d-reason").value.trim();
        if (!reason) return say("判断の理由を入力してください");
        await api("POST", `/api/v1/staff/respite-visits/${v.id}/dispute-decision`, { outcome, reason });
        await loadDisputes();
      };
      cell(row, "").append(
        button("記録どおりとする", decide("upheld")),
        button("家族の申立てを認める", decide("accepted"), "secondary")
      );
      body.append(row);
    }
  }

  async function loadCorrections() {
    await loadProposals();
    await loadDisputes();
  }

  async function exception() {
    const reason = $("x-reason").value.trim();
    if (!$("x-visit").value) return say("「レスパイト」タブで訪問を選び、「例外として記録」から開いてください");
    if (!reason) return say("承認には理由が必要です");
    const v = await api("POST", `/api/v1/staff/respite-visits/${$("x-visit").value}/exception`, {
      started_at: $("x-start").value + ":00",
      ended_at: $("x-end").value + ":00",
      reason,
    });
    $("x-result").textContent = `記録しました：利用 ${v.used_minutes}分（うち上限超過 ${v.exception_minutes || 0}分）`;
  }

  async function download(path, name) {
    const r = await api("GET", path, null, true);
    if (!r.ok) return say("ダウンロードできませんでした");
    const url = URL.createObjectURL(await r.blob());
    const a = Object.assign(document.createElement("a"), { href: url, download: name });
    document.body.append(a);
    a.click();
    a.remove();
    URL.revokeObjectURL(url);
  }

  async function loadSettlements() {
    const month = $("r-month").value;
    const totals = await api("GET", `/api/v1/staff/settlements?month=${month}&limit=100`);
    const body = $("settlement-rows");
    body.innerHTML = "";
    for (const p of totals.partners) {
      const row = document.createElement("tr");
      cell(row, p.partner_name);
      cell(row, String(p.redemptions));
      cell(row, yen(p.covered_yen));
      cell(row, "").append(
        button("CSV", () => download(`/api/v1/staff/settlements/${p.partner_id}?month=${month}&format=csv`, `請求明細_${p.partner_name}_${month}.csv`), "secondary")
      );
      body.append(row);
    }
    const closed = totals.closing;
    $("closing").textContent = closed
      ? `締め済み（${new Date(closed.closed_at).toLocaleString("ja-JP")}）：この月の請求明細は変わりません。`
      : `未締め：合計 ${yen(totals.covered_yen)}`;
    $("close-month").hidden = Boolean(closed);
  }

  async function closeMonth() {
    const month = $("r-month").value;
    if (!confirm(`${month} を締めます。締めた月の請求明細は変更できません。よろしいですか？`)) return;
    await api("POST", `/api/v1/staff/settlements/${month}/close`);
    await loadSettlements();
  }

  async function loadAudit() {
    const q = new URLSearchParams({ limit: "100" });
    if ($("a-object").value.trim()) q.set("object_id", $("a-object").value.trim());
    if ($("a-action").value) q.set("action", $("a-action").value);
    const list = await api("GET", `/api/v1/staff/audit-log?${q}`);
    rows($("audit-rows"), list.items, (row, e) => {
      cell(row, when(e.occurred_at));
      named(row, e.sentence, `${e.action} ${e.object_type} ${e.object_id || ""}`);
    }, "該当する記録はありません");
  }

  for (const b of document.querySelectorAll("[data-tab]")) b.onclick = () => show(b.dataset.tab);
  for (const [code, words] of Object.entries(ACTIONS)) $("a-action").append(new Option(words, code));
  $("k-search").onclick = () => searchChildren().catch(() => {});
  $("k-query").onkeydown = (e) => e.key === "Enter" && searchChildren().catch(() => {});
  $("h-save").onclick = () => saveContact().catch(() => {});
  $("cp-correct").onclick = () => correctChild();
  $("rv-load").onclick = () => loadVisits().catch(() => {});
  $("s-cancel-edit").onclick = () => stopEditing();
  $("sign-in").onclick = signIn;
  $("password").onkeydown = (e) => e.key === "Enter" && signIn();
  $("otp").onkeydown = (e) => e.key === "Enter" && signIn();
  $("setup-start").onclick = () => startSetup().catch(() => {});
  $("setup-confirm").onclick = () => confirmSetup().catch(() => {});
  $("setup-code").onkeydown = (e) => e.key === "Enter" && confirmSetup().catch(() => {});
  $("setup-finish").onclick = () => start();
  $("logout").onclick = () => signOut();
  $("publish").onclick = () => publish().catch(() => {});
  $("create-partner").onclick = () => createPartner().catch(() => {});
  $("correct").onclick = () => correct().catch(() => {});
  $("exception").onclick = () => exception().catch(() => {});
  $("load-settlements").onclick = () => loadSettlements().catch(() => {});
  $("close-month").onclick = () => closeMonth().catch(() => {});
  $("load-audit").onclick = () => loadAudit().catch(() => {});
  $("respite-csv").onclick = () => download(`/api/v1/staff/respite-report?month=${$("r-month").value}&format=csv`, `レスパイト月次報告_${$("r-month").value}.csv`).catch(() => {});
  $("play-csv").onclick = () => download(`/api/v1/staff/play-statistics?month=${$("r-month").value}&format=csv`, `ひろば利用統計_${$("r-month").value}.csv`).catch(() => {});
  $("r-month").value = new Date().toLocaleDateString("sv-SE", { timeZone: "Asia/Tokyo" }).slice(0, 7);
  if (session) start();
  else signOut();
})();
