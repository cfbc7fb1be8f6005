/**
 * Every setting reelbot reads, as one zod schema. Each entry point (Worker fetch/queue/scheduled,
 * the Node consumer, scripts) parses its environment once and passes the result down.
 */
import { z } from 'zod';
import { parseCostOverrides } from './providers/costs.ts';

const LOCAL_SIGNING_SECRET = 'reelbot-local-signing-secret-not-for-production';

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

const positiveInt = (fallback: number, max: number) =>
  z.coerce.number().int().min(1).max(max).default(fallback);

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

const schema = z
  .object({
    RUNTIME_MODE: z.enum(['production', 'local', 'test']).default('production'),
    DATABASE_URL: optionalString.pipe(
      z
        .string()
        .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
        .optional(),
    ),
    SUPABASE_URL: optionalString.pipe(httpUrl.optional()),
    SUPABASE_SERVICE_ROLE_KEY: optionalString,
    PUBLIC_BASE_URL: optionalString.pipe(httpUrl.optional()),
    SIGNING_SECRET: optionalString.pipe(
      z.string().min(32, 'must be at least 32 characters').optional(),
    ),
    QUEUE_DRIVER: z.enum(['cloudflare', 'postgres']).default('cloudflare'),
    DEFAULT_PROVIDER: z.string().default('local'),
    LOCAL_PROVIDER_URL: httpUrl.default('http://127.0.0.1:8790'),
    R2_S3_ENDPOINT: optionalString.pipe(httpUrl.optional()),
    R2_ACCESS_KEY_ID: optionalString,
    R2_SECRET_ACCESS_KEY: optionalString,
    R2_BUCKET_NAME: z.string().default('reelbot-media'),
    MAX_IMAGE_BYTES: positiveInt(10 * 1024 * 1024, 50 * 1024 * 1024),
    MAX_PROMPT_CHARS: positiveInt(2000, 4000),
    TASK_MAX_ATTEMPTS: positiveInt(3, 20),
    TASK_DEADLINE_SECONDS: positiveInt(1800, 86_400),
    LEASE_SECONDS: positiveInt(120, 3600),
    VIDEO_LINK_TTL_SECONDS: positiveInt(3600, 7 * 86_400),
    PROVIDER_TIMEOUT_MS: positiveInt(30_000, 300_000),
    // Copying a finished video can take minutes for large files on slow links.
    VIDEO_COPY_TIMEOUT_MS: positiveInt(15 * 60_000, 60 * 60_000),
    // Telegram (bots/telegram)
    TELEGRAM_BOT_TOKEN: optionalString,
    TELEGRAM_WEBHOOK_SECRET: optionalString,
    TELEGRAM_API_ROOT: httpUrl.default('https://api.telegram.org'),
    // Where files are downloaded from (`<root>/file/bot<token>/<path>`); defaults to the API
    // root. A Bot API server run with --local answers disk paths, served by a web server here.
    TELEGRAM_FILE_ROOT: optionalString.pipe(httpUrl.optional()),
    // An album's photos arrive as separate updates; it is handled once none came for this long.
    TELEGRAM_ALBUM_WAIT_MS: positiveInt(1500, 10_000),
    // Discord (bots/discord)
    DISCORD_APPLICATION_ID: optionalString,
    DISCORD_PUBLIC_KEY: optionalString,
    DISCORD_BOT_TOKEN: optionalString,
    DISCORD_API_BASE: httpUrl.default('https://discord.com/api/v10'),
    // Video providers (core/providers): each is enabled by its secrets.
    RUNWAY_API_KEY: optionalString,
    RUNWAY_BASE_URL: httpUrl.default('https://api.dev.runwayml.com'),
    KLING_ACCESS_KEY: optionalString,
    KLING_SECRET_KEY: optionalString,
    KLING_BASE_URL: httpUrl.default('https://api-singapore.klingai.com'),
    LUMA_API_KEY: optionalString,
    LUMA_BASE_URL: httpUrl.default('https://api.lumalabs.ai'),
    FAL_KEY: optionalString,
    FAL_BASE_URL: httpUrl.default('https://queue.fal.run'),
    REPLICATE_API_TOKEN: optionalString,
    REPLICATE_BASE_URL: httpUrl.default('https://api.replicate.com'),
    GEMINI_API_KEY: optionalString,
    GEMINI_BASE_URL: httpUrl.default('https://generativelanguage.googleapis.com'),
    MINIMAX_API_KEY: optionalString,
    MINIMAX_BASE_URL: httpUrl.default('https://api.minimax.io'),
    // Dashboard (dashboard/)
    ADMIN_PASSWORD: optionalString,
    CF_ACCESS_TEAM_DOMAIN: optionalString,
    CF_ACCESS_AUD: optionalString,
    DNS_CHECK_IMAGE_URLS: z
      .enum(['true', 'false'])
      .default('true')
      .transform((value) => value === 'true'),
    // Provider routing, failover, cost and callbacks (core/providers)
    DEFAULT_MODEL: optionalString,
    /** Comma-separated provider names: the failover order (unlisted providers follow). */
    PROVIDER_ORDER: optionalString.transform((value) =>
      (value ?? '')
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean),
    ),
    PROVIDER_FAILOVER: z
      .enum(['true', 'false'])
      .default('true')
      .transform((value) => value === 'true'),
    /** JSON {"provider": {"model" or "*": USD per second}} laid over core/providers/costs.ts. */
    PROVIDER_COSTS: optionalString.refine(
      (value) => typeof parseCostOverrides(value) !== 'string',
      {
        message: 'must be JSON like {"runway":{"gen4_turbo":0.05}} (USD per second)',
      },
    ),
    RUNWAY_API_VERSION: z.string().default('2024-11-06'),
    /** The `whsec_...` signing secret of Replicate webhooks; without it Replicate is polled. */
    REPLICATE_WEBHOOK_SECRET: optionalString,
    FAL_JWKS_URL: httpUrl.default('https://rest.alpha.fal.ai/.well-known/jwks.json'),
  })
  .superRefine((env, ctx) => {
    if (!env.DATABASE_URL && !(env.SUPABASE_URL && env.SUPABASE_SERVICE_ROLE_KEY)) {
      ctx.addIssue({
        code: 'custom',
        path: ['DATABASE_URL'],
        message: 'set DATABASE_URL, or SUPABASE_URL with SUPABASE_SERVICE_ROLE_KEY',
      });
    }
    if (env.RUNTIME_MODE === 'production') {
      for (const key of ['SIGNING_SECRET', 'PUBLIC_BASE_URL'] as const) {
        if (!env[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'is required' });
      }
    }
    const s3 = [env.R2_S3_ENDPOINT, env.R2_ACCESS_KEY_ID, env.R2_SECRET_ACCESS_KEY];
    if (s3.some(Boolean) && !s3.every(Boolean)) {
      ctx.addIssue({
        code: 'custom',
        path: ['R2_S3_ENDPOINT'],
        message: 'R2_S3_ENDPOINT, R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY go together',
      });
    }
  });

export type RawConfig = z.infer<typeof schema>;

export interface Config extends Omit<RawConfig, 'SIGNING_SECRET' | 'PUBLIC_BASE_URL'> {
  SIGNING_SECRET: string;
  PUBLIC_BASE_URL: string;
}

/** The names of every setting, for scripts that pass settings through (e.g. `npm start`). */
export const SETTING_NAMES = Object.keys(schema.shape) as (keyof RawConfig)[];

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'invalid_config';

  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
  }
}

/** Parses settings from a Worker env or process.env; throws ConfigError naming each bad one. */
export function parseConfig(env: Record<string, unknown>): Config {
  const strings: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (typeof value === 'string') strings[key] = value;
  }

  const result = schema.safeParse(strings);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `${issue.path.join('.') || 'config'}: ${issue.message}`),
    );
  }

  const config = result.data;
  return {
    ...config,
    // Outside production a fixed secret keeps local links stable across restarts.
    SIGNING_SECRET: config.SIGNING_SECRET ?? LOCAL_SIGNING_SECRET,
    PUBLIC_BASE_URL: (config.PUBLIC_BASE_URL ?? 'http://127.0.0.1:8787').replace(/\/+$/, ''),
  };
}
