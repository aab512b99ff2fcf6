// The stand-in for an image whose pods need their volumes: the process node runs a container's
// command on the host, where a hostPath volume's mountPath (/var/outputs) is not the volume. This
// wrapper reads its own pod from the API server, rewrites mount paths in the command line to the
// volumes' host paths (as local task runs do), and runs the command in its place. Its first
// argument is a JSON object: { url, token, namespace, cwd?, executables? }.
import { spawn } from 'node:child_process';

const [optionsJson, ...argv] = process.argv.slice(2);
const { url, token, namespace, cwd, executables = {} } = JSON.parse(optionsJson);
const response = await fetch(`${url}/api/v1/namespaces/${namespace}/pods/${process.env.HOSTNAME}`, {
  headers: { authorization: `Bearer ${token}` },
});
if (!response.ok) {
  console.error(`host-mounts: cannot read pod ${namespace}/${process.env.HOSTNAME}: HTTP ${response.status}`);
  process.exit(125);
}
const pod = await response.json();
const same = (c) => JSON.stringify([...(c.command ?? []), ...(c.args ?? [])]) === JSON.stringify(argv);
const container = pod.spec.containers.find(same) ?? pod.spec.containers[0];
const hostPaths = new Map((pod.spec.volumes ?? []).filter((v) => v.hostPath?.path).map((v) => [v.name, v.hostPath.path]));
const mounts = (container.volumeMounts ?? [])
  .filter((m) => hostPaths.has(m.name))
  .map((m) => [m.mountPath.replace(/\/+$/, ''), hostPaths.get(m.name)]);
const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const local = (text) =>
  mounts.reduce((out, [inPod, onHost]) => out.replace(new RegExp(`${escapeRegExp(inPod)}(?=/|$|[^A-Za-z0-9_.-])`, 'g'), onHost), text);
const [program, ...args] = argv.map(local);
const child = spawn(executables[program] ?? program, args, { cwd: cwd ?? process.cwd(), stdio: 'inherit' });
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => child.kill(signal));
child.on('error', (error) => {
  console.error(`host-mounts: ${error.message}`);
  process.exit(127);
});
child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGKILL' ? 137 : 143)));
