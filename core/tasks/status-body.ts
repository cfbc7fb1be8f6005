/** The public view of a task: the REST API's status body and the webhook payload. */
import type { Task } from './task.ts';

/** What GET /api/task-status/:id answers and what a webhook receives. */
export function taskStatusBody(task: Task, videoUrl: string | null) {
  return {
    id: task.id,
    status: task.status,
    progress: task.progress,
    prompt: task.prompt,
    provider: task.provider,
    output_video_url: task.status === 'completed' ? videoUrl : null,
    error: taskError(task),
    created_at: task.createdAt.toISOString(),
    updated_at: task.updatedAt.toISOString(),
  };
}

// A retrying task keeps its last provider error internally; callers only see final errors.
function taskError(task: Task): { code: string; message: string } | null {
  if (task.status === 'failed') {
    return {
      code: task.errorCode ?? 'failed',
      message: task.errorMessage ?? 'The video could not be made.',
    };
  }
  if (task.status === 'canceled') return { code: 'canceled', message: 'The task was canceled.' };
  return null;
}
