import { NAMES, ssmPath, type EnvironmentConfig } from '../config/environment-config';
import type { AppName } from './container-registry';

export interface BootstrapOptions {
  config: EnvironmentConfig;
  /** The one app this instance runs (its Auto Scaling group's): written as AO_APP for the deploy hooks. */
  app: AppName;
  /** Region (a token at synth time). */
  region: string;
  apiRepositoryUri: string;
  workerRepositoryUri: string;
}

/** Where the instance bootstrap writes what the CodeDeploy lifecycle scripts need to know. */
export const INSTANCE_ENV_FILE = '/etc/agent-orchestrator/instance.env';
export const CLOUDWATCH_AGENT_CONFIG = '/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json';

/** CloudWatch agent: memory and root-disk metrics (CWAgent namespace) and the deploy logs. */
export function cloudWatchAgentConfig(): Record<string, unknown> {
  const file = (file_path: string, stream: string) => ({ file_path, log_group_name: NAMES.logGroups.deploy, log_stream_name: `{instance_id}/${stream}`, retention_in_days: -1 });
  return {
    agent: { metrics_collection_interval: 60, run_as_user: 'root' },
    metrics: {
      namespace: 'CWAgent',
      metrics_collected: {
        mem: { measurement: ['mem_used_percent'] },
        disk: { measurement: ['used_percent'], resources: ['/'], drop_device: true },
      },
    },
    logs: {
      logs_collected: {
        files: {
          collect_list: [
            file('/var/log/agent-orchestrator-bootstrap.log', 'bootstrap'),
            file('/var/log/aws/codedeploy-agent/codedeploy-agent.log', 'codedeploy-agent'),
            file('/opt/codedeploy-agent/deployment-root/deployment-logs/codedeploy-agent-deployments.log', 'deployments'),
          ],
        },
      },
    },
  };
}

/**
 * User data for Amazon Linux 2023: installs and starts Docker, the CloudWatch agent and the
 * CodeDeploy agent, and writes INSTANCE_ENV_FILE for the lifecycle scripts, naming the one app
 * this instance runs (AO_APP). The container itself is started by CodeDeploy: each app's deployment
 * group targets only that app's Auto Scaling group, so a new instance gets the last good revision of
 * its own app and nothing else (and the hooks refuse a revision of the other app).
 */
export function bootstrapCommands({ config, app, region, apiRepositoryUri, workerRepositoryUri }: BootstrapOptions): string[] {
  return [
    'set -euo pipefail',
    'exec > >(tee -a /var/log/agent-orchestrator-bootstrap.log) 2>&1',
    `REGION='${region}'`,
    '',
    '# --- Docker (the apps run as containers) ---',
    'dnf install -y docker',
    'mkdir -p /etc/docker',
    // Containers log to CloudWatch with --log-driver awslogs (see infra/README.md); anything else rotates locally.
    `echo '{"log-driver":"json-file","log-opts":{"max-size":"10m","max-file":"3"},"live-restore":true}' > /etc/docker/daemon.json`,
    'systemctl enable --now docker',
    'usermod -aG docker ec2-user',
    '',
    '# --- Amazon CloudWatch agent (host metrics, deploy logs) ---',
    'dnf install -y amazon-cloudwatch-agent',
    `cat > ${CLOUDWATCH_AGENT_CONFIG} <<'CWAGENT'`,
    JSON.stringify(cloudWatchAgentConfig(), null, 2),
    'CWAGENT',
    `/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:${CLOUDWATCH_AGENT_CONFIG}`,
    '',
    '# --- AWS CodeDeploy agent (installer from the regional aws-codedeploy bucket) ---',
    'dnf install -y ruby wget',
    'wget -q -O /tmp/codedeploy-install "https://aws-codedeploy-$REGION.s3.$REGION.amazonaws.com/latest/install"',
    'chmod +x /tmp/codedeploy-install',
    '/tmp/codedeploy-install auto',
    'systemctl enable --now codedeploy-agent',
    '',
    '# --- What the CodeDeploy lifecycle scripts read ---',
    'mkdir -p /etc/agent-orchestrator',
    `cat > ${INSTANCE_ENV_FILE} <<INSTANCEENV`,
    `AO_ENV=${config.envName}`,
    `AO_APP=${app}`,
    'AWS_REGION=$REGION',
    `SSM_PARAMETER_PATH=${ssmPath(config.envName)}`,
    `API_IMAGE_REPOSITORY=${apiRepositoryUri}`,
    `WORKER_IMAGE_REPOSITORY=${workerRepositoryUri}`,
    `API_LOG_GROUP=${NAMES.logGroups.api}`,
    `WORKER_LOG_GROUP=${NAMES.logGroups.worker}`,
    'INSTANCEENV',
    `chmod 0644 ${INSTANCE_ENV_FILE}`,
    'echo "agent-orchestrator bootstrap finished"',
  ];
}
