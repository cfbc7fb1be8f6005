/** Reads the three quota fields of a form: blank means "use the default". */
import { limit } from './forms.server.ts';
import type { Limits } from '../../../core/store/dashboard-store.ts';

export function readLimits(form: FormData): Limits | null {
  const daily = limit(form.get('daily'));
  const monthly = limit(form.get('monthly'));
  const concurrent = limit(form.get('concurrent'));
  if (daily === 'invalid' || monthly === 'invalid' || concurrent === 'invalid') return null;
  return { daily, monthly, concurrent };
}
