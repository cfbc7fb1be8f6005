/**
 * API webhooks: the final status is POSTed as JSON to the URL the caller gave, signed so the
 * receiver can check it came from us: `Reelbot-Signature: t=<unix>,v1=<hmac-sha256 hex>` over
 * `<t>.<body>`.
 */
import { hmacSha256Hex } from '../crypto.ts';
import { checkPublicHttpsUrl } from '../media/safe-fetch.ts';
import { taskStatusBody } from '../tasks/status-body.ts';
import type { Deliverer } from './delivery.ts';

export interface WebhookOptions {
  secret: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
  now?: () => number;
}

/** Delivers to `replyTarget.kind === 'webhook'`. */
export function createWebhookDeliverer(options: WebhookOptions): Deliverer {
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? Date.now;

  return {
    async deliver(task, context) {
      if (task.replyTarget?.kind !== 'webhook') {
        return { ok: false, retryable: false, message: 'not a webhook task' };
      }
      const url = task.replyTarget.url;
      const check = checkPublicHttpsUrl(url);
      if (!check.ok) return { ok: false, retryable: false, message: check.message };

      const body = JSON.stringify(taskStatusBody(task, context.videoUrl));
      const t = Math.floor(now() / 1000);
      const signature = await hmacSha256Hex(options.secret, `${t}.${body}`);
      try {
        const response = await doFetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'reelbot-signature': `t=${t},v1=${signature}`,
          },
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        });
        await response.body?.cancel();
        if (response.ok) return { ok: true };
        const retryable = response.status >= 500 || response.status === 429;
        return { ok: false, retryable, message: `webhook answered ${response.status}` };
      } catch {
        return { ok: false, retryable: true, message: 'webhook unreachable' };
      }
    },
  };
}
