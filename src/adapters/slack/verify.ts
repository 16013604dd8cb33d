import type { IncomingHttpHeaders } from 'node:http';
import { verifySlackRequest } from '@slack/bolt';

/** Slack refuses requests older than 5 minutes; a replay is remembered that long. */
export const SIGNATURE_WINDOW_MS = 5 * 60_000;
/** How far ahead of our clock a request's timestamp may be (clock skew), and no further. */
export const FUTURE_SKEW_MS = 60_000;

export interface SlackRequestToVerify {
  signingSecret: string;
  headers: IncomingHttpHeaders;
  /** The raw body, byte for byte as it arrived: the signature covers it. */
  body: string;
  nowMs: number;
}

/**
 * Why a request is refused, or undefined when it is Slack's and fresh: its `X-Slack-Signature`
 * (`v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>` with the signing secret) must match, and
 * its `X-Slack-Request-Timestamp` be at most 5 minutes old and at most 60 s ahead of our clock.
 */
export function verifySlackSignature(req: SlackRequestToVerify): string | undefined {
  const signature = req.headers['x-slack-signature'];
  const timestamp = Number(req.headers['x-slack-request-timestamp']);
  if (typeof signature !== 'string' || !Number.isFinite(timestamp)) return 'missing signature headers';
  // Bolt refuses only the past: a timestamp far ahead would keep a captured request valid for ever.
  if (timestamp * 1000 > req.nowMs + FUTURE_SKEW_MS) return 'timestamp is in the future';
  try {
    verifySlackRequest({
      signingSecret: req.signingSecret,
      body: req.body,
      headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp },
      nowMilliseconds: req.nowMs,
    });
    return undefined;
  } catch (err) {
    return (err as Error).message.replace(/^Failed to verify authenticity: /, '');
  }
}
