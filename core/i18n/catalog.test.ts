import { describe, expect, it } from 'vitest';
import { catalogKeys, failureReason, pickLocale, translate } from './catalog.ts';

describe('message catalog', () => {
  it('gives Chinese every key English has, and no other', () => {
    expect(catalogKeys('zh').sort()).toEqual(catalogKeys('en').sort());
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    expect(translate('en', 'task.generating', { progress: 42 })).toBe('Generating your video… 42%');
    expect(translate('zh', 'task.queued', { position: 3 })).toBe('已排队，前面还有 3 个。');
    expect(translate('en', 'task.queued')).toContain('{position}');
  });

  it('picks zh for Chinese language codes and en otherwise', () => {
    expect(['zh', 'zh-hans', 'zh-CN', 'ZH-tw'].map(pickLocale)).toEqual(['zh', 'zh', 'zh', 'zh']);
    expect([undefined, null, 'en', 'de', ''].map(pickLocale)).toEqual([
      'en',
      'en',
      'en',
      'en',
      'en',
    ]);
  });

  it('explains failures by error code, with a generic reason for unknown codes', () => {
    expect(failureReason('en', 'safety_rejected')).toMatch(/safety/);
    expect(failureReason('zh', 'provider_timeout')).toBe('视频服务暂时不可用，请稍后再试。');
    expect(failureReason('en', 'weird_code')).toBe('something went wrong on our side.');
  });
});
