import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { NAMES, type EnvironmentConfig } from '../config/environment-config';
import type { AppName } from './container-registry';

/**
 * The metric contract the alarms rely on (documented in infra/README.md, "Metric and log contract").
 * Every metric comes from a metric filter on the apps' JSON log lines, QueueWaiting included (the
 * worker's periodic "queue depth" line).
 */
export const METRICS = {
  namespace: NAMES.metricNamespace,
  /** api: one per request line (`status_code` present). */
  apiRequests: 'ApiRequests',
  /** api: request lines with `status_code` >= 500. */
  api5xx: 'Api5xxErrors',
  /** api: `duration_ms` of each request line. */
  apiLatency: 'ApiLatencyMs',
  /** worker: `latency_ms` (queued → finished, what the client waited) of each "task completed" line. */
  taskLatency: 'TaskLatencyMs',
  tasksCompleted: 'TasksCompleted',
  tasksFailed: 'TasksFailed',
  /** worker: `queue_waiting` of each "queue depth" line (jobs waiting in agent_tasks), dimension Environment from its `environment` (APP_ENV). */
  queueWaiting: 'QueueWaiting',
} as const;

/**
 * The worker scaling metric: jobs waiting per in-service worker instance (AWS's documented "backlog per
 * instance" shape; the group never has fewer than one instance, compute.worker.minInstances >= 1).
 */
export const BACKLOG_EXPRESSION = 'waiting / instances';

/** JSON filter patterns over the apps' log lines (fields from apps/api request-log.middleware.ts and apps/worker process-task.job.ts). */
export const FILTER_PATTERNS = {
  apiRequests: logs.FilterPattern.all(logs.FilterPattern.stringValue('$.service', '=', 'api'), logs.FilterPattern.numberValue('$.status_code', '>=', 100)),
  api5xx: logs.FilterPattern.all(logs.FilterPattern.stringValue('$.service', '=', 'api'), logs.FilterPattern.numberValue('$.status_code', '>=', 500)),
  apiLatency: logs.FilterPattern.all(
    logs.FilterPattern.stringValue('$.service', '=', 'api'),
    logs.FilterPattern.numberValue('$.status_code', '>=', 100),
    logs.FilterPattern.numberValue('$.duration_ms', '>=', 0),
  ),
  taskLatency: logs.FilterPattern.all(
    logs.FilterPattern.stringValue('$.service', '=', 'worker'),
    logs.FilterPattern.stringValue('$.message', '=', 'task completed'),
    logs.FilterPattern.numberValue('$.latency_ms', '>=', 0),
  ),
  tasksCompleted: logs.FilterPattern.all(logs.FilterPattern.stringValue('$.service', '=', 'worker'), logs.FilterPattern.stringValue('$.message', '=', 'task completed')),
  tasksFailed: logs.FilterPattern.all(logs.FilterPattern.stringValue('$.service', '=', 'worker'), logs.FilterPattern.stringValue('$.message', '=', 'task failed')),
  queueWaiting: logs.FilterPattern.all(
    logs.FilterPattern.stringValue('$.service', '=', 'worker'),
    logs.FilterPattern.stringValue('$.message', '=', 'queue depth'),
    logs.FilterPattern.numberValue('$.queue_waiting', '>=', 0),
  ),
};

export interface MonitoringProps {
  config: EnvironmentConfig;
  apiLogGroup: logs.ILogGroup;
  workerLogGroup: logs.ILogGroup;
  /** The api and worker Auto Scaling groups (names). */
  autoScalingGroupNames: Record<AppName, string>;
  loadBalancer: elbv2.IApplicationLoadBalancer;
  apiTargetGroup: elbv2.IApplicationTargetGroup;
  cacheNodeIds: string[];
}

export function alarmName(config: Pick<EnvironmentConfig, 'envName'>, suffix: string): string {
  return `AgentOrchestrator-${config.envName}-${suffix}`;
}

/**
 * Architecture §7.3: the alarms (EC2 CPU, API 5xx error rate, task p95 latency, queue backlog
 * for N minutes), an SNS topic they notify (KMS-encrypted, TLS only, optional e-mail), the
 * metric filters that turn the apps' JSON logs into metrics, and the dashboard
 * `AgentOrchestrator-{env}`.
 */
