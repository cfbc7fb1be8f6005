/**
 * One interaction request, from raw bytes to the immediate response: signature and timestamp
 * checked, PING answered, each interaction id handled once, then dispatched by command name or
 * button id. Nothing here waits on Discord or on a provider; slow work is returned as `work`
 * for the caller to run after the response has left.
 */
import { AGAIN_PREFIX, CANCEL_PREFIX } from '../../core/delivery/discord-messages.ts';
import { pickLocale, translate } from '../../core/i18n/catalog.ts';
import { COMMAND_NAMES } from './commands.ts';
import { handleCancel, handleCancelButton, handleQuota, handleStatus } from './handle-account.ts';
import { handleRunAgain, handleVideo } from './handle-video.ts';
import { interactionSchema, InteractionKind, type Interaction } from './interaction.ts';
import { ephemeralReply, httpError, pong } from './responses.ts';
import { verifyInteraction } from './verify.ts';
import type { Handled } from './work.ts';

// Interactions are a few kilobytes; refuse anything far bigger before checking its signature.
const MAX_BODY_BYTES = 1024 * 1024;

export interface InteractionDeps {
  /** DISCORD_PUBLIC_KEY, hex. */
  publicKey: string;
  maxImageBytes: number;
  /** True the first time an interaction id is seen (processed_updates). */
  recordInteraction: (id: string) => Promise<boolean>;
  now: () => number;
}

/** Verifies, parses and dispatches one interaction request. */
export async function handleInteraction(request: Request, deps: InteractionDeps): Promise<Handled> {
  const declared = Number(request.headers.get('content-length'));
  const body = declared > MAX_BODY_BYTES ? null : new Uint8Array(await request.arrayBuffer());
  if (!body || body.byteLength > MAX_BODY_BYTES) {
    return { kind: 'too_large', response: httpError(413, 'payload_too_large', 'Body too large.') };
  }

  const verified = await verifyInteraction(
    body,
    request.headers.get('x-signature-ed25519') ?? undefined,
    request.headers.get('x-signature-timestamp') ?? undefined,
    deps.publicKey,
    deps.now(),
  );
  if (!verified.ok) {
    return { kind: verified.reason, response: httpError(401, 'unauthorized', 'Bad signature.') };
  }

  let interaction: Interaction;
  try {
    const parsed = interactionSchema.safeParse(JSON.parse(new TextDecoder().decode(body)));
    if (!parsed.success) throw parsed.error;
    interaction = parsed.data;
  } catch {
    return { kind: 'malformed', response: httpError(400, 'bad_request', 'Not an interaction.') };
  }

  if (interaction.type === InteractionKind.PING) return { kind: 'ping', response: pong() };

  if (!(await deps.recordInteraction(interaction.id))) {
    const response = httpError(409, 'duplicate_interaction', 'This interaction was handled.');
    return { kind: 'duplicate', response };
  }

  const context = { timestampMs: verified.timestampMs, maxImageBytes: deps.maxImageBytes };
  if (interaction.type === InteractionKind.COMMAND) {
    switch (interaction.data?.name) {
      case COMMAND_NAMES.video:
        return handleVideo(interaction, context);
      case COMMAND_NAMES.quota:
        return handleQuota(interaction);
      case COMMAND_NAMES.status:
        return handleStatus(interaction);
      case COMMAND_NAMES.cancel:
        return handleCancel(interaction);
    }
  }
  if (interaction.type === InteractionKind.COMPONENT) {
    const id = interaction.data?.custom_id ?? '';
    if (id.startsWith(AGAIN_PREFIX)) {
      return handleRunAgain(interaction, id.slice(AGAIN_PREFIX.length), context);
    }
    if (id.startsWith(CANCEL_PREFIX)) {
      return handleCancelButton(interaction, id.slice(CANCEL_PREFIX.length));
    }
  }
  const text = translate(pickLocale(interaction.locale), 'dc.error.unknown_command');
  return { kind: 'unknown', response: ephemeralReply(text) };
}
