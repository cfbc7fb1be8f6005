// The local provider's request and response shapes (documented in server.ts), shared with the
// fake provider in tests/fakes so both speak exactly the same wire format.
import { z } from 'zod';
import { imageProblem, sniffImage, type ImageType } from './image-check.ts';

// Room for two 10 MB images in base64 (first and last frame) and the rest of the JSON.
export const MAX_BODY_BYTES = 28 * 1024 * 1024;
export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;

export const createGenerationSchema = z
  .object({
    prompt: z
      .string()
      .min(1)
      .max(2000)
      .refine((p) => p.trim() !== '', 'prompt must not be blank'),
    image: z.string().optional(),
    /** The frame the video ends on; only with `image`. */
    last_frame: z.string().optional(),
    duration: z.number().int().min(1).max(10),
    ratio: z.enum(['16:9', '9:16', '1:1']),
    idempotency_key: z.string().min(1).max(200).optional(),
  })
  .refine((body) => body.last_frame === undefined || body.image !== undefined, {
    message: 'last_frame needs an image to start from',
    path: ['last_frame'],
  });

export type CreateGenerationBody = z.infer<typeof createGenerationSchema>;

export type GenerationStatus = 'queued' | 'rendering' | 'succeeded' | 'failed';

export interface WireError {
  code: string;
  message: string;
  /** Set when the provider knows whether trying again can help. */
  retryable?: boolean;
}

export interface GenerationBody {
  id: string;
  status: GenerationStatus;
  progress: number;
  video_url: string | null;
  error: WireError | null;
}

export interface DecodedImage {
  type: ImageType;
  bytes: Uint8Array;
}

/** An input we refuse, with the wire error code that says why. */
export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(
    readonly code: 'bad_request' | 'unsupported_image',
    message: string,
  ) {
    super(message);
  }
}

const DATA_URI = /^data:image\/(png|jpeg|webp);base64,([A-Za-z0-9+/]*={0,2})$/;

/** Decodes and checks a `data:image/...;base64,` URI; throws InputError when unusable. */
export function decodeImageDataUri(uri: string, field = 'image'): DecodedImage {
  const match = DATA_URI.exec(uri);
  const declared = match?.[1];
  const payload = match?.[2];
  if (declared === undefined || payload === undefined) {
    throw new InputError(
      'unsupported_image',
      `${field} must be a data URI of image/png, image/jpeg or image/webp in base64`,
    );
  }
  // Reject before decoding: base64 is 4 characters per 3 bytes.
  if (Math.floor((payload.length * 3) / 4) > MAX_IMAGE_BYTES + 2) {
    throw new InputError('unsupported_image', `${field} is larger than 10 MB`);
  }
  const bytes = new Uint8Array(Buffer.from(payload, 'base64'));
  if (bytes.length > MAX_IMAGE_BYTES) {
    throw new InputError('unsupported_image', `${field} is larger than 10 MB`);
  }

  const info = sniffImage(bytes);
  if (!info)
    throw new InputError('unsupported_image', `${field} bytes are not a PNG, JPEG or WebP`);
  if (info.type !== declared) {
    throw new InputError(
      'unsupported_image',
      `${field} is declared ${declared} but is ${info.type}`,
    );
  }
  const problem = imageProblem(info);
  if (problem)
    throw new InputError('unsupported_image', field === 'image' ? problem : `${field}: ${problem}`);
  return { type: info.type, bytes };
}

/** A submit body parsed, validated and with its image decoded; throws InputError. */
export function parseCreateRequest(text: string): {
  body: CreateGenerationBody;
  image: DecodedImage | undefined;
  lastFrame: DecodedImage | undefined;
} {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InputError('bad_request', 'body is not valid JSON');
  }
  const parsed = createGenerationSchema.safeParse(json);
  if (!parsed.success) throw new InputError('bad_request', describeIssues(parsed.error));
  const body = parsed.data;
  return {
    body,
    image: body.image === undefined ? undefined : decodeImageDataUri(body.image),
    lastFrame:
      body.last_frame === undefined ? undefined : decodeImageDataUri(body.last_frame, 'last_frame'),
  };
}

/** The zod issues of a rejected body as one readable sentence. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`)
    .join('; ');
}
