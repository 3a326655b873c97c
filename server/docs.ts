import type { ServerResponse } from 'node:http';
// Only the folder's path: the package's main entry would load both 1.5 MB bundles into memory.
import getAbsoluteFSPath from 'swagger-ui-dist/absolute-path.js';
import { sendStaticFile } from './staticFiles.js';

const swaggerRoot = getAbsoluteFSPath();

const page = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>AITBC Exchange API</title>
  <link rel="stylesheet" href="/api/docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/api/docs/swagger-ui-bundle.js"></script>
  <script src="/api/docs/init.js"></script>
</body>
</html>`;

const init = `window.ui = SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#swagger-ui', deepLinking: true });`;

/** Swagger UI from the swagger-ui-dist package, served locally (works offline). */
export function serveDocs(res: ServerResponse, path: string): boolean {
  if (path === '/api/docs' || path === '/api/docs/') {
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.end(page);
    return true;
  }
  if (path === '/api/docs/init.js') {
    res.setHeader('Content-Type', 'text/javascript; charset=utf-8');
    res.end(init);
    return true;
  }
  const file = path.slice('/api/docs/'.length);
  if (!path.startsWith('/api/docs/') || !/^[\w.-]+$/.test(file)) return false;
  return sendStaticFile(res, swaggerRoot, file, 'public, max-age=3600');
}
