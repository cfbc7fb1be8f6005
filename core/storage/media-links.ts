/**
 * Time-limited links to stored objects: presigned R2 URLs when S3 credentials are configured
 * (production), otherwise HMAC-signed links to the Worker's own /media route (local stack).
 */
import type { Config } from '../config.ts';
import type { MediaLinks } from '../tasks/service.ts';
import { createS3Store } from './s3-store.ts';
import { signObjectLink } from './signed-link.ts';

/** Links that expire after VIDEO_LINK_TTL_SECONDS. */
export function createMediaLinks(config: Config, now: () => number = Date.now): MediaLinks {
  const ttl = config.VIDEO_LINK_TTL_SECONDS;
  if (config.R2_S3_ENDPOINT && config.R2_ACCESS_KEY_ID && config.R2_SECRET_ACCESS_KEY) {
    const s3 = createS3Store({
      endpoint: config.R2_S3_ENDPOINT,
      bucket: config.R2_BUCKET_NAME,
      accessKeyId: config.R2_ACCESS_KEY_ID,
      secretAccessKey: config.R2_SECRET_ACCESS_KEY,
    });
    return { link: (key) => s3.presignGetUrl(key, ttl) };
  }
  return {
    link: (key) =>
      signObjectLink({
        baseUrl: config.PUBLIC_BASE_URL,
        key,
        expiresAt: new Date(now() + ttl * 1000),
        secret: config.SIGNING_SECRET,
      }),
  };
}
