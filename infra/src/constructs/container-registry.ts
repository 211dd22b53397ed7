import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { Construct } from 'constructs';
import { NAMES, type EnvironmentConfig } from '../config/environment-config';

export const APPS = ['api', 'worker'] as const;
export type AppName = (typeof APPS)[number];

export interface ContainerRegistryProps {
  config: EnvironmentConfig;
}

/**
 * One ECR repository per app (`agent-orchestrator/api`, `agent-orchestrator/worker`):
 * scan on push, immutable tags (push `:<git sha>`, never overwrite), KMS encryption, and a
 * lifecycle that expires untagged images after a few days and keeps the newest N images.
 * Repositories are always retained: deleting the stack must not delete the images running in prod.
 */
export class ContainerRegistry extends Construct {
  readonly repositories: Record<AppName, ecr.Repository>;

  constructor(scope: Construct, id: string, { config }: ContainerRegistryProps) {
    super(scope, id);
    const make = (app: AppName, constructId: string): ecr.Repository =>
      new ecr.Repository(this, constructId, {
        repositoryName: NAMES.ecrRepositories[app],
        imageScanOnPush: true,
        imageTagMutability: ecr.TagMutability.IMMUTABLE,
        encryption: ecr.RepositoryEncryption.KMS,
        removalPolicy: RemovalPolicy.RETAIN,
        lifecycleRules: [
          { rulePriority: 1, description: 'Expire untagged images', tagStatus: ecr.TagStatus.UNTAGGED, maxImageAge: Duration.days(config.ecr.untaggedExpiryDays) },
          { rulePriority: 2, description: `Keep the newest ${config.ecr.maxImageCount} images`, tagStatus: ecr.TagStatus.ANY, maxImageCount: config.ecr.maxImageCount },
        ],
      });
    this.repositories = { api: make('api', 'Api'), worker: make('worker', 'Worker') };
  }
}

