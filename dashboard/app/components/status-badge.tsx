import type { TaskStatus } from '../../../core/tasks/task.ts';

export function StatusBadge({ status }: { status: TaskStatus }) {
  return <span className={`badge ${status}`}>{status}</span>;
}
