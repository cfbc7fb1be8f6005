/** The Hono environment shared by every route of the edge Worker. */
import type { WorkerEnv, WorkerRuntime } from '../core/runtime/cloudflare.ts';
import type { ApiKeyRecord } from '../core/store/task-store.ts';
import type { Logger } from '../core/tasks/service.ts';

export interface AppEnv {
  Bindings: WorkerEnv;
  Variables: {
    requestId: string;
    logger: Logger;
    runtime: WorkerRuntime;
    apiKey: ApiKeyRecord;
    /**
     * Runs work after the response has left, on this request's runtime, which stays open until
     * the work settles (Telegram and Discord answer at once and finish in the background).
     */
    afterResponse: (work: () => Promise<void>) => void;
  };
}
