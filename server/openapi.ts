import { generateOpenApiDocument } from 'trpc-to-openapi';
import { appRouter } from './routers/_app.js';

export function buildOpenApiDocument() {
  return generateOpenApiDocument(appRouter, {
    title: 'AITBC Exchange API',
    description:
      'Connect a wallet, see your AITBC balance and history, buy AITBC with Bitcoin. ' +
      'Send the session token from login in the X-Session-Token header (or Authorization: Bearer).',
    version: '1.0.0',
    // Relative, so Swagger UI's "Try it out" works from whatever host name the page was opened with.
    baseUrl: '/api',
    securitySchemes: {
      sessionToken: { type: 'apiKey', in: 'header', name: 'X-Session-Token' },
    },
  });
}
