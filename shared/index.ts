export * from './schemas/common.js';
export * from './schemas/exchange.js';
export * from './schemas/money.js';
export * from './schemas/users.js';
export type { AppRouter } from '../server/routers/_app.js';
