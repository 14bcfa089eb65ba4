// The mobile team's main path, written against the client generated from ../openapi.json
// (openapi-typescript + openapi-fetch) and type-checked with `tsc --strict` in CI: if the spec
// stops describing what this code relies on, the check fails.
//
// A guardian signs in, lists the children and their allowances and shows a code; a partner's
// device verifies and redeems it; a second redemption of the same code answers a problem that
// the app tells apart by its `code` alone.
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

type Problem = components["schemas"]["Problem"];
type ProblemCode = components["schemas"]["ProblemCode"];

/** What the scanner tells the driver, by the problem's code: a `switch` the compiler checks. */
export function scannerMessage(problem: Problem): string {
  const code: ProblemCode = problem.code;
  switch (code) {
    case "voucher_already_redeemed":
      return "このコードは使用済みです";
    case "voucher_expired":
      return "コードの有効期限が切れています。新しいコードを表示してもらってください";
    case "partner_kind_mismatch":
      return `この事業者では利用できません（${problem.program ?? ""}）`;
    case "device_revoked":
      return "この端末は無効化されています";
    case "idempotency_key_reused":
      return "別の利用と同じ送信キーです。最初からやり直してください";
    case "insufficient_balance":
      return `残高が足りません（残り${problem.remaining ?? 0}）`;
    case "service_busy":
    case "rate_limited":
      return `${problem.retry_after_seconds ?? 1}秒後にもう一度送信してください`;
    default:
      return problem.detail ?? problem.title;
  }
}

export async function journey(baseUrl: string, email: string, password: string, deviceCode: string) {
  const family = createClient<paths>({ baseUrl });
  const device = createClient<paths>({
    baseUrl,
    headers: { Authorization: `Bearer ${deviceCode}` },
  });

  const login = await family.POST("/api/v1/auth/login", { body: { email, password } });
  if (login.error) {
    const problem: Problem = login.error;
    if (problem.code === "invalid_credentials") throw new Error("wrong email or password");
    throw new Error(problem.title);
  }
  const auth = { Authorization: `Bearer ${login.data.access_token}` };

  const children = await family.GET("/api/v1/children", { headers: auth });
  if (children.error) throw new Error(children.error.title);
  const child = children.data.items[0];
  if (!child) return;

  const allowances = await family.GET("/api/v1/children/{child_id}/allowances", {
    params: { path: { child_id: child.id } },
    headers: auth,
  });
  if (allowances.error) throw new Error(allowances.error.title);
  const program = allowances.data.find((a) => a.remaining > 0)?.program;
  if (!program) return;

  const issued = await family.POST("/api/v1/children/{child_id}/vouchers", {
    params: { path: { child_id: child.id } },
    body: { program },
    headers: auth,
  });
  if (issued.error) {
    if (issued.error.code === "allowance_exhausted") return;
    throw new Error(issued.error.title);
  }
  const payload: string = issued.data.payload;

  const verified = await device.POST("/api/v1/device/vouchers/verify", { body: { payload } });
  if (verified.error) throw new Error(scannerMessage(verified.error));
  const cap: number = verified.data.max_covered_yen ?? 0;

  const key = crypto.randomUUID();
  const first = await device.POST("/api/v1/device/vouchers/redeem", {
    params: { header: { "Idempotency-Key": key } },
    body: { payload, amount_yen: Math.min(1200, cap) },
  });
  if (first.error) throw new Error(scannerMessage(first.error));
  const receipt = first.data;
  const left: number = receipt.remaining;
  const id: string = receipt.id;
  const replayed = first.response.headers.get("Idempotent-Replayed") === "true";

  const second = await device.POST("/api/v1/device/vouchers/redeem", {
    params: { header: { "Idempotency-Key": crypto.randomUUID() } },
    body: { payload, amount_yen: 100 },
  });
  if (!second.error) throw new Error("a code was redeemed twice");
  const message = scannerMessage(second.error);
  const told = await inboxLines(family, auth);
  return { id, left, replayed, message, type: second.error.type, told };
}

type Notification = components["schemas"]["Notification"];

/** One line per notification, from its typed data: the union is discriminated by `type`. */
export function line(n: Notification): string {
  switch (n.type) {
    case "voucher.redeemed":
      return `${n.data.covered_yen}円を区が負担しました（残り${n.data.remaining}）`;
    case "voucher.reversed":
      return `${n.data.covered_yen}円の利用が取り消されました: ${n.data.reason ?? ""}`;
    case "respite.declined":
      return `訪問をお受けできませんでした: ${n.data.decline_reason ?? ""}`;
    case "short_stay.approved":
      return `ショートステイ ${n.data.confirmed_from ?? ""}〜${n.data.confirmed_until ?? ""}`;
    case "play_booking.promoted":
      return `${n.data.title}: 子ども${n.data.children}人の予約が確定しました`;
    case "enrollment.rejected":
      return `申請が却下されました: ${n.data.reason ?? ""}`;
    default:
      return n.type;
  }
}

async function inboxLines(
  family: ReturnType<typeof createClient<paths>>,
  auth: { Authorization: string },
): Promise<string[]> {
  const inbox = await family.GET("/api/v1/notifications", { headers: auth });
  if (inbox.error) return [];
  return inbox.data.items.map(line);
}
