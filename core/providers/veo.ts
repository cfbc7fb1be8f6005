/**
 * Google Veo through the Gemini API (ai.google.dev/gemini-api/docs/video): POST
 * /v1beta/models/<model>:predictLongRunning starts an operation, GET /v1beta/<operation name>
 * reports it (done, response.generateVideoResponse.generatedSamples[].video.uri, or error), and
 * the video is downloaded from that URI with the API key. Veo has no callbacks: it is polled.
 * The first image is instances[0].image and a last frame instances[0].lastFrame, both
 * {bytesBase64Encoded, mimeType}; only Veo 3.1 takes a last frame.
 */
import { z } from 'zod';
import {
  authFailed,
  badResponse,
  createHttp,
  isFailure,
  jobLost,
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
  type SubmitRequest,
  type SubmitResult,
} from './provider.ts';

export interface VeoOptions extends ProviderClientOptions {
  apiKey: string;
  pollAfterMs?: number;
}

export const VEO_CATALOG: ModelCatalog = {
  defaultModel: 'veo-3.0-fast-generate-001',
  models: [
    {
      id: 'veo-3.0-fast-generate-001',
      imageToVideo: true,
      textToVideo: true,
      durations: [8],
      ratios: ['16:9', '9:16'],
    },
    {
      id: 'veo-3.0-generate-001',
      imageToVideo: true,
      textToVideo: true,
      durations: [8],
      ratios: ['16:9', '9:16'],
    },
    {
      id: 'veo-2.0-generate-001',
      imageToVideo: true,
      textToVideo: true,
      durations: [5, 6, 7, 8],
      ratios: ['16:9', '9:16'],
    },
    {
      id: 'veo-3.1-generate-preview',
      imageToVideo: true,
      textToVideo: true,
      durations: [4, 6, 8],
      ratios: ['16:9', '9:16'],
      lastFrame: true,
    },
    {
      id: 'veo-3.1-fast-generate-preview',
      imageToVideo: true,
      textToVideo: true,
      durations: [4, 6, 8],
      ratios: ['16:9', '9:16'],
      lastFrame: true,
    },
  ],
};

const rpcStatusSchema = z.object({
  code: z.number().optional(),
  message: z.string().optional(),
  status: z.string().optional(),
});
const operationSchema = z.object({
  name: z.string().min(1),
  done: z.boolean().optional(),
  error: rpcStatusSchema.optional(),
  response: z
    .object({
      generateVideoResponse: z
        .object({
          generatedSamples: z.array(z.object({ video: z.object({ uri: z.string() }) })).optional(),
          raiMediaFilteredCount: z.number().optional(),
          raiMediaFilteredReasons: z.array(z.string()).optional(),
        })
        .optional(),
    })
    .optional(),
});
const errorBodySchema = z.object({ error: rpcStatusSchema });

/** Both frames travel in one request, which the 20 MB cap holds as a whole. */
function framesBytes(request: SubmitRequest): number {
  return (request.image?.bytes?.byteLength ?? 0) + (request.lastFrame?.bytes?.byteLength ?? 0);
}

/** google.rpc status names (HTTP bodies and failed operations) onto ours. */
function rpcFailure(status: string | undefined, message: string | undefined): ProviderFailure {
  switch (status) {
    case 'RESOURCE_EXHAUSTED':
      return rateLimited();
    case 'UNAVAILABLE':
    case 'INTERNAL':
    case 'DEADLINE_EXCEEDED':
      return unavailable();
    case 'PERMISSION_DENIED':
    case 'UNAUTHENTICATED':
      return authFailed();
    case 'INVALID_ARGUMENT':
    case 'FAILED_PRECONDITION':
      return /safety|responsible ai|blocked/i.test(message ?? '')
        ? safetyRejected()
        : rejected(message);
    default:
      return renderFailed(message, true);
  }
}

