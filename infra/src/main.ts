import { App } from 'aws-cdk-lib';
import { resolve } from 'node:path';
import { buildApp } from './app';
import { InfraConfigError } from './config/environment-config';

/**
 * The CDK app. `nx run infra:synth` runs it with node (no CDK CLI needed) and writes
 * infra/cdk.out; the cdk CLI runs it through infra/cdk.json and sets CDK_OUTDIR itself.
 */
function main(): void {
  const app = new App({ outdir: process.env.CDK_OUTDIR ?? resolve(__dirname, '..', 'cdk.out') });
  try {
    const stacks = buildApp(app);
    const assembly = app.synth();
    for (const stack of stacks) {
      const placeholder = stack.config.adminCidrIsPlaceholder ? ` (admin CIDR: placeholder ${stack.config.adminCidr}; set AO_ADMIN_CIDR before deploying)` : '';
      console.log(`synthesized ${stack.stackName} -> ${resolve(assembly.directory, stack.templateFile)}${placeholder}`);
    }
  } catch (err) {
    if (err instanceof InfraConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}

main();
