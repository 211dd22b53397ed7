import { RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { ssmPath, type EnvironmentConfig } from '../config/environment-config';

export interface AppParametersProps {
  config: EnvironmentConfig;
  /** REDIS_URL from the cache this stack creates. */
  redisUrl: string;
}

/**
 * The apps' configuration in SSM Parameter Store under `/agent-orchestrator-api/{env}/NAME`,
 * where NAME is the environment variable the apps read (architecture §6.1).
 *
 * Only non-secret values are created here, as String parameters: APP_ENV, REDIS_URL (from the
 * cache) and the environment config's `parameters`. Secrets (MONGO_URI, OPENAI_API_KEY,
 * TAVILY_API_KEY, API keys) are SecureString parameters created out of band with the KMS key
 * below (CloudFormation cannot create SecureStrings and their values must never be in code);
 * see infra/README.md for the commands.
 */
export class AppParameters extends Construct {
  readonly path: string;
  readonly key: kms.Key;
  readonly keyAlias: string;
  readonly parameters: Record<string, ssm.StringParameter> = {};

  constructor(scope: Construct, id: string, { config, redisUrl }: AppParametersProps) {
    super(scope, id);
    this.path = ssmPath(config.envName);
    this.keyAlias = `alias/agent-orchestrator/${config.envName}/ssm`;
    this.key = new kms.Key(this, 'Key', {
      alias: this.keyAlias,
      description: `Encrypts the agent-orchestrator ${config.envName} SecureString parameters under ${this.path}`,
      enableKeyRotation: true,
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    const values: Record<string, string> = { APP_ENV: config.envName, REDIS_URL: redisUrl, ...config.parameters };
    for (const name of Object.keys(values).sort()) {
      this.parameters[name] = new ssm.StringParameter(this, name, {
        parameterName: `${this.path}/${name}`,
        stringValue: values[name],
        description: `agent-orchestrator ${config.envName}: ${name} (managed by the AgentOrchestrator-${config.envName} stack)`,
        tier: ssm.ParameterTier.STANDARD,
      });
    }
  }
}
