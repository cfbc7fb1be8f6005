import { useEffect, useState, type ReactNode } from 'react';

/** Renders its children only in the browser, after hydration (charts measure the DOM). */
export function ClientOnly({
  children,
  fallback,
}: {
  children: () => ReactNode;
  fallback: ReactNode;
}) {
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  return <>{mounted ? children() : fallback}</>;
}
