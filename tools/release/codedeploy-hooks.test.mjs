// Needs: bash, unzip. No AWS, no Docker: `docker`, `aws` and `curl` are stubs on PATH that record
// their arguments and play the part of the instance.
//
//   node --test tools/release/codedeploy-hooks.test.mjs
//
// Builds each app's CodeDeploy revision with codedeploy-revision.sh, unpacks it like the agent does
// and runs its hooks in the order of a deployment (ApplicationStop, BeforeInstall, AfterInstall,
// ApplicationStart, ValidateService), checking what they do to the instance and that
// ValidateService fails (so CodeDeploy rolls back) when the new container is not good.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DIGEST = `sha256:${'ab'.repeat(32)}`;
const REGISTRY = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const GIT_SHA = '0123456789abcdef0123456789abcdef01234567';
const HOOKS = ['ApplicationStop', 'BeforeInstall', 'AfterInstall', 'ApplicationStart', 'ValidateService'];
const tmpDirs = [];

after(() => {
  for (const dir of tmpDirs) fs.rmSync(dir, { recursive: true, force: true });
});

// The stubs keep the "container" in $STUB_DIR/container (status health restarts); $STUB_DIR/calls logs every call.
const DOCKER_STUB = `#!/usr/bin/env bash
echo "docker $*" >> "$STUB_DIR/calls"
state="$STUB_DIR/container"
case "$1" in
  info|pull|login|logout) cat >/dev/null 2>&1 || true; exit 0 ;;
  container)
    [ -f "$state" ] || exit 1
    case "$*" in *'.State.Status}} {{if'*) cat "$state" ;; *) echo "image (running)" ;; esac ;;
  run) echo "\${STUB_RUN_STATE:-running healthy 0}" > "$state"; echo cid ;;
  stop) exit 0 ;;
  rm) rm -f "$state" ;;
  logs) echo '{"message":"worker ready"}' ;;
  image) exit 0 ;;
  *) echo "docker stub: unexpected $*" >&2; exit 1 ;;
esac
`;
const AWS_STUB = `#!/usr/bin/env bash
echo "aws $*" >> "$STUB_DIR/calls"
[ "$1 $2" = "ecr get-login-password" ] && echo token
`;
const CURL_STUB = `#!/usr/bin/env bash
echo "curl $*" >> "$STUB_DIR/calls"
case "$*" in
  *169.254.169.254*) exit 7 ;;
  *readyz*) [ "\${STUB_READYZ:-ok}" = ok ] && [ -f "$STUB_DIR/container" ] && { echo '{"status":"ok"}'; exit 0; }
    echo "curl: (22) The requested URL returned error: 503" >&2; exit 22 ;;
esac
exit 0
`;

/**
 * @param {string} app
 * @param {{ overrides?: string }} [opts]
 */
function setup(app, { overrides } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `ao-hooks-${app}-`));
  tmpDirs.push(dir);
  const bin = path.join(dir, 'bin');
  const etc = path.join(dir, 'etc');
  const revision = path.join(dir, 'deployment-archive');
  fs.mkdirSync(bin);
  fs.mkdirSync(etc);
  for (const [name, body] of Object.entries({ docker: DOCKER_STUB, aws: AWS_STUB, curl: CURL_STUB })) {
    fs.writeFileSync(path.join(bin, name), body, { mode: 0o755 });
  }
  fs.writeFileSync(
    path.join(etc, 'instance.env'),
    ['AO_ENV=dev', `AO_APP=${app}`, 'AWS_REGION=eu-west-1', 'SSM_PARAMETER_PATH=/agent-orchestrator-api/dev', `API_LOG_GROUP=/agent-orchestrator/api`, `WORKER_LOG_GROUP=/agent-orchestrator/worker`, ''].join('\n'),
  );
  if (overrides) fs.writeFileSync(path.join(etc, `${app}.overrides.env`), overrides);
  const zip = path.join(dir, 'revision.zip');
  execFileSync(path.join(ROOT, 'tools/release/codedeploy-revision.sh'), [app, `${REGISTRY}/agent-orchestrator/${app}@${DIGEST}`, zip], {
    env: { ...process.env, GIT_SHA },
    stdio: 'ignore',
  });
  execFileSync('unzip', ['-q', zip, '-d', revision]);
  return { dir, bin, etc, revision, calls: () => fs.readFileSync(path.join(dir, 'calls'), 'utf8') };
}

