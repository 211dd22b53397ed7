// Docker HEALTHCHECK of the api image (shipped as /app/healthcheck.cjs): GET /healthz on the
// container's own port. Exit 0 = healthy, 1 = unhealthy. Liveness only: readiness (/readyz, which
// also checks MongoDB and Redis) is what the deployment's ValidateService hook gates on.
'use strict';
const http = require('node:http');

const port = Number(process.env.PORT || 3000);
const req = http.get({ host: '127.0.0.1', port, path: '/healthz', timeout: 4000 }, (res) => {
  res.resume();
  if (res.statusCode !== 200) console.error(`healthcheck: /healthz answered ${res.statusCode}`);
  process.exit(res.statusCode === 200 ? 0 : 1);
});
req.on('timeout', () => req.destroy(new Error('timed out after 4000 ms')));
req.on('error', (err) => {
  console.error(`healthcheck: GET http://127.0.0.1:${port}/healthz failed: ${err.message}`);
  process.exit(1);
});