export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  readonly topicKey: kms.Key;
  readonly alarms: { cpuHigh: cloudwatch.Alarm; apiErrorRate: cloudwatch.Alarm; taskLatencyP95: cloudwatch.Alarm; queueBacklog: cloudwatch.Alarm };
  readonly dashboard: cloudwatch.Dashboard;
  readonly dashboardName: string;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { config, apiLogGroup, workerLogGroup, cacheNodeIds } = props;
    const t = config.alarms;

    // --- notifications ---
    this.topicKey = new kms.Key(this, 'TopicKey', {
      alias: `alias/agent-orchestrator/${config.envName}/alarms`,
      description: `Encrypts the agent-orchestrator ${config.envName} alarm topic`,
      enableKeyRotation: true,
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    // CloudWatch alarms publish to the encrypted topic only if the key lets the service use it.
    this.topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToUseTheKey',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'AlarmTopic', {
      topicName: `agent-orchestrator-${config.envName}-alarms`,
      displayName: `Agent Orchestrator ${config.envName} alarms`,
      masterKey: this.topicKey,
      enforceSSL: true,
    });
    if (config.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(config.alarmEmail));

    // --- metrics from the JSON logs ---
    const filter = (constructId: string, logGroup: logs.ILogGroup, pattern: logs.IFilterPattern, metricName: string, metricValue: string, unit: cloudwatch.Unit, defaultValue?: number): void => {
      new logs.MetricFilter(this, constructId, { logGroup, filterPattern: pattern, metricNamespace: METRICS.namespace, metricName, metricValue, unit, defaultValue });
    };
    filter('ApiRequestsFilter', apiLogGroup, FILTER_PATTERNS.apiRequests, METRICS.apiRequests, '1', cloudwatch.Unit.COUNT, 0);
    filter('Api5xxFilter', apiLogGroup, FILTER_PATTERNS.api5xx, METRICS.api5xx, '1', cloudwatch.Unit.COUNT, 0);
    filter('ApiLatencyFilter', apiLogGroup, FILTER_PATTERNS.apiLatency, METRICS.apiLatency, '$.duration_ms', cloudwatch.Unit.MILLISECONDS);
    filter('TaskLatencyFilter', workerLogGroup, FILTER_PATTERNS.taskLatency, METRICS.taskLatency, '$.latency_ms', cloudwatch.Unit.MILLISECONDS);
    filter('TasksCompletedFilter', workerLogGroup, FILTER_PATTERNS.tasksCompleted, METRICS.tasksCompleted, '1', cloudwatch.Unit.COUNT, 0);
    filter('TasksFailedFilter', workerLogGroup, FILTER_PATTERNS.tasksFailed, METRICS.tasksFailed, '1', cloudwatch.Unit.COUNT, 0);
    // Every worker logs "queue depth" every QUEUE_DEPTH_LOG_INTERVAL_MS (60 s); they all see the same queue, so the alarm
    // takes the Maximum. The dimension comes from the line's `environment` (APP_ENV, which the stack sets to envName).
    new logs.MetricFilter(this, 'QueueWaitingFilter', {
      logGroup: workerLogGroup,
      filterPattern: FILTER_PATTERNS.queueWaiting,
      metricNamespace: METRICS.namespace,
      metricName: METRICS.queueWaiting,
      metricValue: '$.queue_waiting',
      unit: cloudwatch.Unit.COUNT,
      dimensions: { Environment: '$.environment' },
    });

    const fiveMinutes = Duration.minutes(5);
    const custom = (metricName: string, statistic: string, period = fiveMinutes, dimensionsMap?: Record<string, string>): cloudwatch.Metric =>
      new cloudwatch.Metric({ namespace: METRICS.namespace, metricName, statistic, period, dimensionsMap });
    const groupCpu = (app: AppName): cloudwatch.Metric =>
      new cloudwatch.Metric({ namespace: 'AWS/EC2', metricName: 'CPUUtilization', dimensionsMap: { AutoScalingGroupName: props.autoScalingGroupNames[app] }, statistic: 'Average', period: fiveMinutes, label: app });
    const apiCpu = groupCpu('api');
    const workerCpu = groupCpu('worker');
    // The busier of the two groups (each scales on its own; this fires when scaling cannot keep up).
    const cpu = new cloudwatch.MathExpression({ expression: 'MAX([apiCpu, workerCpu])', usingMetrics: { apiCpu, workerCpu }, period: fiveMinutes, label: 'busier group CPU (%)' });
    const requests = custom(METRICS.apiRequests, 'Sum');
    const errors = custom(METRICS.api5xx, 'Sum');
    const errorRate = new cloudwatch.MathExpression({
      expression: `IF(requests >= ${t.api5xxMinRequests}, 100 * errors / requests, 0)`,
      usingMetrics: { requests, errors },
      period: fiveMinutes,
      label: 'API 5xx rate (%)',
    });
    const taskP95 = custom(METRICS.taskLatency, 'p95');
    const queueWaiting = custom(METRICS.queueWaiting, 'Maximum', Duration.minutes(1), { Environment: config.envName });

    // --- alarms ---
    const cpuPeriods = t.cpuEvaluationMinutes / 5;
    const cpuHigh = new cloudwatch.Alarm(this, 'CpuHighAlarm', {
      alarmName: alarmName(config, 'ec2-cpu-high'),
      alarmDescription: `Average CPU of the ${config.envName} api or worker Auto Scaling group above ${t.cpuHighPercent}% for ${t.cpuEvaluationMinutes} minutes. Runbook: docs/operational-runbook.md#alarm-ec2-cpu-high`,
      metric: cpu,
      threshold: t.cpuHighPercent,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: cpuPeriods,
      datapointsToAlarm: cpuPeriods,
      treatMissingData: cloudwatch.TreatMissingData.MISSING,
    });
    const apiErrorRate = new cloudwatch.Alarm(this, 'ApiErrorRateAlarm', {
      alarmName: alarmName(config, 'api-5xx-rate'),
      alarmDescription: `API 5xx responses above ${t.api5xxRatePercent}% of requests (with at least ${t.api5xxMinRequests} requests) in two consecutive 5-minute periods. Runbook: docs/operational-runbook.md#alarm-api-5xx-rate`,
      metric: errorRate,
      threshold: t.api5xxRatePercent,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const taskLatencyP95 = new cloudwatch.Alarm(this, 'TaskLatencyAlarm', {
      alarmName: alarmName(config, 'task-latency-p95'),
      alarmDescription: `p95 task processing time above ${t.taskLatencyP95Ms} ms for 15 minutes. Runbook: docs/operational-runbook.md#alarm-task-latency-p95`,
      metric: taskP95,
      threshold: t.taskLatencyP95Ms,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const queueBacklog = new cloudwatch.Alarm(this, 'QueueBacklogAlarm', {
      alarmName: alarmName(config, 'queue-backlog'),
      alarmDescription: `More than ${t.queueBacklogThreshold} jobs waiting in agent_tasks for ${t.queueBacklogMinutes} consecutive minutes. Runbook: docs/operational-runbook.md#alarm-queue-backlog`,
      metric: queueWaiting,
      threshold: t.queueBacklogThreshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: t.queueBacklogMinutes,
      datapointsToAlarm: t.queueBacklogMinutes,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.alarms = { cpuHigh, apiErrorRate, taskLatencyP95, queueBacklog };
    const action = new cwActions.SnsAction(this.topic);
    for (const alarm of Object.values(this.alarms)) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }

    // --- dashboard ---
    this.dashboardName = `AgentOrchestrator-${config.envName}`;
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName: this.dashboardName, defaultInterval: Duration.hours(6) });
    const ec2Metric = (app: AppName, metricName: string, statistic: string, label: string): cloudwatch.Metric =>
      new cloudwatch.Metric({ namespace: 'AWS/EC2', metricName, dimensionsMap: { AutoScalingGroupName: props.autoScalingGroupNames[app] }, statistic, period: fiveMinutes, label: `${app} ${label}` });
    const inService = (app: AppName, period: Duration): cloudwatch.Metric =>
      new cloudwatch.Metric({ namespace: 'AWS/AutoScaling', metricName: 'GroupInServiceInstances', dimensionsMap: { AutoScalingGroupName: props.autoScalingGroupNames[app] }, statistic: 'Average', period, label: app });
    const alb = props.loadBalancer.metrics;
    const targets = props.apiTargetGroup.metrics;
    const cacheMetric = (metricName: string, statistic: string): cloudwatch.IMetric[] =>
      cacheNodeIds.map((node) => new cloudwatch.Metric({ namespace: 'AWS/ElastiCache', metricName, dimensionsMap: { CacheClusterId: node }, statistic, period: fiveMinutes, label: node }));
    const width = 8;
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: Object.values(this.alarms), width: 24, height: 3 }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'EC2 CPU by group (%)', left: [apiCpu, workerCpu], leftAnnotations: [{ value: t.cpuHighPercent, label: 'alarm' }], width }),
      new cloudwatch.GraphWidget({
        title: 'EC2 network (bytes)',
        left: [ec2Metric('api', 'NetworkIn', 'Sum', 'in'), ec2Metric('api', 'NetworkOut', 'Sum', 'out'), ec2Metric('worker', 'NetworkIn', 'Sum', 'in'), ec2Metric('worker', 'NetworkOut', 'Sum', 'out')],
        width,
      }),
      new cloudwatch.GraphWidget({
        title: 'EC2 memory and disk (%)',
        left: [
          new cloudwatch.MathExpression({ expression: `SEARCH('{CWAgent,host} MetricName="mem_used_percent"', 'Average', 300)`, label: 'memory', period: fiveMinutes }),
          new cloudwatch.MathExpression({ expression: `SEARCH('{CWAgent,host,path} MetricName="disk_used_percent"', 'Average', 300)`, label: 'disk /', period: fiveMinutes }),
        ],
        width,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'API requests and 5xx', left: [requests.with({ label: 'requests' }), errors.with({ label: '5xx' })], right: [errorRate], width }),
      new cloudwatch.GraphWidget({ title: 'API latency (ms)', left: [custom(METRICS.apiLatency, 'p50').with({ label: 'p50' }), custom(METRICS.apiLatency, 'p95').with({ label: 'p95' })], width }),
      new cloudwatch.GraphWidget({ title: 'Queue waiting (agent_tasks)', left: [queueWaiting], leftAnnotations: [{ value: t.queueBacklogThreshold, label: 'alarm' }], width }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Tasks completed / failed', left: [custom(METRICS.tasksCompleted, 'Sum').with({ label: 'completed' }), custom(METRICS.tasksFailed, 'Sum').with({ label: 'failed' })], width }),
      new cloudwatch.GraphWidget({ title: 'Task latency (ms)', left: [custom(METRICS.taskLatency, 'Average').with({ label: 'avg' }), taskP95.with({ label: 'p95' })], leftAnnotations: [{ value: t.taskLatencyP95Ms, label: 'alarm' }], width }),
      new cloudwatch.GraphWidget({ title: 'Instances in service', left: [inService('api', fiveMinutes), inService('worker', fiveMinutes)], width }),
    );
    const oneMinute = Duration.minutes(1);
    const workersInService = inService('worker', oneMinute);
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Load balancer requests and errors',
        left: [alb.requestCount({ period: fiveMinutes, label: 'requests' })],
        right: [
          alb.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { period: fiveMinutes, label: 'ELB 5xx' }),
          targets.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period: fiveMinutes, label: 'target 5xx' }),
        ],
        width,
      }),
      new cloudwatch.GraphWidget({
        title: 'api targets: healthy / unhealthy, response time (s)',
        left: [targets.healthyHostCount({ period: oneMinute, label: 'healthy' }), targets.unhealthyHostCount({ period: oneMinute, label: 'unhealthy' })],
        right: [targets.targetResponseTime({ period: fiveMinutes, statistic: 'p95', label: 'p95 response time' })],
        width,
      }),
      new cloudwatch.GraphWidget({
        title: 'Worker backlog per instance (scaling metric)',
        left: [new cloudwatch.MathExpression({ expression: BACKLOG_EXPRESSION, usingMetrics: { waiting: queueWaiting, instances: workersInService }, period: oneMinute, label: 'waiting per worker' })],
        leftAnnotations: [{ value: config.scaling.workerBacklogPerInstance, label: 'target' }],
        right: [workersInService],
        width,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Valkey engine CPU (%)', left: cacheMetric('EngineCPUUtilization', 'Average'), width }),
      new cloudwatch.GraphWidget({ title: 'Valkey memory used (%)', left: cacheMetric('DatabaseMemoryUsagePercentage', 'Average'), width }),
      new cloudwatch.GraphWidget({ title: 'Valkey connections / evictions', left: cacheMetric('CurrConnections', 'Average'), right: cacheMetric('Evictions', 'Sum'), width }),
    );
  }
}
