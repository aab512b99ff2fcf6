import { describe, expect, it } from 'vitest';
import { buildCreateArgs, MANAGED_LABEL } from './create-args.ts';
import { ContainerSpecError } from './errors.ts';

describe('buildCreateArgs', () => {
  it('creates a named, tflyte-labelled container without network by default', () => {
    expect(buildCreateArgs({ image: 'localhost/app:1' }, 'tflyte-x-1')).toEqual([
      'create',
      '--name=tflyte-x-1',
      '--network=none',
      '--pull=missing',
      `--label=${MANAGED_LABEL}=true`,
      'localhost/app:1',
    ]);
  });

  it('maps command to the entrypoint plus leading arguments and args to the arguments after it', () => {
    const args = buildCreateArgs({ image: 'img', command: ['sh', '-c'], args: ['echo "$0"', 'x'] }, 'n');
    expect(args.slice(-5)).toEqual(['--entrypoint=sh', 'img', '-c', 'echo "$0"', 'x']);
    expect(buildCreateArgs({ image: 'img', args: ['--help'] }, 'n').slice(-2)).toEqual(['img', '--help']);
  });

  it('passes caller labels, env as KEY=VALUE, bind mounts, workdir, host network and limits', () => {
    const args = buildCreateArgs(
      {
        image: 'img',
        labels: { 'tflyte.task': 't1' },
        env: { GREETING: 'a b=c' },
        mounts: [
          { hostPath: '/tmp/in', containerPath: '/in', readOnly: true },
          { hostPath: '/tmp/out', containerPath: '/out' },
        ],
        workdir: '/work',
        network: 'host',
        limits: { cpu: '250m', memory: '64Mi' },
      },
      'n',
    );
    expect(args).toEqual(
      expect.arrayContaining([
        '--network=host',
        '--label=tflyte.task=t1',
        '--env=GREETING=a b=c',
        '--mount=type=bind,source=/tmp/in,target=/in,readonly',
        '--mount=type=bind,source=/tmp/out,target=/out',
        '--workdir=/work',
        '--cpus=0.25',
        '--memory=67108864b',
      ]),
    );
  });

  it('rejects invalid fields by name before anything runs', () => {
    const cases: Array<[Parameters<typeof buildCreateArgs>[0], string]> = [
      [{ image: '' }, 'image'],
      [{ image: '--privileged' }, 'image'],
      [{ image: 'img', mounts: [{ hostPath: 'relative', containerPath: '/in' }] }, 'mounts[0].hostPath'],
      [{ image: 'img', mounts: [{ hostPath: '/a,b', containerPath: '/in' }] }, 'mounts[0].hostPath'],
      [{ image: 'img', workdir: 'work' }, 'workdir'],
      [{ image: 'img', env: { 'A=B': 'x' } }, 'env.A=B'],
      [{ image: 'img', labels: { [MANAGED_LABEL]: 'false' } }, `labels.${MANAGED_LABEL}`],
      [{ image: 'img', network: 'bridge' as 'none' }, 'network'],
      [{ image: 'img', command: [''] }, 'command[0]'],
      [{ image: 'img', limits: { memory: 'much' } }, 'limits.memory'],
    ];
    for (const [spec, field] of cases) {
      expect(() => buildCreateArgs(spec, 'n'), field).toThrow(expect.objectContaining({ code: 'TFLYTE_INVALID_OPTION', field }));
      expect(() => buildCreateArgs(spec, 'n')).toThrow(ContainerSpecError);
    }
  });
});
