/** Routes of the Telegram frontend (issue 3); mounted by bots/app.ts. */
import { Hono } from 'hono';
import type { AppEnv } from '../context.ts';

export const telegramRoutes = new Hono<AppEnv>();