/** A Provider over the Gemini API's Veo models. Job ids are operation names. */
export function createVeoProvider(options: VeoOptions): CatalogProvider {
  const http = createHttp(options);
  const pollAfterMs = options.pollAfterMs ?? 10_000;
  const headers = { 'x-goog-api-key': options.apiKey, accept: 'application/json' };
  const apiOrigin = new URL(http.baseUrl).origin;
  const capabilities = unionCapabilities(VEO_CATALOG, {
    imageInput: 'base64',
    // The whole request is capped at 20 MB; base64 grows the image by a third.
    maxImageBytes: 14 * 1024 * 1024,
    imageTypes: ['image/jpeg', 'image/png', 'image/webp'],
  });
  const httpFailure = (response: Response, text: string): ProviderFailure => {
    const body = errorBodySchema.safeParse(parseJson(text));
    if (!body.success || response.status === 429 || response.status >= 500) {
      return statusFailure(response, body.success ? body.data.error.message : undefined);
    }
    return rpcFailure(body.data.error.status, body.data.error.message);
  };

  return {
    name: 'veo',
    capabilities,
    catalog: VEO_CATALOG,

    async submit(request): Promise<SubmitResult> {
      const spec = findModel(VEO_CATALOG, request.model);
      if (!spec) return rejected('unsupported model for Veo');
      if (request.lastFrame && !spec.lastFrame) {
        return failure('unsupported_request', `Veo ${spec.id} takes no last frame.`, false);
      }
      if (request.lastFrame && !request.image) {
        throw new TypeError('Veo needs the first image along with the last frame');
      }
      const instance: Record<string, unknown> = { prompt: request.prompt };
      if (request.image) {
        const image = imageReference(request.image, capabilities, 'Veo');
        if (!image.ok) return image;
        instance.image = { bytesBase64Encoded: image.value, mimeType: request.image.contentType };
      }
      if (request.lastFrame) {
        const last = imageReference(request.lastFrame, capabilities, 'Veo');
        if (!last.ok) return last;
        instance.lastFrame = {
          bytesBase64Encoded: last.value,
          mimeType: request.lastFrame.contentType,
        };
        if (framesBytes(request) > capabilities.maxImageBytes) {
          return failure(
            'unsupported_image',
            'The first and last frames together are larger than Veo accepts (14 MB).',
            false,
          );
        }
      }
      const body = {
        instances: [instance],
        parameters: { aspectRatio: request.ratio, durationSeconds: request.durationSeconds },
      };

      const sent = await http.exchange(`/v1beta/models/${spec.id}:predictLongRunning`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (isFailure(sent)) return sent;
      if (!sent.response.ok) return httpFailure(sent.response, sent.text);
      const operation = operationSchema.safeParse(parseJson(sent.text));
      if (!operation.success) return badResponse('submit response');
      return { ok: true, jobId: operation.data.name, pollAfterMs };
    },

    async poll(jobId): Promise<PollResult> {
      if (!/^[\w.\-/]+$/.test(jobId)) return badResponse('operation name');
      const fetched = await http.exchange(`/v1beta/${jobId}`, { headers });
      if (isFailure(fetched)) return fetched;
      if (fetched.response.status === 404) return jobLost();
      if (!fetched.response.ok) return httpFailure(fetched.response, fetched.text);
      const parsed = operationSchema.safeParse(parseJson(fetched.text));
      if (!parsed.success) return badResponse('operation');

      const operation = parsed.data;
      // Veo reports no percentage while the operation runs.
      if (!operation.done) return { ok: true, state: 'running', progress: null, pollAfterMs };
      if (operation.error) return rpcFailure(operation.error.status, operation.error.message);
      const result = operation.response?.generateVideoResponse;
      const uri = result?.generatedSamples?.[0]?.video.uri;
      if (!uri) {
        // No sample and a filter count: Google's responsible-AI filter removed the video.
        return (result?.raiMediaFilteredCount ?? 0) > 0
          ? safetyRejected()
          : badResponse('result without a video');
      }
      // The download carries the API key: never hand it to a host other than the API's.
      if (new URL(uri, apiOrigin).origin !== apiOrigin) {
        return failure('provider_bad_response', 'Veo named a video outside its API.', true);
      }
      return {
        ok: true,
        state: 'succeeded',
        video: {
          url: new URL(uri, apiOrigin).toString(),
          headers: { 'x-goog-api-key': options.apiKey },
          contentType: 'video/mp4',
        },
      };
    },

    // LIMITATION: no cancel: the Gemini API documents none for Veo operations.
    download: (video) => http.download(video),
  };
}
