import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Secret, Service, type IContainer, type IPodSpec } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadConfig, phoneGatewayProblem } from '../../src/config/index.js';
import { envSchema } from '../../src/config/env.js';
import { checkClients } from '../../src/oidc/validate-clients.js';
import { SHUTDOWN_TIMEOUT_MS } from '../../src/server.js';

/*
 * deploy/kubernetes is checked offline, as the monitoring files are: every document against
 * the Kubernetes API schemas, then what Portico needs of it (probes on its paths, no root, no
 * migrations in the pods, secrets only by reference, variables Portico reads), so a renamed
 * variable or a broken manifest fails here rather than in an operator's cluster.
 */

const ROOT = 'deploy/kubernetes';

/** The kinds we ship; a document of any other kind fails, unchecked is not good enough. */
const MODELS = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
} as const;

interface Kustomization {
  resources?: string[];
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return yamlFiles(file);
    return /\.ya?ml$/.test(entry.name) ? [file] : [];
  });
}

function readDocuments(file: string): Array<Record<string, unknown>> {
  return parseAllDocuments(readFileSync(file, 'utf8')).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as Record<string, unknown> | null;
    return value === null ? [] : [value];
  });
}

const files = yamlFiles(ROOT);
const kustomizations = files.filter((file) => path.basename(file) === 'kustomization.yaml');
const manifests = files.filter((file) => !kustomizations.includes(file)).map((file) => ({ file, docs: readDocuments(file) }));
const documents = manifests.flatMap(({ file, docs }) => docs.map((doc) => ({ file, doc })));

function one<K extends keyof typeof MODELS>(key: K, name: string): InstanceType<(typeof MODELS)[K]> {
  const found = documents.filter(({ doc }) => `${String(doc.apiVersion)}/${String(doc.kind)}` === key && (doc.metadata as { name?: string } | undefined)?.name === name);
  expect(found, `${key} ${name}`).toHaveLength(1);
  return new MODELS[key](found[0]!.doc as never) as InstanceType<(typeof MODELS)[K]>;
}

const deployment = one('apps/v1/Deployment', 'portico');
const job = one('batch/v1/Job', 'portico-migrate');
const filesConfigMap = one('v1/ConfigMap', 'portico-config');
const podOf = (workload: { spec?: { template: { spec?: IPodSpec } } }): IPodSpec => workload.spec!.template.spec!;
const server = podOf(deployment).containers.find((c) => c.name === 'portico')!;
const migrator = podOf(job).containers[0]!;

/** Every variable a container is given a value for in a manifest, overridden or not. */
function literalNames(container: IContainer): string[] {
  const fromMaps = (container.envFrom ?? []).flatMap((source) => (source.configMapRef ? Object.keys(one('v1/ConfigMap', source.configMapRef.name!).data ?? {}) : []));
  return [...fromMaps, ...(container.env ?? []).filter((v) => !v.valueFrom).map((v) => v.name)];
}

/** The variables a container sees, and where each comes from. */
function environment(container: IContainer): Map<string, { value?: string; secret?: { name: string; key: string; optional: boolean } }> {
  const seen = new Map<string, { value?: string; secret?: { name: string; key: string; optional: boolean } }>();
  for (const source of container.envFrom ?? []) {
    if (source.secretRef) throw new Error(`${container.name}: envFrom secretRef hides which variables it sets: name each with secretKeyRef`);
    const map = one('v1/ConfigMap', source.configMapRef!.name!);
    for (const [name, value] of Object.entries(map.data ?? {})) seen.set(name, { value });
  }
  for (const variable of container.env ?? []) {
    const ref = variable.valueFrom?.secretKeyRef;
    if (ref) seen.set(variable.name, { secret: { name: ref.name!, key: ref.key, optional: ref.optional ?? false } });
    else if (variable.valueFrom) throw new Error(`${container.name}: ${variable.name}: only literal values and secretKeyRef are expected`);
    else seen.set(variable.name, { value: variable.value ?? '' });
  }
  return seen;
}

const serverEnv = environment(server);
const migratorEnv = environment(migrator);
const schemaVariables = new Set(Object.keys(envSchema.shape));

/** Plausible values for what Secrets provide, to run Portico's own checks over the rest. */
const STAND_INS: Record<string, string> = {
  DATABASE_URL: 'postgres://portico@db.invalid/portico',
  REDIS_URL: 'redis://redis.invalid:6379',
  SMTP_URL: 'smtp://mail.invalid:587',
  COOKIE_SECRETS: 'c'.repeat(48),
  KEYS_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
};

