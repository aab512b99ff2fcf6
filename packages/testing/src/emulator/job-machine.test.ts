import { describe, expect, it } from 'vitest';
import { JobMachine } from './job-machine.ts';

const held = (fail?: string) => {
  const ran: number[] = [];
  const jobs = new JobMachine<{ readonly n: number }, number, string>({
    queuedMs: Number.POSITIVE_INFINITY,
    runningMs: Number.POSITIVE_INFINITY,
    work: async (job) => {
      ran.push(job.spec.n);
      return { ok: true, result: job.spec.n + 1 };
    },
    crashed: String,
    ...(fail === undefined ? {} : { plan: () => ({ fail }) }),
  });
  return { jobs, ran };
};

const settled = async (jobs: JobMachine<{ readonly n: number }, number, string>, id: string) => {
  while (jobs.get(id)?.state === 'RUNNING') await new Promise((r) => setImmediate(r));
  return jobs.get(id);
};

describe('JobMachine', () => {
  it('moves a job QUEUED → RUNNING → SUCCEEDED, running its work once', async () => {
    const { jobs, ran } = held();
    const { job } = jobs.submit({ n: 1 });
    expect(job.state).toBe('QUEUED');
    expect(jobs.advance(job.id)).toBe(true);
    expect(jobs.get(job.id)).toMatchObject({ state: 'RUNNING', runs: 0 });
    jobs.advance(job.id);
    expect(await settled(jobs, job.id)).toMatchObject({ state: 'SUCCEEDED', result: 2, runs: 1 });
    expect(ran).toEqual([1]);
    expect(jobs.advance(job.id)).toBe(false);
  });

  it('returns the job already started for a known idempotency token', () => {
    const { jobs } = held();
    const first = jobs.submit({ n: 1 }, 'token-a');
    const again = jobs.submit({ n: 1 }, 'token-a');
    expect(first.created).toBe(true);
    expect(again).toEqual({ job: first.job, created: false });
    expect(jobs.list()).toHaveLength(1);
  });

  it('cancels a job before its work runs, so it has no side effects; stopping again changes nothing', () => {
    const { jobs, ran } = held();
    const { job } = jobs.submit({ n: 1 });
    jobs.advance(job.id);
    jobs.stop(job.id, 'stopped by user');
    jobs.stop(job.id, 'again');
    expect(jobs.get(job.id)).toMatchObject({ state: 'CANCELLED', failure: 'stopped by user', runs: 0 });
    expect(ran).toEqual([]);
  });

  it('fails a job by plan instead of running it', () => {
    const { jobs, ran } = held('quota exceeded');
    const { job } = jobs.submit({ n: 1 });
    jobs.advance(job.id);
    jobs.advance(job.id);
    expect(jobs.get(job.id)).toMatchObject({ state: 'FAILED', failure: 'quota exceeded', runs: 0 });
    expect(ran).toEqual([]);
  });

  it('refuses a duration it cannot schedule, naming it', () => {
    expect(
      () => new JobMachine({ queuedMs: -1, work: async () => ({ ok: true, result: 0 }), crashed: String, server: 'Jobs server' }),
    ).toThrow(/Jobs server: queuedMs must be a number of milliseconds/);
  });
});
