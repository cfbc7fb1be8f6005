// The contract every provider client meets, run against that provider's fake server over real
// HTTP: the documented request, the provider's real sequence of states with progress, a real
// MP4 download, each documented failure, 429 and 5xx, malformed bodies, timeouts, expired
// result URLs, secrets kept out of failures, and callbacks valid, forged and replayed.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type {
  PollResult,
  Provider,
  ProviderCapabilities,
  ProviderFailure,
  SubmitRequest,
  VideoResult,
} from '../../core/providers/provider.ts';
import type { FakeRequest, FakeScript, ProviderFake } from '../fakes/providers/base.ts';
import { postCallback } from '../fakes/providers/base.ts';
import { probeVideo } from '../helpers/media.ts';
import { startCallbackReceiver, type CallbackReceiver } from './callback-receiver.ts';

export interface FailureCase {
  name: string;
  at: 'submit' | 'poll';
  script: FakeScript;
  expect: Partial<ProviderFailure>;
}

export interface ContractSubject {
  name: string;
  start(): Promise<ProviderFake>;
  client(fake: ProviderFake, options?: { timeoutMs?: number; fetch?: typeof fetch }): Provider;
  capabilities: ProviderCapabilities;
  /** A request the provider's default model serves; `callbackUrl` is added by the suite. */
  request: Omit<SubmitRequest, 'callbackUrl'>;
  /** Asserts the submission the fake received is in the documented wire format. */
  checkSubmit(request: FakeRequest): void;
  /** Running polls the fake shows before the outcome (its states, in order). */
  runningStates: number;
  /** Each documented failure, scripted on the fake, and what the client must make of it. */
  failures: FailureCase[];
  /** Secrets the client holds, which must never appear in a failure. */
  secrets: string[];
  /** Why the provider's jobs cannot be lost (404 on poll), when they cannot. */
  noJobLoss?: string;
  callbacks:
    | { none: string }
    | {
        replicateSecret?: string;
        falJwks?: boolean;
        /** A second, forged delivery (bad provider signature or stale), when the provider signs. */
        forge?(callback: { body: string; headers: Record<string, string> }): {
          body: string;
          headers: Record<string, string>;
        };
      };
}

function expectFailure(result: unknown, expected: Partial<ProviderFailure>): ProviderFailure {
  expect(result).toMatchObject({ ok: false, ...expected });
  return result as ProviderFailure;
}

async function pollToEnd(provider: Provider, jobId: string): Promise<PollResult[]> {
  const seen: PollResult[] = [];
  for (let i = 0; i < 20; i += 1) {
    const result = await provider.poll(jobId);
    seen.push(result);
    if (!result.ok || result.state !== 'running') return seen;
  }
  throw new Error('the job never settled');
}

