import { parseConfig } from './env.js';
import { createServer } from './http.js';
import { createLogger } from './logger.js';

let config;
try {
  config = parseConfig();
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
const log = createLogger(config.logLevel);
const exchange = createServer({ config, log });

exchange.start().catch((err: unknown) => {
  log.fatal({ err }, 'could not start');
  process.exit(1);
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    log.info({ signal }, 'shutting down');
    exchange.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
