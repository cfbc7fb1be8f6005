import type { ReactNode } from 'react';

/** What an empty list says, and what to do about it. */
export function EmptyState({ children }: { children: ReactNode }) {
  return (
    <div className="empty" role="status">
      {children}
    </div>
  );
}
