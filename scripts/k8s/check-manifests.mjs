#!/usr/bin/env node
// The chart's rules, checked on its rendered manifests as the API server returns them
// (`kubectl apply --dry-run=server -o json`, so defaults are filled in). Run by scripts/helm-check.sh.
//
//   node scripts/k8s/check-manifests.mjs FILE.json...              # one line per rule, PASS/FAIL
//   node scripts/k8s/check-manifests.mjs --self-test FILE.json...  # each rule must catch a broken copy
//
// Rules, for every container of every workload:
//   - a startup, liveness and readiness probe;
//   - CPU and memory requests and limits;
//   - non-root, read-only root filesystem, no privilege escalation, not privileged, every
//     capability dropped and none added, seccomp RuntimeDefault (container or pod level);
// for every pod: no service account token, no host namespace; for the Node services: a preStop
// pause and a termination grace period longer than preStop + drain + shutdown timeout;
// for every Deployment: a PodDisruptionBudget and a HorizontalPodAutoscaler; every pod selected by
// a NetworkPolicy, and a default-deny policy; no Secret rendered and no secret-looking variable
// with a literal value (secrets come as files: X_FILE).
/* global structuredClone */
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const selfTest = args[0] === '--self-test';
const files = selfTest ? args.slice(1) : args;
if (files.length === 0) {
  console.error('usage: check-manifests.mjs [--self-test] FILE.json...');
  process.exit(2);
}

/** Every object of the files (a List, or one object). */
function load(file) {
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  return doc.kind === 'List' ? doc.items : [doc];
}

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);
const SECRET_NAME = /(SECRET|PASSWORD|TOKEN|PRIVATE_KEY)$/;

function podsOf(objects) {
  return objects
    .filter((o) => WORKLOADS.has(o.kind))
    .map((o) => ({
      owner: `${o.kind}/${o.metadata.name}`,
      object: o,
      spec: o.spec.template.spec,
      labels: o.spec.template.metadata?.labels ?? {},
    }));
}

function matches(selector, labels) {
  if (!selector) return false;
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpressions = (selector.matchExpressions ?? []).every((e) => {
    if (e.operator === 'In') return e.values.includes(labels[e.key]);
    if (e.operator === 'NotIn') return !e.values.includes(labels[e.key]);
    if (e.operator === 'Exists') return e.key in labels;
    if (e.operator === 'DoesNotExist') return !(e.key in labels);
    return false;
  });
  return byLabels && byExpressions;
}

function envValue(container, name) {
  return container.env?.find((e) => e.name === name)?.value;
}

/** rule name → function(objects) returning a list of problems. */
const rules = {
  'every container has a startup, liveness and readiness probe': (objects) =>
    podsOf(objects).flatMap(({ owner, spec }) =>
      spec.containers.flatMap((c) =>
        ['startupProbe', 'livenessProbe', 'readinessProbe']
          .filter((p) => !c[p])
          .map((p) => `${owner} ${c.name}: no ${p}`),
      ),
    ),
  'every container has CPU and memory requests and limits': (objects) =>
    podsOf(objects).flatMap(({ owner, spec }) =>
      [...spec.containers, ...(spec.initContainers ?? [])].flatMap((c) =>
        ['requests', 'limits'].flatMap((kind) =>
          ['cpu', 'memory']
            .filter((r) => !c.resources?.[kind]?.[r])
            .map((r) => `${owner} ${c.name}: no ${r} ${kind}`),
        ),
      ),
    ),
  'every container is non-root, read-only, unprivileged, without capabilities, seccomp RuntimeDefault': (
    objects,
  ) =>
    podsOf(objects).flatMap(({ owner, spec }) =>
      [...spec.containers, ...(spec.initContainers ?? [])].flatMap((c) => {
        const s = c.securityContext ?? {};
        const pod = spec.securityContext ?? {};
        const problems = [];
        if ((s.runAsNonRoot ?? pod.runAsNonRoot) !== true) problems.push('runAsNonRoot is not true');
        if ((s.runAsUser ?? pod.runAsUser) === 0) problems.push('runs as uid 0');
        if (s.readOnlyRootFilesystem !== true) problems.push('root filesystem is writable');
        if (s.allowPrivilegeEscalation !== false) problems.push('privilege escalation is allowed');
        if (s.privileged === true) problems.push('privileged');
        if (!(s.capabilities?.drop ?? []).includes('ALL')) problems.push('capabilities not all dropped');
        if ((s.capabilities?.add ?? []).length > 0)
          problems.push(`capabilities added: ${s.capabilities.add}`);
        if ((s.seccompProfile?.type ?? pod.seccompProfile?.type) !== 'RuntimeDefault')
          problems.push('seccomp is not RuntimeDefault');
        return problems.map((p) => `${owner} ${c.name}: ${p}`);
      }),
    ),
  'no pod gets a service account token or a host namespace': (objects) =>
    podsOf(objects).flatMap(({ owner, spec }) => [
      ...(spec.automountServiceAccountToken === false ? [] : [`${owner}: service account token mounted`]),
      ...['hostNetwork', 'hostPID', 'hostIPC'].filter((h) => spec[h] === true).map((h) => `${owner}: ${h}`),
    ]),
  'Node services drain: preStop pause, grace period > preStop + drain + shutdown timeout': (objects) =>
    podsOf(objects)
      .filter(({ spec }) => spec.containers.some((c) => envValue(c, 'SHUTDOWN_DRAIN_DELAY_MS') !== undefined))
      .flatMap(({ owner, spec }) =>
        spec.containers.flatMap((c) => {
          const pause = c.lifecycle?.preStop?.sleep?.seconds;
          if (pause === undefined) return [`${owner} ${c.name}: no preStop sleep`];
          const needed =
            pause +
            Number(envValue(c, 'SHUTDOWN_DRAIN_DELAY_MS')) / 1000 +
            Number(envValue(c, 'SHUTDOWN_TIMEOUT_MS') ?? 10000) / 1000;
          return spec.terminationGracePeriodSeconds > needed
            ? []
            : [
                `${owner} ${c.name}: terminationGracePeriodSeconds ${spec.terminationGracePeriodSeconds} <= ${needed} s of preStop + drain + shutdown`,
              ];
        }),
      ),
  'every Deployment has a PodDisruptionBudget and a HorizontalPodAutoscaler': (objects) =>
    podsOf(objects)
      .filter(({ object }) => object.kind === 'Deployment')
      .flatMap(({ owner, object, labels }) => [
        ...(objects.some((o) => o.kind === 'PodDisruptionBudget' && matches(o.spec.selector, labels))
          ? []
          : [`${owner}: no PodDisruptionBudget`]),
        ...(objects.some(
          (o) =>
            o.kind === 'HorizontalPodAutoscaler' &&
            o.spec.scaleTargetRef.kind === 'Deployment' &&
            o.spec.scaleTargetRef.name === object.metadata.name,
        )
          ? []
          : [`${owner}: no HorizontalPodAutoscaler`]),
      ]),
  'NetworkPolicies: a default deny, and every pod selected by a policy of its own': (objects) => {
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
    const denies = policies.filter(
      (p) =>
        (p.spec.policyTypes ?? []).includes('Ingress') &&
        (p.spec.policyTypes ?? []).includes('Egress') &&
        !p.spec.ingress?.length &&
        !p.spec.egress?.length,
    );
    const problems = denies.length ? [] : ['no default-deny NetworkPolicy (Ingress and Egress, no rule)'];
    for (const { owner, labels } of podsOf(objects)) {
      if (!denies.some((p) => matches(p.spec.podSelector, labels)))
        problems.push(`${owner}: not under the default deny`);
      const own = policies.filter(
        (p) => !denies.includes(p) && matches(p.spec.podSelector, labels) && p.spec.ingress?.length,
      );
      if (own.length === 0) problems.push(`${owner}: no NetworkPolicy allows anything in`);
    }
    return problems;
  },
  'no Secret rendered, no secret-looking variable with a literal value': (objects) => [
    ...objects.filter((o) => o.kind === 'Secret').map((o) => `Secret/${o.metadata.name} is rendered`),
    ...podsOf(objects).flatMap(({ owner, spec }) =>
      spec.containers.flatMap((c) =>
        (c.env ?? [])
          .filter((e) => SECRET_NAME.test(e.name) && e.value)
          .map((e) => `${owner} ${c.name}: ${e.name} has a literal value`),
      ),
    ),
  ],
};

