/** Routes of the provider callbacks (issue 5); mounted by bots/app.ts. */
import { Hono } from 'hono';
import type { AppEnv } from '../context.ts';

export const providerCallbackRoutes = new Hono<AppEnv>();
