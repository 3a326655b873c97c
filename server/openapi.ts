import { generateOpenApiDocument } from 'trpc-to-openapi';
import { appRouter } from './routers/_app.js';

export function buildOpenApiDocument(baseUrl: string) {
  return generateOpenApiDocument(appRouter, {
    title: 'AITBC Exchange API',
    description:
      'Connect a wallet, see your AITBC balance and history, buy AITBC with Bitcoin. ' +
      'Send the session token from login in the X-Session-Token header (or Authorization: Bearer).',
    version: '1.0.0',
    baseUrl: `${baseUrl}/api`,
    securitySchemes: {
      sessionToken: { type: 'apiKey', in: 'header', name: 'X-Session-Token' },
    },
  });
}