function runHook(ctx, hook, env = {}) {
  const appspec = fs.readFileSync(path.join(ctx.revision, 'appspec.yml'), 'utf8');
  const location = new RegExp(`${hook}:\\s*\\n\\s*- location: (\\S+)`).exec(appspec)?.[1];
  assert.ok(location, `appspec.yml has no ${hook} hook`);
  return spawnSync(path.join(ctx.revision, location), [], {
    cwd: ctx.revision,
    encoding: 'utf8',
    env: {
      PATH: `${ctx.bin}:${process.env.PATH}`,
      STUB_DIR: ctx.dir,
      AO_ETC_DIR: ctx.etc,
      LIFECYCLE_EVENT: hook,
      DEPLOYMENT_ID: 'd-TEST12345',
      APPLICATION_NAME: 'agent-orchestrator-dev',
      VALIDATE_TIMEOUT_SECONDS: '2',
      VALIDATE_INTERVAL_SECONDS: '1',
      ...env,
    },
  });
}

function deploy(ctx, env = {}) {
  for (const hook of HOOKS) {
    const result = runHook(ctx, hook, env);
    if (result.status !== 0) return { hook, ...result };
  }
  return { hook: null, status: 0, stderr: '' };
}

test('api: a deployment pulls the image, writes a 0600 env file without secrets, runs the container and gates on /readyz', () => {
  const ctx = setup('api', { overrides: '# temporary\nLOG_LEVEL=debug\n' });
  const result = deploy(ctx);
  assert.equal(result.status, 0, `${result.hook} failed:\n${result.stderr}`);

  const calls = ctx.calls();
  assert.match(calls, /aws ecr get-login-password --region eu-west-1/);
  assert.match(calls, new RegExp(`docker login --username AWS --password-stdin ${REGISTRY}`));
  assert.match(calls, new RegExp(`docker pull --quiet ${REGISTRY}/agent-orchestrator/api@${DIGEST}`));
  const run = calls.split('\n').find((l) => l.startsWith('docker run ')) ?? assert.fail('no docker run call');
  for (const part of [
    '--name agent-orchestrator-api',
    '--init',
    '--restart unless-stopped',
    '--stop-timeout 20',
    `--env-file ${ctx.etc}/api.env`,
    '--log-driver awslogs',
    'awslogs-group=/agent-orchestrator/api',
    'awslogs-region=eu-west-1',
    '--publish 80:3000',
    '--cap-drop ALL',
  ]) {
    assert.ok(run.includes(part), `docker run lacks "${part}": ${run}`);
  }
  assert.ok(run.endsWith(`${REGISTRY}/agent-orchestrator/api@${DIGEST}`), run);
  assert.match(calls, /curl -fsS --max-time 5 http:\/\/127\.0\.0\.1:80\/readyz/);

  const envFile = path.join(ctx.etc, 'api.env');
  assert.equal(fs.statSync(envFile).mode & 0o777, 0o600);
  const env = fs.readFileSync(envFile, 'utf8');
  assert.match(env, /^SSM_PARAMETER_PATH=\/agent-orchestrator-api\/dev$/m);
  assert.match(env, /^APP_ENV=dev$/m);
  assert.match(env, /^NODE_ENV=production$/m);
  assert.match(env, /^PORT=3000$/m);
  assert.match(env, /^LOG_LEVEL=debug$/m);
  assert.doesNotMatch(env, /MONGO_URI|REDIS_URL|API_KEY/);
  assert.match(fs.readFileSync(path.join(ctx.etc, 'api.release'), 'utf8'), new RegExp(`^GIT_SHA=${GIT_SHA}$`, 'm'));
});

test('api: a second deployment stops the old container gracefully before starting the new one', () => {
  const ctx = setup('api');
  assert.equal(deploy(ctx).status, 0);
  assert.equal(deploy(ctx).status, 0);
  const lines = ctx.calls().split('\n');
  const stop = lines.findIndex((l) => l === 'docker stop --time 20 agent-orchestrator-api');
  const secondRun = lines.findLastIndex((l) => l.startsWith('docker run '));
  assert.ok(stop > 0 && stop < secondRun, 'docker stop --time 20 comes before the second docker run');
});

