import { router } from '../trpc.js';
import { exchangeRouter } from './exchange.js';
import { usersRouter } from './users.js';

export const appRouter = router({
  users: usersRouter,
  exchange: exchangeRouter,
});

export type AppRouter = typeof appRouter;