/** Loads the configuration a container would: its ConfigMap values, stand-ins for required secrets, the mounted files. */
function configFor(env: ReturnType<typeof environment>) {
  const dir = mkdtempSync(path.join(tmpdir(), 'portico-k8s-'));
  try {
    const source: Record<string, string> = {};
    for (const [name, from] of env) {
      if (from.value !== undefined) source[name] = from.value;
      else if (!from.secret!.optional) source[name] = STAND_INS[name] ?? `${name.toLowerCase()}-stand-in-0123456789`;
    }
    for (const [name, text] of Object.entries(filesConfigMap.data ?? {})) writeFileSync(path.join(dir, name), text);
    for (const name of ['CLIENTS_FILE', 'POLICY_FILE'] as const) source[name] = path.join(dir, path.basename(source[name]!));
    return loadConfig(source);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('Kubernetes manifests', () => {
  it('are valid against the Kubernetes API schemas, each of a kind we check', () => {
    expect(documents.length).toBeGreaterThanOrEqual(7);
    for (const { file, doc } of documents) {
      const key = `${String(doc.apiVersion)}/${String(doc.kind)}`;
      expect(Object.keys(MODELS), `${file}: ${key}`).toContain(key);
      expect(() => new MODELS[key as keyof typeof MODELS](doc as never).validate(), `${file}: ${key}`).not.toThrow();
    }
  });

  it('are each listed by a kustomization, which names only files that exist', () => {
    const listed = kustomizations.flatMap((file) => {
      const [k] = readDocuments(file) as Kustomization[];
      return (k!.resources ?? []).map((resource) => path.join(path.dirname(file), resource));
    });
    expect(listed.sort()).toEqual(manifests.map(({ file }) => file).sort());
  });

  it('commit no Secret values: Secrets are created in the cluster', () => {
    const secrets = documents.filter(({ doc }) => doc.kind === 'Secret' && (doc.data || doc.stringData));
    expect(secrets.map(({ file }) => file)).toEqual([]);
  });

  it('run the server as it runs in production, with migrations left to the Job', () => {
    expect(serverEnv.get('NODE_ENV')?.value).toBe('production');
    expect(serverEnv.get('AUTO_MIGRATE')?.value).toBe('false');
    expect(serverEnv.has('WORKERS')).toBe(false);
    expect(server.command ?? server.args).toBeUndefined();
  });

  it('probe /readyz for readiness and /healthz for liveness, on the port Portico listens on', () => {
    const port = server.ports!.find((p) => p.containerPort === Number(serverEnv.get('PORT')?.value ?? 3000));
    expect(port?.name).toBeTruthy();
    expect(server.readinessProbe?.httpGet).toMatchObject({ path: '/readyz', port: port!.name });
    expect(server.livenessProbe?.httpGet).toMatchObject({ path: '/healthz', port: port!.name });
    const service = one('v1/Service', 'portico');
    expect(service.spec!.ports!.map((p) => p.targetPort)).toEqual([port!.name]);
    expect(service.spec!.selector).toEqual(deployment.spec!.template.metadata!.labels);
  });

  it('expose METRICS_PORT as the port named metrics, announced to Prometheus', () => {
    const metricsPort = Number(serverEnv.get('METRICS_PORT')?.value);
    expect(server.ports!.find((p) => p.name === 'metrics')?.containerPort).toBe(metricsPort);
    expect(deployment.spec!.template.metadata!.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(metricsPort) });
  });

  it('run without root, privileges or a writable image, in the Deployment and the Job', () => {
    for (const [workload, container] of [[deployment, server], [job, migrator]] as const) {
      const pod = podOf(workload);
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      // The image's user is `node`, a name: the kubelet can only check runAsNonRoot on a number.
      expect(pod.securityContext!.runAsUser).toBeGreaterThan(0);
      expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
      expect(container.resources?.requests).toMatchObject({ cpu: expect.anything(), memory: expect.anything() });
      expect(container.resources?.limits?.memory).toBeTruthy();
      const mounts = new Map(container.volumeMounts!.map((m) => [m.mountPath, m]));
      expect(mounts.get('/etc/portico')?.readOnly).toBe(true);
      // The files Portico is told to read are the ones the ConfigMap mounts.
      const env = environment(container);
      for (const name of ['CLIENTS_FILE', 'POLICY_FILE']) {
        const file = env.get(name)?.value ?? '';
        expect(path.dirname(file), name).toBe('/etc/portico');
        expect(Object.keys(filesConfigMap.data ?? {}), name).toContain(path.basename(file));
      }
      expect(pod.volumes!.find((v) => v.name === mounts.get('/etc/portico')!.name)?.configMap?.name).toBe('portico-config');
      // Nothing in the image is writable: DATA_DIR is unused with DATABASE_URL.
      expect(container.env!.some((v) => v.name === 'DATABASE_URL')).toBe(true);
    }
    expect(podOf(job).containers[0]!.image).toBe(server.image);
  });

  it('outlast Portico\'s shutdown: preStop sleep, then the drain, within the grace period', () => {
    const sleep = server.lifecycle?.preStop?.exec?.command;
    expect(sleep?.[0]).toBe('sleep');
    const preStopSeconds = Number(sleep![1]);
    expect(preStopSeconds).toBeGreaterThan(0);
    expect(podOf(deployment).terminationGracePeriodSeconds).toBeGreaterThan(preStopSeconds + SHUTDOWN_TIMEOUT_MS / 1000);
  });

  it('run `portico migrate` once in the Job', () => {
    expect(migrator.command ?? []).toEqual(['node', 'bin/portico.js', 'migrate']);
    expect(podOf(job).restartPolicy).toBe('Never');
    expect(job.spec!.backoffLimit).toBeGreaterThanOrEqual(0);
    // Its pod must not match the Service's or the budget's selector.
    expect(job.spec!.template.metadata!.labels!['app.kubernetes.io/name']).not.toBe(deployment.spec!.selector.matchLabels!['app.kubernetes.io/name']);
    for (const name of ['DATABASE_URL', 'KEYS_ENCRYPTION_KEY', 'COOKIE_SECRETS']) expect(migratorEnv.get(name)?.secret, name).toEqual(serverEnv.get(name)?.secret);
  });

  it('keep the budget and the autoscaler on the Deployment, scaling on CPU', () => {
    const budget = one('policy/v1/PodDisruptionBudget', 'portico');
    expect(budget.spec!.selector!.matchLabels).toEqual(deployment.spec!.selector.matchLabels);
    expect(budget.spec!.maxUnavailable ?? budget.spec!.minAvailable).toBe(1);
    const hpa = one('autoscaling/v2/HorizontalPodAutoscaler', 'portico');
    expect(hpa.spec!.scaleTargetRef).toMatchObject({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'portico' });
    expect(hpa.spec!.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec!.metrics).toContainEqual(expect.objectContaining({ type: 'Resource', resource: expect.objectContaining({ name: 'cpu', target: expect.objectContaining({ type: 'Utilization' }) }) }));
    // The autoscaler owns the count: a replicas field would reset it on every apply.
    expect(deployment.spec!.replicas).toBeUndefined();
  });

  it('take secrets from Secrets by reference, and only variables Portico reads', () => {
    const clientSecrets = new Set(configFor(serverEnv).clients.secretsFromEnv.map((ref) => ref.variable));
    for (const [container, env] of [[server, serverEnv], [migrator, migratorEnv]] as const) {
      for (const [name, from] of env) {
        if (from.secret) expect(schemaVariables.has(name) || clientSecrets.has(name), `${container.name}: ${name} is neither in src/config/env.ts nor a client_secret_env`).toBe(true);
        else expect(schemaVariables.has(name), `${container.name}: ${name} is not in src/config/env.ts`).toBe(true);
      }
      const literal = literalNames(container).filter((name) => /(^|_)(SECRETS?|TOKEN|KEY|PASSWORD|URL)(_|$)/.test(name) || clientSecrets.has(name));
      expect(literal, `${container.name}: secrets written into a manifest`).toEqual([]);
    }
    for (const name of ['DATABASE_URL', 'COOKIE_SECRETS', 'KEYS_ENCRYPTION_KEY']) expect(serverEnv.get(name)?.secret?.optional, name).toBe(false);
    for (const name of clientSecrets) expect(serverEnv.get(name)?.secret?.optional, `${name}: named by the clients file`).toBe(false);
  });

  it('give the server a configuration Portico starts with in production', async () => {
    // What start-up checks: the environment, the policy, the clients file and its secrets.
    const config = await checkClients(configFor(serverEnv));
    expect(config.production).toBe(true);
    expect(config.autoMigrate).toBe(false);
    expect(config.issuer).toMatch(/^https:\/\//);
    expect(config.databaseUrl).toBeDefined();
    expect(config.redisUrl).toBeDefined();
    expect(config.keysEncryption.key).toBeDefined();
    expect(phoneGatewayProblem(config)).toBeUndefined();
    // The Job opens the database with the same configuration, without the portals' secrets.
    expect(configFor(migratorEnv).databaseUrl).toBeDefined();
  });
});
