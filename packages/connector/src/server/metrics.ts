/**
 * Prometheus metrics per task type and operation, as flytekit's connector service keeps them:
 * request outcomes (success / failure) and latency. Rendered in the text exposition format.
 */

/** Latency buckets in seconds: connector calls take milliseconds to a propeller timeout (10 s). */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

export type Operation = 'create' | 'get' | 'delete' | 'execute_sync' | 'get_metrics' | 'get_logs';
export type Outcome = 'success' | 'failure';

interface Series {
  readonly taskType: string;
  readonly operation: Operation;
  success: number;
  failure: number;
  readonly buckets: number[];
  sum: number;
  count: number;
}

/** The bound on concurrent creates, as the gauges read it. */
export interface SlotUsage {
  readonly held: number;
  readonly waiting: number;
}

const escapeLabel = (value: string): string => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export class ConnectorMetrics {
  readonly #series = new Map<string, Series>();
  readonly #slots = new Map<string, SlotUsage[]>();

  record(taskType: string, operation: Operation, outcome: Outcome, seconds: number): void {
    const key = `${taskType}\u0000${operation}`;
    let series = this.#series.get(key);
    if (series === undefined) {
      series = { taskType, operation, success: 0, failure: 0, buckets: BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.#series.set(key, series);
    }
    series[outcome] += 1;
    BUCKETS.forEach((le, i) => {
      if (seconds <= le) series.buckets[i] = (series.buckets[i] ?? 0) + 1;
    });
    series.sum += seconds;
    series.count += 1;
  }

  /** Reports the bound on creates of `taskType` (read at each render, so the gauges never drift). */
  trackCreateSlots(taskType: string, usage: SlotUsage): void {
    const list = this.#slots.get(taskType) ?? [];
    if (!list.includes(usage)) this.#slots.set(taskType, [...list, usage]);
  }

  /** The Prometheus text format. */
  render(): string {
    const lines: string[] = [];
    const labels = (s: Series): string => `task_type="${escapeLabel(s.taskType)}",operation="${s.operation}"`;
    const all = [...this.#series.values()];
    lines.push('# HELP tflyte_connector_requests_total Connector requests by task type, operation and outcome.');
    lines.push('# TYPE tflyte_connector_requests_total counter');
    for (const s of all) {
      lines.push(`tflyte_connector_requests_total{${labels(s)},outcome="success"} ${s.success}`);
      lines.push(`tflyte_connector_requests_total{${labels(s)},outcome="failure"} ${s.failure}`);
    }
    lines.push('# HELP tflyte_connector_request_duration_seconds Latency of connector requests.');
    lines.push('# TYPE tflyte_connector_request_duration_seconds histogram');
    for (const s of all) {
      for (const [i, le] of BUCKETS.entries())
        lines.push(`tflyte_connector_request_duration_seconds_bucket{${labels(s)},le="${le}"} ${s.buckets[i]}`);
      lines.push(`tflyte_connector_request_duration_seconds_bucket{${labels(s)},le="+Inf"} ${s.count}`);
      lines.push(`tflyte_connector_request_duration_seconds_sum{${labels(s)}} ${s.sum}`);
      lines.push(`tflyte_connector_request_duration_seconds_count{${labels(s)}} ${s.count}`);
    }
    const gauge = (name: string, help: string, read: (u: SlotUsage) => number): void => {
      lines.push(`# HELP ${name} ${help}`);
      lines.push(`# TYPE ${name} gauge`);
      for (const [taskType, usages] of this.#slots)
        lines.push(`${name}{task_type="${escapeLabel(taskType)}"} ${usages.reduce((n, u) => n + read(u), 0)}`);
    };
    gauge(
      'tflyte_connector_creates_in_flight',
      'CreateTask and ExecuteTaskSync calls holding a slot of the bound, per task type.',
      (u) => u.held,
    );
    gauge('tflyte_connector_creates_waiting', 'CreateTask and ExecuteTaskSync calls waiting for a slot, per task type.', (u) => u.waiting);
    // The process's own figures, under the names Prometheus client libraries use, so the usual dashboards work.
    const cpu = process.cpuUsage();
    const memory = process.memoryUsage();
    lines.push('# HELP process_cpu_seconds_total User and system CPU time of the connector process.');
    lines.push('# TYPE process_cpu_seconds_total counter');
    lines.push(`process_cpu_seconds_total ${(cpu.user + cpu.system) / 1e6}`);
    lines.push('# HELP process_resident_memory_bytes Resident memory of the connector process.');
    lines.push('# TYPE process_resident_memory_bytes gauge');
    lines.push(`process_resident_memory_bytes ${memory.rss}`);
    lines.push('# HELP nodejs_heap_size_used_bytes V8 heap in use.');
    lines.push('# TYPE nodejs_heap_size_used_bytes gauge');
    lines.push(`nodejs_heap_size_used_bytes ${memory.heapUsed}`);
    return `${lines.join('\n')}\n`;
  }
}
