/**
 * The message catalog shared by the chat frontends (en, zh). Sections live in ./sections, one
 * per frontend plus `common`; every section must give both languages the same keys.
 */
import { common } from './sections/common.ts';
import { discord } from './sections/discord.ts';
import { telegram } from './sections/telegram.ts';

export const LOCALES = ['en', 'zh'] as const;
export type Locale = (typeof LOCALES)[number];

type Section = { en: Record<string, string>; zh: Record<string, string> };

// Add a frontend's section here; keys are global, so prefix them (e.g. 'tg.', 'dc.').
const sections = [common, telegram, discord] as const satisfies readonly Section[];

type SectionKeys<S> = S extends { en: infer E } ? keyof E : never;
export type MessageKey = SectionKeys<(typeof sections)[number]> & string;

const catalog: Record<Locale, Record<string, string>> = {
  en: Object.assign({}, ...sections.map((section) => section.en)),
  zh: Object.assign({}, ...sections.map((section) => section.zh)),
};

/** The catalog locale for a platform language code ("zh-hans", "zh-CN" → zh; else en). */
export function pickLocale(languageCode: string | null | undefined): Locale {
  return languageCode?.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

/** The message in `locale`, placeholders filled; falls back to English, then to the key. */
export function translate(
  locale: Locale,
  key: MessageKey,
  params: Record<string, string | number> = {},
): string {
  const template = catalog[locale][key] ?? catalog.en[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

/** Every key of every section, for tests that check both languages are complete. */
export function catalogKeys(locale: Locale): string[] {
  return Object.keys(catalog[locale]);
}

/** The failure reason for a task's error code, in `locale`. */
export function failureReason(locale: Locale, errorCode: string | null): string {
  const known: Record<string, MessageKey> = {
    quota_exceeded: 'reason.quota_exceeded',
    safety_rejected: 'reason.safety_rejected',
    provider_unavailable: 'reason.provider_unavailable',
    provider_unreachable: 'reason.provider_unavailable',
    provider_timeout: 'reason.provider_unavailable',
    rate_limited: 'reason.provider_unavailable',
    provider_rejected: 'reason.provider_rejected',
    invalid_image: 'reason.invalid_image',
    unsupported_image: 'reason.invalid_image',
    input_missing: 'reason.invalid_image',
    deadline_exceeded: 'reason.deadline_exceeded',
  };
  return translate(locale, known[errorCode ?? ''] ?? 'reason.unknown');
}
