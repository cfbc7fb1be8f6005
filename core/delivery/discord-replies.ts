/**
 * The Discord endpoints reelbot writes to: the interaction's original reply and follow-ups
 * (authorised by the interaction token, no bot token needed) and, once that token has expired,
 * channel messages with the bot token.
 */
import type { DiscordMessage } from './discord-messages.ts';
import type { DiscordFailure, DiscordResponse, DiscordRest, UploadFile } from './discord-rest.ts';

/** The interaction a reply belongs to. */
export interface InteractionRef {
  applicationId: string;
  token: string;
}

const UNKNOWN_WEBHOOK = 10015;
const INVALID_WEBHOOK_TOKEN = 50027;
const REQUEST_TOO_LARGE = 40005;

function webhookPath(ref: InteractionRef, suffix = ''): string {
  return `/webhooks/${ref.applicationId}/${encodeURIComponent(ref.token)}${suffix}`;
}

function body(message: DiscordMessage, file?: UploadFile) {
  return file ? { payload: message, file } : { json: message };
}

/** Edits the original (deferred) reply, with the file attached when one is given. */
export function editOriginal(
  rest: DiscordRest,
  ref: InteractionRef,
  message: DiscordMessage,
  file?: UploadFile,
): Promise<DiscordResponse> {
  return rest.request('PATCH', webhookPath(ref, '/messages/@original'), {
    auth: 'none',
    body: body(message, file),
  });
}

/** Deletes the original reply (e.g. a "thinking…" placeholder replaced by an ephemeral note). */
export function deleteOriginal(rest: DiscordRest, ref: InteractionRef): Promise<DiscordResponse> {
  return rest.request('DELETE', webhookPath(ref, '/messages/@original'), { auth: 'none' });
}

/** Sends a follow-up message to the interaction (flags 64 makes it ephemeral). */
export function sendFollowUp(
  rest: DiscordRest,
  ref: InteractionRef,
  message: DiscordMessage,
): Promise<DiscordResponse> {
  return rest.request('POST', `${webhookPath(ref)}?wait=true`, {
    auth: 'none',
    body: { json: message },
  });
}

/** Posts a message in a channel as the bot; `nonce` makes a repeated post a no-op. */
export function postChannelMessage(
  rest: DiscordRest,
  channelId: string,
  message: DiscordMessage & { nonce?: string; enforce_nonce?: boolean },
  file?: UploadFile,
): Promise<DiscordResponse> {
  return rest.request('POST', `/channels/${channelId}/messages`, {
    auth: 'bot',
    body: body(message, file),
  });
}

/** True when Discord no longer accepts the interaction token (expired or unknown). */
export function isExpiredToken(failure: DiscordFailure): boolean {
  return (
    failure.status === 401 ||
    failure.code === INVALID_WEBHOOK_TOKEN ||
    (failure.status === 404 && failure.code === UNKNOWN_WEBHOOK)
  );
}

/** True when the upload was refused for its size (the link goes instead). */
export function isTooLarge(failure: DiscordFailure): boolean {
  return failure.status === 413 || failure.code === REQUEST_TOO_LARGE;
}