async function download(provider: Provider, video: VideoResult): Promise<Uint8Array> {
  const response = await provider.download?.(video);
  if (!(response instanceof Response))
    throw new Error(`download failed: ${JSON.stringify(response)}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** Registers the whole contract for one provider. */
export function runProviderContract(subject: ContractSubject): void {
  describe(`${subject.name} provider contract`, () => {
    let fake: ProviderFake;
    let provider: Provider;

    const submitted = async (request: Omit<SubmitRequest, 'callbackUrl'> = subject.request) => {
      const result = await provider.submit(request);
      if (!result.ok) throw new Error(`submit failed: ${JSON.stringify(result)}`);
      return result.jobId;
    };
    const finished = async () => {
      const jobId = await submitted();
      const last = (await pollToEnd(provider, jobId)).at(-1);
      if (!last?.ok || last.state !== 'succeeded')
        throw new Error(`not done: ${JSON.stringify(last)}`);
      return last.video;
    };

    beforeAll(async () => {
      fake = await subject.start();
      provider = subject.client(fake);
    });
    afterAll(() => fake.close());
    beforeEach(() => fake.reset());

    it('declares what it can serve', () => {
      expect(provider.name).toBe(subject.name);
      expect(provider.capabilities).toEqual(subject.capabilities);
    });

    it('submits in the documented wire format', async () => {
      await submitted();
      const request = fake.base.requests.at(-1);
      if (!request) throw new Error('the fake received nothing');
      subject.checkSubmit(request);
    });

    it('polls through its states with progress, then downloads a real MP4', async () => {
      fake.script({ default: { runningPolls: subject.runningStates } });
      const jobId = await submitted();

      const seen = await pollToEnd(provider, jobId);

      expect(seen).toHaveLength(subject.runningStates + 1);
      for (const result of seen.slice(0, -1)) {
        expect(result).toMatchObject({ ok: true, state: 'running' });
        if (result.ok && result.state === 'running' && result.progress !== null) {
          expect(result.progress).toBeGreaterThanOrEqual(0);
          expect(result.progress).toBeLessThanOrEqual(100);
        }
      }
      const last = seen.at(-1);
      if (!last?.ok || last.state !== 'succeeded')
        throw new Error(`not done: ${JSON.stringify(last)}`);
      const probe = await probeVideo(await download(provider, last.video));
      expect(probe.codec).toBe('h264');
    });

    it.each(subject.failures)('maps $name', async ({ at, script, expect: expected }) => {
      if (at === 'submit') {
        fake.script(script);
        expectFailure(await provider.submit(subject.request), expected);
        return;
      }
      fake.script({ ...script, default: { runningPolls: 0, ...script.default } });
      const jobId = await submitted();
      expectFailure((await pollToEnd(provider, jobId)).at(-1), expected);
    });

    it('maps a 429 to rate_limited and honours Retry-After', async () => {
      fake.script({ submits: [{ status: 429, retryAfter: 3 }] });

      expectFailure(await provider.submit(subject.request), {
        code: 'rate_limited',
        retryable: true,
        retryAfterMs: 3000,
      });
    });

    it('maps a 5xx on submit and on poll to a retryable provider_unavailable', async () => {
      fake.script({ submits: [{ status: 503 }] });
      expectFailure(await provider.submit(subject.request), {
        code: 'provider_unavailable',
        retryable: true,
      });

      const jobId = await submitted();
      fake.script({ polls: [{ status: 502 }] });
      expectFailure(await provider.poll(jobId), { code: 'provider_unavailable', retryable: true });
    });

    it('maps malformed bodies to a retryable provider_bad_response', async () => {
      fake.script({ submits: [{ malformed: true }] });
      expectFailure(await provider.submit(subject.request), {
        code: 'provider_bad_response',
        retryable: true,
      });

      const jobId = await submitted();
      fake.script({ polls: [{ malformed: true }] });
      expectFailure(await provider.poll(jobId), { code: 'provider_bad_response' });
    });

    it('times out a provider that does not answer', async () => {
      const impatient = subject.client(fake, { timeoutMs: 200 });
      fake.script({ submits: [{ delayMs: 1500 }] });

      expectFailure(await impatient.submit(subject.request), {
        code: 'provider_timeout',
        retryable: true,
      });
    });

    it('refuses to download an expired result URL and asks for a resubmission', async () => {
      const video = await finished();
      fake.script({ downloads: [{ status: 403 }, { status: 410 }] });

      for (let i = 0; i < 2; i += 1) {
        expectFailure(await provider.download?.(video), {
          code: 'result_expired',
          retryable: true,
          resubmit: true,
        });
      }
    });

    if (subject.noJobLoss) {
      it.skip(`maps a lost job to a resubmission — skipped: ${subject.noJobLoss}`, () => {});
    } else {
      it('maps a job the provider lost to provider_job_lost with resubmit', async () => {
        const jobId = await submitted();
        fake.script({ polls: [{ lose: true }] });

        expectFailure(await provider.poll(jobId), {
          code: 'provider_job_lost',
          retryable: true,
          resubmit: true,
        });
      });
    }

    it('keeps its secrets out of every failure', async () => {
      fake.script({ submits: [{ status: 401 }] });
      const refused = expectFailure(await provider.submit(subject.request), {
        code: 'provider_auth_failed',
        retryable: false,
      });
      const unreachable = await subject
        .client({ ...fake, url: 'http://127.0.0.1:9' })
        .submit(subject.request);

      for (const problem of [refused, unreachable]) {
        const text = JSON.stringify(problem);
        for (const secret of subject.secrets) expect(text).not.toContain(secret);
        expect(text).not.toMatch(/127\.0\.0\.1/);
      }
    });

    describeCallbacks(subject, () => ({ fake, provider }));
  });
}

function describeCallbacks(
  subject: ContractSubject,
  current: () => { fake: ProviderFake; provider: Provider },
): void {
  const { callbacks } = subject;
  if ('none' in callbacks) {
    it.skip(`callbacks valid, forged and replayed — skipped: ${callbacks.none}`, () => {});
    return;
  }

  describe('callbacks', () => {
    let receiver: CallbackReceiver;
    const taskId = crypto.randomUUID();

    beforeAll(async () => {
      const { fake } = current();
      const jwks = `${fake.url}/.well-known/jwks.json`;
      receiver = await startCallbackReceiver({
        ...(callbacks.replicateSecret ? { replicateSecret: callbacks.replicateSecret } : {}),
        ...(callbacks.falJwks
          ? { falKeys: async () => ((await (await fetch(jwks)).json()) as { keys: [] }).keys }
          : {}),
      });
    });
    afterAll(() => receiver.close());

    /** A finished job submitted with a callback URL, and the callback the provider sends. */
    const deliveredJob = async () => {
      const { fake, provider } = current();
      const callbackUrl = await receiver.callbackUrl(subject.name, taskId);
      const result = await provider.submit({ ...subject.request, callbackUrl });
      if (!result.ok) throw new Error('submit failed');
      const job = fake.lastJob();
      if (!job) throw new Error('no job');
      expect(job.callbackUrl).toBe(callbackUrl);
      const callback = await fake.callbackFor?.(job);
      if (!callback) throw new Error('the fake sent no callback');
      return { callbackUrl, callback };
    };

    it('a valid callback wakes its task, once even when replayed', async () => {
      receiver.wakes.length = 0;
      const { callbackUrl, callback } = await deliveredJob();

      const first = await postCallback(callbackUrl, callback.body, callback.headers);
      const replayed = await postCallback(callbackUrl, callback.body, callback.headers);

      expect(first.status).toBe(200);
      expect(replayed.status).toBe(200);
      expect(JSON.parse(replayed.body)).toMatchObject({ duplicate: true });
      expect(receiver.wakes).toEqual([taskId]);
    });

    it('a callback with a forged task token changes nothing', async () => {
      receiver.wakes.length = 0;
      const { callbackUrl, callback } = await deliveredJob();
      const forged = new URL(callbackUrl);
      forged.searchParams.set('task', crypto.randomUUID());
      const expired = await receiver.callbackUrl(subject.name, taskId, new Date(Date.now() - 1000));

      const other = await postCallback(forged.toString(), callback.body, callback.headers);
      const late = await postCallback(expired, callback.body, callback.headers);

      expect([other.status, late.status]).toEqual([401, 401]);
      expect(receiver.wakes).toEqual([]);
    });

    if (callbacks.forge) {
      const forge = callbacks.forge;
      it('a callback without a valid provider signature changes nothing', async () => {
        receiver.wakes.length = 0;
        const { callbackUrl, callback } = await deliveredJob();
        const forged = forge(callback);

        const result = await postCallback(callbackUrl, forged.body, forged.headers);

        expect(result.status).toBe(401);
        expect(receiver.wakes).toEqual([]);
      });
    } else {
      const reason = `${subject.name} signs nothing; the task token is the proof`;
      it.skip(`a callback with a forged provider signature — skipped: ${reason}`, () => {});
    }
  });
}