test('api: ValidateService fails when /readyz never answers 200, so CodeDeploy rolls back', () => {
  const ctx = setup('api');
  const result = deploy(ctx, { STUB_READYZ: 'fail' });
  assert.equal(result.hook, 'ValidateService');
  assert.notEqual(result.status, 0);
  assert.match(result.stderr, /readyz did not answer 200 in time/);
  assert.ok(!fs.existsSync(path.join(ctx.etc, 'api.release')), 'a failed deployment is not recorded as deployed');
});

test('api: ValidateService fails at once when the container is crash-looping', () => {
  const ctx = setup('api');
  const result = deploy(ctx, { STUB_RUN_STATE: 'restarting starting 3', STUB_READYZ: 'fail', VALIDATE_TIMEOUT_SECONDS: '60' });
  assert.equal(result.hook, 'ValidateService');
  assert.match(result.stderr, /is restarting after 3 restart\(s\)/);
});

test('worker: a deployment runs the container with only its metrics port published and waits for a healthy HEALTHCHECK', () => {
  const ctx = setup('worker');
  const result = deploy(ctx);
  assert.equal(result.status, 0, `${result.hook} failed:\n${result.stderr}`);
  const run = ctx.calls().split('\n').find((l) => l.startsWith('docker run ')) ?? assert.fail('no docker run call');
  assert.ok(run.includes('--stop-timeout 45') && run.includes('awslogs-group=/agent-orchestrator/worker'), run);
  assert.equal(run.match(/--publish \S+/g)?.join(' '), '--publish 9464:9464', run);
  assert.doesNotMatch(fs.readFileSync(path.join(ctx.etc, 'worker.env'), 'utf8'), /^PORT=/m);
});

test('worker: ValidateService fails when the HEALTHCHECK reports unhealthy or never becomes healthy', () => {
  const unhealthy = setup('worker');
  const a = deploy(unhealthy, { STUB_RUN_STATE: 'running unhealthy 0' });
  assert.equal(a.hook, 'ValidateService');
  assert.match(a.stderr, /is unhealthy/);

  const starting = setup('worker');
  const b = deploy(starting, { STUB_RUN_STATE: 'running starting 0' });
  assert.equal(b.hook, 'ValidateService');
  assert.match(b.stderr, /was not healthy in time/);
});

test('ApplicationStop never fails, even on an instance without its settings', () => {
  const ctx = setup('worker');
  fs.rmSync(path.join(ctx.etc, 'instance.env'));
  assert.equal(runHook(ctx, 'ApplicationStop').status, 0);
  assert.notEqual(runHook(ctx, 'BeforeInstall').status, 0, 'the other hooks do fail without instance.env');
});

test('a revision refuses to run another app\'s hooks', () => {
  const ctx = setup('api');
  fs.writeFileSync(path.join(ctx.revision, 'image.env'), fs.readFileSync(path.join(ctx.revision, 'image.env'), 'utf8').replace('APP=api', 'APP=worker'));
  const result = runHook(ctx, 'BeforeInstall');
  assert.notEqual(result.status, 0);
  assert.match(result.stderr, /this revision deploys worker, but its hooks are those of api/);
});

test("an instance of one app's Auto Scaling group refuses a revision of the other app", () => {
  for (const [app, other] of [['api', 'worker'], ['worker', 'api']]) {
    const ctx = setup(app);
    fs.writeFileSync(path.join(ctx.etc, 'instance.env'), fs.readFileSync(path.join(ctx.etc, 'instance.env'), 'utf8').replace(`AO_APP=${app}`, `AO_APP=${other}`));
    const result = runHook(ctx, 'BeforeInstall');
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, new RegExp(`this instance runs the ${other} app .*refusing to deploy ${app} here`));
    assert.doesNotMatch(fs.existsSync(path.join(ctx.dir, 'calls')) ? ctx.calls() : '', /docker pull/);
  }
});
