/**
 * Which provider and model serve a task: the request's choice, else the user's setting, else the
 * deployment's default; and, when a submission fails for a reason another provider would not
 * share (an outage, a rate limit, an empty account), the next enabled provider that can serve it.
 */
import type { AspectRatio, ProviderFailure } from './provider.ts';
import { capabilitiesFor } from './models.ts';
import type { ProviderRegistry } from './registry.ts';

export interface RouteChoice {
  provider: string;
  model: string | undefined;
}

export interface RouteInput {
  request?: { provider?: string | undefined; model?: string | undefined };
  /** A user's saved choice (users.settings.provider / .model). */
  user?: { provider?: unknown; model?: unknown };
  deployment: { provider: string; model?: string | undefined };
}

/** The request's choice, else the user's, else the deployment's; a model follows its provider. */
export function chooseRoute(input: RouteInput): RouteChoice {
  const { request, user, deployment } = input;
  if (request?.provider) return { provider: request.provider, model: request.model };
  if (typeof user?.provider === 'string' && user.provider !== '') {
    const model = request?.model ?? (typeof user.model === 'string' ? user.model : undefined);
    return { provider: user.provider, model };
  }
  return { provider: deployment.provider, model: request?.model ?? deployment.model };
}

/** Submission failures another provider would not share. A timeout is not one: the first
 * provider may have started the job, and a second would be paid for twice. */
export const FAILOVER_CODES: ReadonlySet<string> = new Set([
  'rate_limited',
  'provider_unavailable',
  'provider_unreachable',
  'provider_out_of_credit',
]);

export interface FailoverTask {
  provider: string;
  hasImage: boolean;
  /** The task ends on a second image: only a provider that takes a last frame can serve it. */
  hasLastFrame?: boolean;
  durationSeconds: number;
  ratio: AspectRatio;
  contentType?: 'image/jpeg' | 'image/png' | 'image/webp' | undefined;
}

/**
 * The next provider after `task.provider` in the registry's order whose default model can
 * serve the task, when `problem` is worth failing over for. Never wraps around, so a task
 * visits each provider at most once.
 */
export function failoverTarget(
  registry: ProviderRegistry,
  task: FailoverTask,
  problem: ProviderFailure,
): string | undefined {
  if (!problem.retryable || !FAILOVER_CODES.has(problem.code)) return undefined;
  const names = registry.names();
  const from = names.indexOf(task.provider);
  if (from === -1) return undefined;
  return names.slice(from + 1).find((name) => {
    const provider = registry.get(name);
    if (!provider || name === 'local') return false;
    const choice = capabilitiesFor(provider, undefined);
    if (!choice.ok) return false;
    const caps = choice.capabilities;
    return (
      (task.hasImage ? caps.imageToVideo : caps.textToVideo) &&
      (!task.hasLastFrame || caps.lastFrame) &&
      caps.durations.includes(task.durationSeconds) &&
      caps.ratios.includes(task.ratio) &&
      (!task.hasImage ||
        task.contentType === undefined ||
        caps.imageTypes.includes(task.contentType))
    );
  });
}
