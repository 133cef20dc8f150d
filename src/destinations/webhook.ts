// Webhook pages: JSON bodies signed the way Stripe and Svix sign theirs, so receivers can use the
// same few lines to verify them:
//   Segment-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
// The timestamp is inside the signed text, so a captured page cannot be replayed later with a fresh
// one (receivers should refuse stale timestamps, e.g. older than five minutes). Every page carries an
// Idempotency-Key that stays the same when the page is sent again after a failure.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'segment-signature';
export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** A new destination secret: 32 random bytes, prefixed so that it is recognisable in a secret store. */
export function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

export function sign(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** What a receiver does: true when the header signs this body under the secret. */
export function verify(secret: string, header: string, body: string): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isFinite(t) || !parts.v1) return false;
  const expected = Buffer.from(sign(secret, t, body).split('v1=')[1]!, 'hex');
  const given = Buffer.from(parts.v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export interface WebhookAnswer {
  ok: boolean;
  /** Why not, in words (status and the start of the body, or the network error). */
  error?: string;
}

/** POSTs one signed page; any 2xx is success, anything else (redirects included) a failure. */
export async function postPage(url: string, secret: string, idempotencyKey: string, body: string, timeoutMs: number): Promise<WebhookAnswer> {
  const timestamp = Math.floor(Date.now() / 1000);
  try {
    const res = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'segment-api-webhooks',
        [SIGNATURE_HEADER]: sign(secret, timestamp, body),
        [IDEMPOTENCY_HEADER]: idempotencyKey,
      },
      body,
    });
    if (res.status >= 200 && res.status < 300) {
      await res.body?.cancel();
      return { ok: true };
    }
    const text = (await res.text().catch(() => '')).slice(0, 200);
    return { ok: false, error: `HTTP ${res.status}${text ? `: ${text}` : ''}` };
  } catch (error) {
    const e = error as Error & { cause?: { code?: string } };
    return { ok: false, error: e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `${e.message}${e.cause?.code ? ` (${e.cause.code})` : ''}` };
  }
}
