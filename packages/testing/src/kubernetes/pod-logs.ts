/**
 * Container logs behind `GET …/pods/{name}/log`: the node appends process output here, tests may set logs
 * directly, and followers (`follow=true`) receive appends until the container ends.
 */

interface ContainerLog {
  text: string;
  previous: string | undefined;
  ended: boolean;
  followers: Set<{ onChunk: (chunk: string) => void; onEnd: () => void }>;
}

export interface LogReadOptions {
  tailLines?: number;
  limitBytes?: number;
  previous?: boolean;
}

/** Bytes kept per container; older output is dropped first, as kubelet log rotation would. */
const MAX_LOG_BYTES = 4 * 1024 * 1024;

export class PodLogs {
  readonly #logs = new Map<string, Map<string, ContainerLog>>();

  #entry(podUid: string, container: string): ContainerLog {
    let pod = this.#logs.get(podUid);
    if (pod === undefined) {
      pod = new Map();
      this.#logs.set(podUid, pod);
    }
    let log = pod.get(container);
    if (log === undefined) {
      log = { text: '', previous: undefined, ended: false, followers: new Set() };
      pod.set(container, log);
    }
    return log;
  }

  append(podUid: string, container: string, chunk: string): void {
    const log = this.#entry(podUid, container);
    log.text += chunk;
    if (log.text.length > MAX_LOG_BYTES) log.text = log.text.slice(log.text.length - MAX_LOG_BYTES);
    for (const f of log.followers) f.onChunk(chunk);
  }

  /** A new run of the container starts: the current log becomes the `previous=true` one. */
  restart(podUid: string, container: string): void {
    const log = this.#entry(podUid, container);
    log.previous = log.text;
    log.text = '';
    log.ended = false;
  }

  finish(podUid: string, container: string): void {
    const log = this.#entry(podUid, container);
    log.ended = true;
    for (const f of log.followers) f.onEnd();
    log.followers.clear();
  }

  read(podUid: string, container: string, options: LogReadOptions = {}): string | undefined {
    const log = this.#logs.get(podUid)?.get(container);
    let text = options.previous === true ? log?.previous : log?.text;
    if (text === undefined) return undefined;
    if (options.tailLines !== undefined) {
      const lines = text.split(/(?<=\n)/);
      text = lines.slice(Math.max(0, lines.length - options.tailLines)).join('');
    }
    if (options.limitBytes !== undefined) text = Buffer.from(text).subarray(0, options.limitBytes).toString('utf8');
    return text;
  }

  /** Streams appends until the container ends (immediately if it already has). Returns an unsubscribe. */
  follow(podUid: string, container: string, onChunk: (chunk: string) => void, onEnd: () => void): () => void {
    const log = this.#entry(podUid, container);
    if (log.ended) {
      onEnd();
      return () => {};
    }
    const follower = { onChunk, onEnd };
    log.followers.add(follower);
    return () => log.followers.delete(follower);
  }

  forget(podUid: string): void {
    for (const log of this.#logs.get(podUid)?.values() ?? []) {
      for (const f of log.followers) f.onEnd();
    }
    this.#logs.delete(podUid);
  }
}
