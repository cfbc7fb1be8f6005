/** Routes of the Discord frontend (issue 4); mounted by bots/app.ts. */
import { Hono } from 'hono';
import type { AppEnv } from '../context.ts';

export const discordRoutes = new Hono<AppEnv>();
