/** The interaction responses (callbacks) reelbot answers with, as JSON Responses. */
import { InteractionResponseFlags, InteractionResponseType } from 'discord-interactions';
import { errorBody } from '../http-error.ts';

const EPHEMERAL = InteractionResponseFlags.EPHEMERAL;

export function pong(): Response {
  return Response.json({ type: InteractionResponseType.PONG });
}

/** "Thinking…": the reply comes later by editing @original. */
export function deferredReply(ephemeral: boolean): Response {
  return Response.json({
    type: InteractionResponseType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
    ...(ephemeral ? { data: { flags: EPHEMERAL } } : {}),
  });
}

/** For a button: acknowledged, the message it sits on is left as it is for now. */
export function deferredUpdate(): Response {
  return Response.json({ type: InteractionResponseType.DEFERRED_UPDATE_MESSAGE });
}

/** A message only the invoking user sees. */
export function ephemeralReply(content: string): Response {
  return Response.json({
    type: InteractionResponseType.CHANNEL_MESSAGE_WITH_SOURCE,
    data: { content, flags: EPHEMERAL, allowed_mentions: { parse: [] } },
  });
}

/** A plain HTTP error in the app's JSON error shape. */
export function httpError(status: number, code: string, message: string): Response {
  return Response.json(errorBody(code, message), { status });
}

export const EPHEMERAL_FLAG = EPHEMERAL;
