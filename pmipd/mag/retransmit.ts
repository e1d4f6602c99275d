// PBU retransmission timing (RFC 5213 §6.9.4, RFC 6275 §11.8): INITIAL_BINDACK_TIMEOUT, doubling
// up to MAX_BINDACK_TIMEOUT and staying there.
import type { Quirks } from '../quirks.js';

export interface BackoffSettings { initialBindackTimeout: number; maxBindackTimeout: number }

/** The timeout after a retransmission whose predecessor waited `previousMs`. */
export function nextTimeout(previousMs: number, s: BackoffSettings, quirks: Quirks): number {
  if (quirks.has('no-backoff')) return s.initialBindackTimeout;
  return Math.min(previousMs * 2, s.maxBindackTimeout);
}

/** Immediate re-registrations (after 157 or 135) allowed before the back-off takes over. */
export const MAX_QUICK_RETRIES = 2;
