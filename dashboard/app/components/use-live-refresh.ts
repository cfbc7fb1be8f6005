import { useRevalidator } from '@remix-run/react';
import { useEffect } from 'react';

/** Reloads the page's data every `intervalMs` while `active`, pausing when the tab is hidden. */
// LIMITATION: live refresh polls the loaders; there is no push channel from the consumer.
export function useLiveRefresh(active: boolean, intervalMs = 3000): void {
  const revalidator = useRevalidator();
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => {
      const hidden = typeof document !== 'undefined' && document.visibilityState === 'hidden';
      if (!hidden && revalidator.state === 'idle') revalidator.revalidate();
    }, intervalMs);
    return () => clearInterval(timer);
  }, [active, intervalMs, revalidator]);
}
