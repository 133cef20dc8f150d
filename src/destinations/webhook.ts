// Webhook pages: JSON bodies signed the way Stripe and Svix sign theirs, so receivers can use the
// same few lines to verify them:
//   Segment-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
// The timestamp is inside the signed text, so a captured page cannot be replayed later with a fresh
// one (receivers should refuse stale timestamps, e.g. older than five minutes). Every page carries an
// Idempotency-Key that stays the same when the page is sent again after a failure.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { isNonPublicAddress, literalAddress, NonPublicAddressError, publicOnlyLookup } from './network.js';

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

export interface PostOptions {
  /** No answer in this long: the attempt has failed (a receiver that hangs holds nothing up). */
  timeoutMs: number;
  /** Private, loopback and other non-public addresses may be dialled (network.ts). */
  allowPrivate: boolean;
}

/** What is read of an error answer: enough to say why, bounded whatever the receiver sends. */
const ERROR_BODY_CHARS = 200;

/**
 * POSTs one signed page; any 2xx is success (its body is not read), anything else — redirects
 * included — a failure described by its status and the start of its body. node:http rather than
 * fetch: the connection's own address lookup is where non-public addresses are refused.
 */
export function postPage(url: string, secret: string, idempotencyKey: string, body: string, options: PostOptions): Promise<WebhookAnswer> {
  const target = new URL(url);
  const literal = literalAddress(target.hostname);
  if (!options.allowPrivate && literal && isNonPublicAddress(literal))
    return Promise.resolve({ ok: false, error: new NonPublicAddressError(literal, literal).message });
  const timestamp = Math.floor(Date.now() / 1000);
  return new Promise<WebhookAnswer>((resolve) => {
    let settled = false;
    // The deadline covers the whole exchange: connecting, sending, the answer's status and its start.
    const timer = setTimeout(() => {
      done({ ok: false, error: `no answer within ${options.timeoutMs} ms` });
      request.destroy();
    }, options.timeoutMs);
    const done = (answer: WebhookAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(answer);
    };
    const request = (target.protocol === 'https:' ? https : http).request(
      target,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'segment-api-webhooks',
          [SIGNATURE_HEADER]: sign(secret, timestamp, body),
          [IDEMPOTENCY_HEADER]: idempotencyKey,
        },
        ...(options.allowPrivate ? {} : { lookup: publicOnlyLookup }),
      },
      (response) => {
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          done({ ok: true });
          response.destroy();
          return;
        }
        let text = '';
        const failed = () => done({ ok: false, error: `HTTP ${status}${text.trim() ? `: ${text.slice(0, ERROR_BODY_CHARS).trim()}` : ''}` });
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
          if (text.length >= ERROR_BODY_CHARS) {
            failed();
            response.destroy();
          }
        });
        response.on('end', failed);
        response.on('close', failed);
        response.on('error', failed);
      },
    );
    request.on('error', (error: Error & { code?: string }) =>
      done({ ok: false, error: error.code && !error.message.includes(error.code) ? `${error.message} (${error.code})` : error.message }),
    );
    request.end(body);
  });
}
