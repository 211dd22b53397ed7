import { Duration, type CfnResource } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/environment-config';
import type { AppName } from './container-registry';
import { BACKLOG_EXPRESSION, METRICS } from './monitoring';

export interface ScalingProps {
  config: EnvironmentConfig;
  /** The api group must already be a target of the load balancer (request-count tracking needs it). */
  autoScalingGroups: Record<AppName, autoscaling.AutoScalingGroup>;
}

/**
 * Target tracking, so each app scales on its own load:
 * - api: average CPU of its group and ALB requests per target per minute (scales out when either is over
 *   target, in only when both are under);
 * - worker: backlog per instance, i.e. QueueWaiting (jobs waiting in agent_tasks, from the workers'
 *   "queue depth" log line, Maximum over the minute: every worker reports the same queue) divided by the
 *   group's in-service instances. aws-cdk-lib's L2 takes a single metric, so this policy is the L1 with
 *   a metric-math query.
 */
export class Scaling extends Construct {
  readonly workerBacklogPolicy: autoscaling.CfnScalingPolicy;

  constructor(scope: Construct, id: string, { config, autoScalingGroups }: ScalingProps) {
    super(scope, id);
    const { scaling } = config;
    const warmup = Duration.seconds(scaling.instanceWarmupSeconds);
    const api = autoScalingGroups.api;
    api.scaleOnCpuUtilization('ApiCpuTracking', { targetUtilizationPercent: scaling.apiCpuTargetPercent, estimatedInstanceWarmup: warmup });
    const requests = api.scaleOnRequestCount('ApiRequestTracking', { targetRequestsPerMinute: scaling.apiRequestsPerTargetPerMinute, estimatedInstanceWarmup: warmup });
    // The policy's resource label already Refs the HTTPS listener (which attaches the target group); CDK's extra
    // DependsOn on the listener and its rules is redundant (cfn-lint W3005).
    (requests.node.defaultChild as CfnResource).addDeletionOverride('DependsOn');

    const worker = autoScalingGroups.worker;
    this.workerBacklogPolicy = new autoscaling.CfnScalingPolicy(this, 'WorkerBacklogTracking', {
      autoScalingGroupName: worker.autoScalingGroupName,
      policyType: 'TargetTrackingScaling',
      estimatedInstanceWarmup: scaling.instanceWarmupSeconds,
      targetTrackingConfiguration: {
        targetValue: scaling.workerBacklogPerInstance,
        customizedMetricSpecification: {
          metrics: [
            {
              id: 'waiting',
              label: 'jobs waiting in agent_tasks',
              metricStat: { metric: { namespace: METRICS.namespace, metricName: METRICS.queueWaiting, dimensions: [{ name: 'Environment', value: config.envName }] }, stat: 'Maximum' },
              returnData: false,
            },
            {
              id: 'instances',
              label: 'worker instances in service',
              metricStat: { metric: { namespace: 'AWS/AutoScaling', metricName: 'GroupInServiceInstances', dimensions: [{ name: 'AutoScalingGroupName', value: worker.autoScalingGroupName }] }, stat: 'Average' },
              returnData: false,
            },
            { id: 'backlog', label: 'jobs waiting per worker instance', expression: BACKLOG_EXPRESSION, returnData: true },
          ],
        },
      },
    });
  }
}
