// Tasks for the dashboard's suites: a few users on different platforms with completed and
// failed tasks (and their events) spread over the last days, written straight to the database.
import type postgres from 'postgres';

export interface SeededDashboard {
  users: { id: string; platform: string; platformUserId: string }[];
  completedIds: string[];
  failedIds: string[];
}

const PLATFORMS = ['telegram', 'discord', 'api'] as const;
const ERRORS = [
  ['provider_rejected', 'The provider refused the prompt.'],
  ['provider_timeout', 'The provider did not answer in time.'],
] as const;

/**
 * Seeds `perUser` tasks for each of three new users, one every 20 hours back from `at` (now by
 * default); every third task failed.
 */
export async function seedDashboardTasks(
  sql: postgres.Sql,
  options: { perUser?: number; tag?: string; at?: Date } = {},
): Promise<SeededDashboard> {
  const perUser = options.perUser ?? 6;
  const tag = options.tag ?? crypto.randomUUID().slice(0, 8);
  const base = options.at?.getTime() ?? Date.now();
  const seeded: SeededDashboard = { users: [], completedIds: [], failedIds: [] };

  for (const [u, platform] of PLATFORMS.entries()) {
    const platformUserId = `${platform}-${tag}`;
    const [user] = await sql<{ id: string }[]>`
      insert into users (platform, platform_user_id, display_name)
      values (${platform}, ${platformUserId}, ${`Seeded ${platform} ${tag}`})
      returning id`;
    if (!user) throw new Error('user not created');
    seeded.users.push({ id: user.id, platform, platformUserId });

    for (let i = 0; i < perUser; i++) {
      const failed = (i + u) % 3 === 0;
      const [code, message] = ERRORS[i % ERRORS.length] ?? ERRORS[0];
      const createdAt = new Date(base - (i + 1) * 20 * 3600_000 - u * 60_000);
      const seconds = 20 + ((i * 7 + u * 3) % 40);
      const [task] = await sql<{ id: string }[]>`
        insert into video_tasks (
          user_id, status, prompt, source, provider, params, attempts, progress, error_code,
          error_message, output_key, output_bytes, cost_usd, created_at, updated_at, started_at,
          completed_at, deadline_at, quota_charged
        ) values (
          ${user.id}, ${failed ? 'failed' : 'completed'},
          ${`seeded ${tag} ${platform} task ${i}: a calm sea at dusk`}, ${platform}, 'local',
          ${sql.json({ duration: 2, ratio: '1:1' })}, 1, ${failed ? 0 : 100},
          ${failed ? code : null}, ${failed ? message : null},
          ${failed ? null : `outputs/seeded-${tag}-${u}-${i}.mp4`}, ${failed ? null : 123456},
          ${failed ? null : 0.05}, ${createdAt}, ${createdAt}, ${createdAt},
          ${new Date(createdAt.getTime() + seconds * 1000)},
          ${new Date(createdAt.getTime() + 1800_000)}, ${!failed}
        ) returning id`;
      if (!task) throw new Error('task not created');
      (failed ? seeded.failedIds : seeded.completedIds).push(task.id);
      const detail = failed ? { code, message, retryable: false } : { output_bytes: 123456 };
      await sql`
        insert into task_events (task_id, type, detail, created_at)
        values (${task.id}, 'created', ${sql.json({ source: platform })}, ${createdAt}),
               (${task.id}, ${failed ? 'failed' : 'completed'},
                ${sql.json(detail)},
                ${new Date(createdAt.getTime() + seconds * 1000)})`;
    }
  }
  return seeded;
}
