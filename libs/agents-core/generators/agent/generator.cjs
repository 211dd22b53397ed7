// `nx g @agent-orchestrator/agents-core:agent <name>`: scaffolds libs/agent-<name>, an agent package
// that builds, lints and passes its conformance specs as generated. Plain CommonJS so Nx loads it
// without a TypeScript transpiler; types are checked through JSDoc (tsconfig.generators.json).
const { existsSync, mkdirSync, symlinkSync } = require('node:fs');
const { join } = require('node:path');
const { formatFiles, generateFiles, joinPathFragments, logger, names, readJson, updateJson } = require('@nx/devkit');

const SCOPE = '@agent-orchestrator';
const MIN_DESCRIPTION_LENGTH = 100;

/**
 * @typedef {object} AgentGeneratorSchema
 * @property {string} name kebab-case, e.g. `translation`
 * @property {string} [description] what the router reads to pick the agent
 * @property {boolean} [skipFormat]
 */

/**
 * The substitutions the templates use.
 * @param {import('@nx/devkit').Tree} tree
 * @param {AgentGeneratorSchema} options
 */
function normalize(tree, options) {
  const name = String(options.name ?? '').trim();
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name)) throw new Error(`Agent name "${name}" must be kebab-case, e.g. "translation".`);
  if (name.startsWith('agent-') || name.endsWith('-agent')) throw new Error(`Give the name without "agent": "${name.replace(/^agent-|-agent$/g, '')}".`);
  const n = names(name);
  const className = `${n.className}Agent`;
  const description =
    options.description?.trim() ||
    `${className} handles ${name.replace(/-/g, ' ')} requests and answers in Markdown. Replace this description with what it does, ` +
      `when the router should pick it and when it should not: the router reads nothing else.`;
  if (description.length < MIN_DESCRIPTION_LENGTH) {
    throw new Error(`The description must be at least ${MIN_DESCRIPTION_LENGTH} characters: say what the agent does, when to pick it and when not.`);
  }
  /** @type {{ version: string, dependencies?: Record<string, string> }} */
  const core = readJson(tree, 'libs/agents-core/package.json');
  /** @type {{ version: string }} */
  const domain = readJson(tree, 'libs/domain/package.json');
  return {
    name,
    projectName: `agent-${name}`,
    projectRoot: `libs/agent-${name}`,
    packageName: `${SCOPE}/agent-${name}`,
    fileName: n.fileName,
    className,
    constantName: n.constantName,
    agentType: name.replace(/-/g, '_'),
    modelSetting: `LLM_${n.constantName}_MODEL`,
    descriptionLiteral: JSON.stringify(description),
    coreRange: `^${core.version}`,
    domainRange: `^${domain.version}`,
    langchainCoreRange: core.dependencies?.['@langchain/core'] ?? '^1.4.0',
    tmpl: '',
  };
}

/**
 * @param {import('@nx/devkit').Tree} tree
 * @param {AgentGeneratorSchema} options
 * @returns {Promise<() => void>}
 */
async function agentGenerator(tree, options) {
  const o = normalize(tree, options);
  if (tree.exists(o.projectRoot)) throw new Error(`${o.projectRoot} already exists.`);
  generateFiles(tree, join(__dirname, 'files'), o.projectRoot, o);

  // The root solution file lists every project (nx sync keeps it so; done here so the tree is complete).
  if (tree.exists('tsconfig.json')) {
    updateJson(tree, 'tsconfig.json', (/** @type {{ references?: { path: string }[] }} */ json) => {
      const path = `./${o.projectRoot}`;
      json.references = json.references ?? [];
      if (!json.references.some((r) => r.path === path)) json.references.push({ path });
      return json;
    });
  }
  if (!options.skipFormat) await formatFiles(tree);

  return () => {
    // What `npm install` would do for a new workspace package, without touching the network:
    // the worker (and anything else) can then resolve the package by name.
    const scopeDir = join(tree.root, 'node_modules', SCOPE);
    const link = join(scopeDir, o.projectName);
    if (existsSync(join(tree.root, 'node_modules')) && !existsSync(link)) {
      mkdirSync(scopeDir, { recursive: true });
      symlinkSync(joinPathFragments('..', '..', o.projectRoot), link, 'dir');
    }
    logger.info(
      [
        '',
        `${o.className} is in ${o.projectRoot} (package ${o.packageName}).`,
        'Next:',
        `  npx nx run-many -t lint typecheck test -p ${o.projectName}`,
        `  edit src/${o.fileName}.prompt.ts and the description in src/${o.fileName}-agent.descriptor.ts`,
        '  npm install --package-lock-only --ignore-scripts --no-audit --no-fund   # record the workspace in the lockfile',
        `  add "${o.packageName}": "^0.1.0" to apps/worker/package.json dependencies, and ${o.packageName} to AGENTS`,
        '  npm install --package-lock-only --ignore-scripts --no-audit --no-fund && npx nx sync   # the lockfile, and the worker\'s tsconfig references',
      ].join('\n'),
    );
  };
}

module.exports = agentGenerator;
module.exports.default = agentGenerator;
module.exports.agentGenerator = agentGenerator;
