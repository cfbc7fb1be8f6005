/**
 * MiniMax Hailuo (platform.minimax.io): POST /v1/video_generation starts a task (the image as
 * first_frame_image, a last frame as last_frame_image; optionally a callback_url, which MiniMax
 * first verifies by posting a `challenge` to echo), GET
 * /v1/query/video_generation?task_id= reports Preparing, Queueing, Processing, Success (with a
 * file_id) or Fail, and GET /v1/files/retrieve?file_id= gives the file's download_url. Every
 * answer carries base_resp {status_code, status_msg}; a non-zero code names the error.
 */
import { z } from 'zod';
import {
  authFailed,
  badResponse,
  createHttp,
  isFailure,
  outOfCredit,
  parseJson,
  rateLimited,
  rejected,
  renderFailed,
  safetyRejected,
  statusFailure,
  unavailable,
} from './http.ts';
import { imageReference } from './image-input.ts';
import { findModel, unionCapabilities, type CatalogProvider, type ModelCatalog } from './models.ts';
import {
  failure,
  type PollResult,
  type ProviderClientOptions,
  type ProviderFailure,
  type SubmitResult,
} from './provider.ts';

export interface MinimaxOptions extends ProviderClientOptions {
  apiKey: string;
  pollAfterMs?: number;
}

// LIMITATION: MiniMax takes no aspect ratio (text-to-video is 16:9; image-to-video follows the
// image), so only 16:9 is declared and other ratios are refused up front. First-and-last-frame
// video is documented for MiniMax-Hailuo-02 only (not at 512P; we send 768P).
export const MINIMAX_CATALOG: ModelCatalog = {
  defaultModel: 'MiniMax-Hailuo-02',
  models: [
    {
      id: 'MiniMax-Hailuo-02',
      imageToVideo: true,
      textToVideo: true,
      durations: [6, 10],
      ratios: ['16:9'],
      lastFrame: true,
    },
    { id: 'T2V-01', imageToVideo: false, textToVideo: true, durations: [6], ratios: ['16:9'] },
    { id: 'I2V-01', imageToVideo: true, textToVideo: false, durations: [6], ratios: ['16:9'] },
  ],
};

const baseRespSchema = z.object({ status_code: z.number(), status_msg: z.string().optional() });
const createdSchema = z.object({ task_id: z.string(), base_resp: baseRespSchema });
const querySchema = z.object({
  status: z.enum(['Preparing', 'Queueing', 'Processing', 'Success', 'Fail']).optional(),
  file_id: z.union([z.string(), z.number()]).nullish(),
  base_resp: baseRespSchema,
});
const fileSchema = z.object({
  file: z.object({ download_url: z.url({ protocol: /^https?$/ }) }).nullish(),
  base_resp: baseRespSchema,
});

/** MiniMax's documented base_resp codes onto ours. */
export function minimaxCodeFailure(code: number, message: string | undefined): ProviderFailure {
  switch (code) {
    case 1002:
    case 1039:
      return rateLimited();
    case 1004:
    case 2049:
      return authFailed();
    case 1008:
      return outOfCredit();
    case 1026:
    case 1027:
      return safetyRejected();
    case 2013:
      return rejected(message);
    case 1000:
    case 1001:
    case 1013:
      return unavailable();
    default:
      return renderFailed(message, true);
  }
}

/** A Provider over MiniMax's video generation API. */
export function createMinimaxProvider(options: MinimaxOptions): CatalogProvider {
  const http = createHttp(options);
  const pollAfterMs = options.pollAfterMs ?? 10_000;
  const headers = { authorization: `Bearer ${options.apiKey}`, accept: 'application/json' };
  const capabilities = unionCapabilities(MINIMAX_CATALOG, {
    imageInput: 'url',
    maxImageBytes: 20 * 1024 * 1024,
    imageTypes: ['image/jpeg', 'image/png', 'image/webp'],
  });

  /** One GET or POST; the parsed body of a code-0 answer, or the failure. */
  const call = async <T extends z.ZodType<{ base_resp: { status_code: number } }>>(
    path: string,
    init: RequestInit,
    schema: T,
  ): Promise<z.output<T> | ProviderFailure> => {
    const result = await http.exchange(path, { ...init, headers: { ...headers, ...init.headers } });
    if (isFailure(result)) return result;
    if (!result.response.ok) return statusFailure(result.response);
    const parsed = schema.safeParse(parseJson(result.text));
    if (!parsed.success) return badResponse('response');
    const { status_code: code, status_msg: message } = (parsed.data as z.output<typeof querySchema>)
      .base_resp;
    if (code !== 0) return minimaxCodeFailure(code, message);
    return parsed.data as z.output<T>;
  };

  return {
    name: 'minimax',
    capabilities,
    catalog: MINIMAX_CATALOG,

    async submit(request): Promise<SubmitResult> {
      const spec = findModel(MINIMAX_CATALOG, request.model);
      if (!spec) return rejected('unsupported model for MiniMax');
      if (request.lastFrame && !spec.lastFrame) {
        return failure('unsupported_request', `MiniMax ${spec.id} takes no last frame.`, false);
      }
      if (request.lastFrame && !request.image) {
        throw new TypeError('MiniMax needs the first image along with the last frame');
      }
      const body: Record<string, unknown> = {
        model: spec.id,
        prompt: request.prompt,
        duration: request.durationSeconds,
        ...(spec.id === 'MiniMax-Hailuo-02' ? { resolution: '768P' } : {}),
        ...(request.callbackUrl ? { callback_url: request.callbackUrl } : {}),
      };
      if (request.image) {
        const image = imageReference(request.image, capabilities, 'MiniMax');
        if (!image.ok) return image;
        body.first_frame_image = image.value;
        if (request.lastFrame) {
          const last = imageReference(request.lastFrame, capabilities, 'MiniMax');
          if (!last.ok) return last;
          body.last_frame_image = last.value;
        }
      }
      // LIMITATION: MiniMax takes no idempotency key; a retried submit can start a second task.
      const created = await call(
        '/v1/video_generation',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        },
        createdSchema,
      );
      if ('ok' in created) return created;
      if (created.task_id === '') return badResponse('submit response');
      return { ok: true, jobId: created.task_id, pollAfterMs };
    },

    async poll(jobId): Promise<PollResult> {
      const query = new URLSearchParams({ task_id: jobId });
      const task = await call(`/v1/query/video_generation?${query}`, {}, querySchema);
      if ('ok' in task) return task;

      switch (task.status) {
        case 'Preparing':
        case 'Queueing':
          return { ok: true, state: 'running', progress: 0, pollAfterMs };
        case 'Processing':
          return { ok: true, state: 'running', progress: null, pollAfterMs };
        case 'Fail':
          return renderFailed(undefined, true);
        case 'Success': {
          if (task.file_id == null) return badResponse('result without a file');
          const fileQuery = new URLSearchParams({ file_id: String(task.file_id) });
          const file = await call(`/v1/files/retrieve?${fileQuery}`, {}, fileSchema);
          if ('ok' in file) return file;
          if (!file.file) return badResponse('file without a download URL');
          return {
            ok: true,
            state: 'succeeded',
            video: { url: file.file.download_url, contentType: 'video/mp4' },
          };
        }
        default:
          return badResponse('task status');
      }
    },

    download: (video) => http.download(video),
  };
}
