/**
 * What a provider callback proves, provider by provider. fal and Replicate sign theirs (checked
 * here); Kling, Luma and MiniMax sign nothing, so for them the signed task token in the URL
 * (callback-token.ts, checked by the route) is the whole proof. Every verdict names a dedupe key:
 * the route records it once, so a replayed callback wakes nothing.
 */
import { sha256Hex } from '../crypto.ts';
import { parseJson } from './http.ts';
import { verifyFalSignature, verifyReplicateSignature, type Jwk } from './webhook-signatures.ts';

/** Providers that can call us back. Runway and Veo have no callbacks and are polled. */
export const CALLBACK_PROVIDERS = ['kling', 'luma', 'fal', 'replicate', 'minimax'] as const;

export interface CallbackRequest {
  headers: Headers;
  /** The raw body, exactly as received (signatures cover the bytes). */
  body: string;
}

export type CallbackVerdict =
  /** Authentic. `reply` is the body to answer with; `wake` says whether the task should run. */
  | { ok: true; dedupeKey: string; wake: boolean; reply?: Record<string, unknown> }
  | { ok: false; reason: string };

export interface CallbackVerifierDeps {
  /** The `whsec_` secret of the Replicate account's webhooks; without it nothing is trusted. */
  replicateSecret?: string | undefined;
  falKeys: () => Promise<Jwk[]>;
  now?: () => number;
}

/** Checks a callback's own signature (where the provider has one) and names its dedupe key. */
export async function verifyProviderCallback(
  provider: string,
  request: CallbackRequest,
  deps: CallbackVerifierDeps,
): Promise<CallbackVerdict> {
  const nowMs = (deps.now ?? Date.now)();
  switch (provider) {
    case 'fal': {
      const valid = await verifyFalSignature(
        request.headers,
        request.body,
        await deps.falKeys(),
        nowMs,
      );
      if (!valid) return { ok: false, reason: 'bad or stale fal signature' };
      // One delivery, one signature: a resend by fal is signed afresh with a new timestamp.
      const signature = request.headers.get('x-fal-webhook-signature') ?? '';
      return { ok: true, dedupeKey: `sig:${signature.toLowerCase()}`, wake: true };
    }
    case 'replicate': {
      if (!deps.replicateSecret) return { ok: false, reason: 'no Replicate webhook secret' };
      const valid = await verifyReplicateSignature(
        request.headers,
        request.body,
        deps.replicateSecret,
        nowMs,
      );
      if (!valid) return { ok: false, reason: 'bad or stale Replicate signature' };
      return { ok: true, dedupeKey: `id:${request.headers.get('webhook-id') ?? ''}`, wake: true };
    }
    case 'minimax': {
      const body = parseJson(request.body);
      const challenge =
        typeof body === 'object' && body !== null && 'challenge' in body
          ? body.challenge
          : undefined;
      if (typeof challenge === 'string') {
        // MiniMax checks the URL by asking for its challenge back within three seconds.
        return { ok: true, dedupeKey: '', wake: false, reply: { challenge } };
      }
      return { ok: true, dedupeKey: `body:${await sha256Hex(request.body)}`, wake: true };
    }
    case 'kling':
    case 'luma':
      return { ok: true, dedupeKey: `body:${await sha256Hex(request.body)}`, wake: true };
    default:
      return { ok: false, reason: 'this provider has no callbacks' };
  }
}
