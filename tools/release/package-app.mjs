#!/usr/bin/env node
// Production package of one app: a folder that installs with `npm ci --omit=dev` in a clean place
// and starts with `node dist/main.js`. The Dockerfiles run exactly this; so does the test next to it.
//
//   node tools/release/package-app.mjs <api|worker> <outDir> [--force]
//
// Needs the app and its libraries built first (`npx nx run-many -t build -p <app>`).
//
// Output:
//   package.json        the app's external dependencies (ranges as in its package.json) plus
//                       "file:packages/<lib>.tgz" for every workspace library it uses, root overrides
//   package-lock.json   pruned from the monorepo's lockfile: every version is the one the monorepo
//                       tested (checked below), the library tarballs carry their integrity
//   packages/*.tgz      `npm pack` of each library: exactly what `npm publish` would ship (its
//                       "files": dist only). They are installed as real packages, because the worker
//                       imports agent packages by name at runtime (AGENTS).
//   dist/               the app's compiled JavaScript (no .d.ts, no tsbuildinfo)
//   dist/healthcheck.js the image's HEALTHCHECK, when the app has its own (src/healthcheck.ts: worker)
//   healthcheck.cjs     otherwise the HEALTHCHECK from tools/release/healthcheck/<app>.cjs (api)
//   release.json        app, version, commit (GIT_SHA or git HEAD) and the library versions inside
//
// Why not Nx's own generator? @nx/js exports createPackageJson and generatePrunedDeployOutput (the
// engines of its prune-lockfile/copy-workspace-modules executors). Tried on this workspace (Nx 23.2.1):
// createPackageJson(isProduction) adds the app's devDependencies (ajv, mongodb) and optional peers of
// test kits (@jest/globals, which drags Jest into the image) because the project graph counts
// package.json devDependencies and spec files as dependencies; generatePrunedDeployOutput fails on
// this npm lockfile ("npm:openai@6.49.0 could not be mapped", the nested copy under
// libs/agents-core) and falls back to the whole root lockfile, which `npm ci` cannot use. We still
// use Nx for what it is good at here: the project graph decides which libraries go in.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const HERE = path.dirname(fileURLToPath(import.meta.url));
const npmCmd = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const log = (msg) => process.stderr.write(`[package-app] ${msg}\n`);
const readJson = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));
const writeJson = (file, data) => fs.writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
const sortKeys = (obj) => Object.fromEntries(Object.entries(obj).sort(([a], [b]) => a.localeCompare(b)));
const DEP_SECTIONS = ['dependencies', 'optionalDependencies', 'peerDependencies'];

class UsageError extends Error {}

/**
 * Packages `app` into `outDir`. Returns a summary (also used by the test).
 * @param {{ app: string, outDir: string, force?: boolean, root?: string }} opts
 */
