import { describe, expect, it } from 'vitest';
import { parseFieldSelector, parseLabelSelector } from './selectors.ts';
import { KubeStatusError } from './status.ts';
import type { KubeObject } from './types.ts';

const pod = (labels: Record<string, string>, phase = 'Running'): KubeObject => ({
  metadata: { name: 'p', namespace: 'ns', labels },
  status: { phase },
});

describe('label selectors', () => {
  it.each([
    ['app=web', true],
    ['app==web', true],
    ['app!=web', false],
    ['app in (web, db)', true],
    ['app notin (web)', false],
    ['tier', false],
    ['!tier', true],
    ['app=web,env in (prod)', true],
    ['app=web,env=dev', false],
    ['rank>2', true],
    ['rank<2', false],
    ['', true],
  ])('%s selects {app: web, env: prod, rank: 3}: %s', (selector, expected) => {
    expect(parseLabelSelector(selector)(pod({ app: 'web', env: 'prod', rank: '3' }))).toBe(expected);
  });

  it('rejects a selector it cannot parse with 400', () => {
    expect(() => parseLabelSelector('app in web')).toThrow(KubeStatusError);
  });
});

describe('field selectors', () => {
  const fields = { 'status.phase': (o: KubeObject) => String((o.status as { phase: string }).phase) };

  it('matches metadata.name, metadata.namespace and type-specific fields with =, == and !=', () => {
    expect(parseFieldSelector('metadata.name=p,metadata.namespace==ns', fields)(pod({}))).toBe(true);
    expect(parseFieldSelector('status.phase!=Running', fields)(pod({}))).toBe(false);
    expect(parseFieldSelector('status.phase=Pending', fields)(pod({}, 'Pending'))).toBe(true);
  });

  it('rejects fields the type does not support with 400', () => {
    try {
      parseFieldSelector('spec.bogus=1', fields);
      expect.unreachable();
    } catch (error) {
      expect((error as KubeStatusError).status).toMatchObject({ code: 400, message: 'field label not supported: spec.bogus' });
    }
  });
});