const objects = files.flatMap(load);
if (podsOf(objects).length === 0) {
  console.error('no workload in the files');
  process.exit(1);
}

if (!selfTest) {
  let failed = 0;
  for (const [name, rule] of Object.entries(rules)) {
    const problems = rule(objects);
    console.log(`${problems.length ? 'FAIL' : 'PASS'}: ${name}`);
    for (const p of problems) console.log(`  ${p}`);
    failed += problems.length ? 1 : 0;
  }
  process.exit(failed ? 1 : 0);
}

// --self-test: one breakage per rule, on a copy; the rule must report it.
const firstDeployment = (o) => o.find((x) => x.kind === 'Deployment');
const breakages = {
  'every container has a startup, liveness and readiness probe': (o) =>
    delete firstDeployment(o).spec.template.spec.containers[0].livenessProbe,
  'every container has CPU and memory requests and limits': (o) =>
    delete firstDeployment(o).spec.template.spec.containers[0].resources.limits.memory,
  'every container is non-root, read-only, unprivileged, without capabilities, seccomp RuntimeDefault': (
    o,
  ) => {
    firstDeployment(o).spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false;
  },
  'no pod gets a service account token or a host namespace': (o) => {
    firstDeployment(o).spec.template.spec.automountServiceAccountToken = true;
  },
  'Node services drain: preStop pause, grace period > preStop + drain + shutdown timeout': (o) => {
    const d = o.find(
      (x) =>
        x.kind === 'Deployment' &&
        x.spec.template.spec.containers.some((c) => envValue(c, 'SHUTDOWN_DRAIN_DELAY_MS')),
    );
    d.spec.template.spec.terminationGracePeriodSeconds = 5;
  },
  'every Deployment has a PodDisruptionBudget and a HorizontalPodAutoscaler': (o) =>
    o.splice(
      o.findIndex((x) => x.kind === 'PodDisruptionBudget'),
      1,
    ),
  'NetworkPolicies: a default deny, and every pod selected by a policy of its own': (o) => {
    for (const p of o.filter((x) => x.kind === 'NetworkPolicy')) p.spec.ingress = [{}];
  },
  'no Secret rendered, no secret-looking variable with a literal value': (o) => {
    firstDeployment(o).spec.template.spec.containers[0].env.push({
      name: 'INTERNAL_TOKEN',
      value: 'written-in-the-manifest',
    });
  },
};
let missed = 0;
for (const [name, rule] of Object.entries(rules)) {
  const copy = structuredClone(objects);
  breakages[name](copy);
  const before = rule(objects).length;
  const after = rule(copy).length;
  const caught = before === 0 && after > 0;
  console.log(`${caught ? 'PASS' : 'FAIL'}: self-test: "${name}" catches its breakage`);
  missed += caught ? 0 : 1;
}
process.exit(missed ? 1 : 0);
