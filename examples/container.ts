// Flyte's raw container example (flytesnacks raw_container.py): a shell script in an image with no
// TypeScript in it, computing the area of an ellipse from its inputs. The image is built locally, once:
//   npx node --conditions=@tflyte/source examples/container/image.ts
//   npx tflyte run examples/container.ts calculateEllipseAreaShell --a 2 --b 3
// On a cluster it would be pushed to a registry.
import { t } from '@tflyte/core';
import { containerTask } from '@tflyte/plugin-container';

export const ELLIPSE_IMAGE = 'localhost/tflyte-examples/rawcontainers-shell:v2';

/** Area π·a·b of the ellipse with semi-axes a and b, and a note from the script. */
export const calculateEllipseAreaShell = containerTask({
  name: 'calculateEllipseAreaShell',
  inputDataDir: '/var/inputs',
  outputDataDir: '/var/outputs',
  inputs: { a: t.float(), b: t.float() },
  outputs: { area: t.float(), metadata: t.string() },
  image: ELLIPSE_IMAGE,
  command: ['./calculate-ellipse-area.sh', '{{.inputs.a}}', '{{.inputs.b}}', '/var/outputs'],
});
