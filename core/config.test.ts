import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config.ts';

const local = { RUNTIME_MODE: 'local', DATABASE_URL: 'postgresql://u:p@127.0.0.1:5432/db' };

function problems(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('parseConfig', () => {
  it('applies defaults for a local run', () => {
    const config = parseConfig(local);
    expect(config).toMatchObject({
      DEFAULT_PROVIDER: 'local',
      QUEUE_DRIVER: 'cloudflare',
      TASK_MAX_ATTEMPTS: 3,
      PUBLIC_BASE_URL: 'http://127.0.0.1:8787',
      DNS_CHECK_IMAGE_URLS: true,
    });
    expect(config.SIGNING_SECRET.length).toBeGreaterThanOrEqual(32);
  });

  it('names a missing database setting', () => {
    expect(problems({ RUNTIME_MODE: 'local' })).toEqual([
      'DATABASE_URL: set DATABASE_URL, or SUPABASE_URL with SUPABASE_SERVICE_ROLE_KEY',
    ]);
  });

  it('names each setting production requires', () => {
    const found = problems({ DATABASE_URL: local.DATABASE_URL });
    expect(found).toEqual(['SIGNING_SECRET: is required', 'PUBLIC_BASE_URL: is required']);
  });

  it('names malformed values', () => {
    const found = problems({
      ...local,
      TASK_MAX_ATTEMPTS: 'many',
      LOCAL_PROVIDER_URL: 'ftp://x',
      SIGNING_SECRET: 'short',
    });
    expect(found.map((p) => p.split(':')[0]).sort()).toEqual([
      'LOCAL_PROVIDER_URL',
      'SIGNING_SECRET',
      'TASK_MAX_ATTEMPTS',
    ]);
  });

  it('requires the three R2 S3 settings together', () => {
    expect(problems({ ...local, R2_S3_ENDPOINT: 'https://acc.r2.cloudflarestorage.com' })).toEqual([
      'R2_S3_ENDPOINT: R2_S3_ENDPOINT, R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY go together',
    ]);
  });

  it('ignores bindings that are not strings and blank settings', () => {
    const config = parseConfig({ ...local, MEDIA: { put() {} }, SUPABASE_URL: '  ' });
    expect(config.SUPABASE_URL).toBeUndefined();
  });
});