export async function packageApp({ app, outDir, force = false, root = ROOT }) {
  const started = Date.now();
  const step = timer();
  outDir = path.resolve(outDir);
  prepareOutDir(outDir, force);

  const graph = await loadProjectGraph(root);
  const appNode = graph.nodes[app];
  if (!appNode || appNode.type !== 'app') {
    const apps = Object.values(graph.nodes).filter((n) => n.type === 'app').map((n) => n.name);
    throw new UsageError(`"${app}" is not an app of this workspace (apps: ${apps.join(', ')})`);
  }
  const appRoot = appNode.data.root;
  const healthcheck = findHealthcheck(root, appRoot, app);
  const appPkg = readJson(path.join(root, appRoot, 'package.json'));
  const rootPkg = readJson(path.join(root, 'package.json'));
  const libs = collectLibraries(graph, app, root);
  log(`project graph: ${libs.length} libraries for ${app}: ${libs.map((l) => l.name).join(', ')} (${step()} ms)`);

  // The app and every library must have been built.
  const appMain = path.join(root, appRoot, 'dist', 'main.js');
  const builtHealthcheck = healthcheck.built ? [path.join(root, appRoot, healthcheck.path)] : [];
  const missing = [appMain, ...builtHealthcheck, ...libs.map((l) => path.join(root, l.root, l.pkg.main ?? 'index.js'))].filter((f) => !fs.existsSync(f));
  if (missing.length) {
    throw new UsageError(`not built: ${missing.map((f) => path.relative(root, f)).join(', ')}\nRun: npx nx run-many -t build -p ${app}`);
  }

  // 1. npm pack every library (one npm process for all of them).
  const packagesDir = path.join(outDir, 'packages');
  fs.mkdirSync(packagesDir, { recursive: true });
  const packed = JSON.parse(
    execFileSync(npmCmd, ['pack', '--json', '--pack-destination', packagesDir, ...libs.flatMap((l) => ['--workspace', l.root])], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false', npm_config_loglevel: 'error' },
    }),
  );
  const tarballs = new Map(packed.map((p) => [p.name, p]));
  for (const lib of libs) {
    const p = tarballs.get(lib.name);
    if (!p) throw new Error(`npm pack produced no tarball for ${lib.name}`);
    if (!p.files.some((f) => f.path === (lib.pkg.main ?? 'index.js').replace(/^\.\//, ''))) {
      throw new Error(`${lib.name}: its tarball lacks its "main" (${lib.pkg.main}); check "files" in ${lib.root}/package.json`);
    }
    lib.tarball = p;
  }
  log(`npm pack: ${packed.map((p) => `${p.filename} (${(p.size / 1024).toFixed(1)} kB)`).join(', ')} (${step()} ms)`);

  // 2. package.json
  const workspaceNames = new Set(Object.values(graph.nodes).map((n) => readPackageName(root, n.data.root)).filter(Boolean));
  const externalDeps = {};
  for (const [name, spec] of Object.entries(appPkg.dependencies ?? {})) {
    if (!workspaceNames.has(name)) externalDeps[name] = spec;
  }
  const libSpecs = Object.fromEntries(libs.map((l) => [l.name, `file:packages/${l.tarball.filename}`]));
  const dependencies = sortKeys({ ...externalDeps, ...libSpecs });
  const pkg = {
    name: appPkg.name,
    version: appPkg.version,
    description: appPkg.description,
    license: appPkg.license,
    private: true,
    main: 'dist/main.js',
    scripts: { start: 'node dist/main.js' },
    engines: rootPkg.engines,
    dependencies,
  };
  // Root overrides shape the monorepo's resolution; npm refuses an override of a direct dependency.
  const overrides = Object.fromEntries(Object.entries(rootPkg.overrides ?? {}).filter(([name]) => !dependencies[name]));
  if (Object.keys(overrides).length) pkg.overrides = overrides;
  writeJson(path.join(outDir, 'package.json'), pkg);

  // 3. package-lock.json: the monorepo's lockfile re-rooted on this app, then settled by npm.
  const rootLock = readJson(path.join(root, 'package-lock.json'));
  const seeded = seedLockfile({ rootLock, pkg, appRoot, libs, graph });
  writeJson(path.join(outDir, 'package-lock.json'), seeded);
  execFileSync(npmCmd, ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], {
    cwd: outDir,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const lock = readJson(path.join(outDir, 'package-lock.json'));
  const drift = versionsNotInRootLock(lock, rootLock, libs);
  if (drift.length) {
    log(`WARNING: ${drift.length} package(s) resolved to versions the monorepo lockfile does not have ` +
      `(run npm install at the root?): ${drift.slice(0, 20).join(', ')}`);
  }
  const lockedCount = Object.keys(lock.packages).filter((k) => k.startsWith('node_modules/')).length;
  log(`package-lock.json: ${lockedCount} packages, ${drift.length ? `${drift.length} not` : 'all'} from the monorepo lockfile (${step()} ms)`);

  // 4. The app's JavaScript, its healthcheck, release metadata.
  fs.cpSync(path.join(root, appRoot, 'dist'), path.join(outDir, 'dist'), {
    recursive: true,
    filter: (src) => !/\.tsbuildinfo$|\.d\.ts$|\.d\.ts\.map$/.test(src),
  });
  if (!healthcheck.built) fs.copyFileSync(healthcheck.source, path.join(outDir, healthcheck.path));
  const release = {
    app,
    name: appPkg.name,
    version: appPkg.version,
    commit: gitSha(root),
    libraries: Object.fromEntries(libs.map((l) => [l.name, l.pkg.version])),
  };
  writeJson(path.join(outDir, 'release.json'), release);

  const ms = Date.now() - started;
  log(`${app} packaged into ${outDir} in ${(ms / 1000).toFixed(1)} s; install with: npm ci --omit=dev, start with: node dist/main.js`);
  return { outDir, app, healthcheck: healthcheck.path, libraries: libs.map((l) => l.name), lockedPackages: lockedCount, drift, ms, release };
}

/**
 * The image's HEALTHCHECK script, as a path inside the package. An app that has its own
 * (src/healthcheck.ts) ships it in its build (dist/healthcheck.js); otherwise it is taken from
 * tools/release/healthcheck/<app>.cjs. An app with neither is not deployable.
 * @param {string} root
 * @param {string} appRoot
 * @param {string} app
 * @returns {{ path: string, built: true } | { path: string, built: false, source: string }}
 */
function findHealthcheck(root, appRoot, app) {
  if (fs.existsSync(path.join(root, appRoot, 'src', 'healthcheck.ts'))) return { path: 'dist/healthcheck.js', built: true };
  const source = path.join(HERE, 'healthcheck', `${app}.cjs`);
  if (fs.existsSync(source)) return { path: 'healthcheck.cjs', built: false, source };
  throw new UsageError(
    `${app} has no image healthcheck (${appRoot}/src/healthcheck.ts or ${path.relative(root, source)}): only deployable apps are packaged`,
  );
}

function timer() {
  let last = Date.now();
  return () => {
    const now = Date.now();
    const d = now - last;
    last = now;
    return d;
  };
}

function prepareOutDir(outDir, force) {
  if (fs.existsSync(outDir) && fs.readdirSync(outDir).length > 0) {
    if (!force) throw new UsageError(`${outDir} is not empty (pass --force to replace it)`);
    if (path.resolve(outDir) === ROOT || ROOT.startsWith(`${outDir}${path.sep}`)) throw new UsageError(`refusing to delete ${outDir}`);
    fs.rmSync(outDir, { recursive: true, force: true });
  }
  fs.mkdirSync(outDir, { recursive: true });
}

async function loadProjectGraph(root) {
  process.env.NX_DAEMON ??= 'false';
  process.env.NX_NO_CLOUD ??= 'true';
  process.env.NX_TUI ??= 'false';
  const require = createRequire(path.join(root, 'package.json'));
  const { createProjectGraphAsync, workspaceRoot } = require('@nx/devkit');
  if (path.resolve(workspaceRoot) !== path.resolve(root)) {
    throw new Error(`Nx resolved the workspace root ${workspaceRoot}, expected ${root}; run from inside the repo`);
  }
  return createProjectGraphAsync({ exitOnError: false });
}

function readPackageName(root, projectRoot) {
  try {
    return readJson(path.join(root, projectRoot, 'package.json')).name;
  } catch {
    return undefined;
  }
}

/**
 * Workspace libraries the app needs: every library the Nx project graph reaches from the app
 * (imports, package.json dependencies), plus any workspace package a reached project's
 * package.json declares (npm will want it installed). Apps and other non-libraries are never
 * shipped inside another app.
 */
function collectLibraries(graph, app, root) {
  const byPackageName = new Map();
  for (const node of Object.values(graph.nodes)) {
    const name = readPackageName(root, node.data.root);
    if (name) byPackageName.set(name, node);
  }
  const seen = new Map();
  const queue = [app];
  const visit = (node, from) => {
    if (!node || node.name === app || seen.has(node.name)) return;
    if (node.type !== 'lib') {
      log(`WARNING: ${from} depends on ${node.type} project "${node.name}"; it is not packaged`);
      return;
    }
    const pkg = readJson(path.join(root, node.data.root, 'package.json'));
    if (pkg.private) throw new Error(`library ${node.name} is "private": it cannot be packed and installed`);
    seen.set(node.name, { project: node.name, name: pkg.name, root: node.data.root, pkg });
    queue.push(node.name);
  };
  while (queue.length) {
    const project = queue.shift();
    for (const dep of graph.dependencies[project] ?? []) visit(graph.nodes[dep.target], project);
    const pkg = readJson(path.join(root, graph.nodes[project].data.root, 'package.json'));
    for (const section of DEP_SECTIONS) {
      for (const name of Object.keys(pkg[section] ?? {})) visit(byPackageName.get(name), project);
    }
  }
  return [...seen.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Re-roots the monorepo lockfile on the packaged app: the app's nested node_modules move to the
 * root, each library's nested node_modules move under node_modules/<lib>, other workspace projects
 * and workspace links go, and each library becomes a tarball entry. npm then prunes what the app
 * does not use and resolves anything missing.
 */
function seedLockfile({ rootLock, pkg, appRoot, libs, graph }) {
  if (rootLock.lockfileVersion < 2) throw new Error('package-lock.json must be lockfileVersion 2 or 3');
  const workspaceRoots = new Set(Object.values(graph.nodes).map((n) => n.data.root).filter((r) => r && r !== '.'));
  const relocate = new Map([[appRoot, ''], ...libs.map((l) => [l.root, `node_modules/${l.name}`])]);
  const packages = {
    '': { name: pkg.name, version: pkg.version, license: pkg.license, dependencies: pkg.dependencies, engines: pkg.engines },
  };
  const moved = {};
  for (const [key, entry] of Object.entries(rootLock.packages)) {
    if (key === '' || entry.link) continue;
    const wsRoot = [...workspaceRoots].find((r) => key === r || key.startsWith(`${r}/`));
    if (wsRoot === undefined) {
      packages[key] = entry;
      continue;
    }
    if (key === wsRoot || !relocate.has(wsRoot)) continue; // the project itself, or one not shipped
    const rest = key.slice(wsRoot.length + 1); // node_modules/...
    const base = relocate.get(wsRoot);
    moved[base ? `${base}/${rest}` : rest] = entry;
  }
  Object.assign(packages, moved); // nested copies win over the hoisted ones they shadowed
  for (const lib of libs) {
    const entry = { version: lib.pkg.version, resolved: `file:packages/${lib.tarball.filename}`, integrity: lib.tarball.integrity, license: lib.pkg.license };
    for (const section of [...DEP_SECTIONS, 'peerDependenciesMeta', 'engines']) {
      if (lib.pkg[section]) entry[section] = lib.pkg[section];
    }
    packages[`node_modules/${lib.name}`] = entry;
  }
  return { name: pkg.name, version: pkg.version, lockfileVersion: 3, requires: true, packages };
}

function versionsNotInRootLock(lock, rootLock, libs) {
  const known = new Set();
  for (const [key, entry] of Object.entries(rootLock.packages)) {
    if (!entry.version) continue;
    known.add(`${entry.name ?? key.slice(key.lastIndexOf('node_modules/') + 13)}@${entry.version}`);
  }
  const libNames = new Set(libs.map((l) => l.name));
  const drift = [];
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (!key.startsWith('node_modules/')) continue;
    const name = entry.name ?? key.slice(key.lastIndexOf('node_modules/') + 13);
    if (libNames.has(name)) continue;
    if (!known.has(`${name}@${entry.version}`)) drift.push(`${name}@${entry.version}`);
  }
  return drift;
}

function gitSha(root) {
  if (process.env.GIT_SHA) return process.env.GIT_SHA;
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null; // no git (e.g. inside a docker build, where .git is not in the context)
  }
}

async function main(argv) {
  const args = argv.filter((a) => !a.startsWith('--'));
  const flags = new Set(argv.filter((a) => a.startsWith('--')));
  const unknown = [...flags].filter((f) => f !== '--force');
  if (args.length !== 2 || unknown.length) {
    throw new UsageError('usage: node tools/release/package-app.mjs <app> <outDir> [--force]');
  }
  await packageApp({ app: args[0], outDir: args[1], force: flags.has('--force') });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    () => process.exit(0), // Nx leaves handles open
    (err) => {
      process.stderr.write(`[package-app] ${err instanceof UsageError ? err.message : err.stack ?? err}\n`);
      process.exit(err instanceof UsageError ? 2 : 1);
    },
  );
}
